//! The raw client and wire types that `build.rs` generates from
//! `openapi/update-provider-user-by-id-v2.json` with progenitor.
//!
//! Prefer the hand-written layer at the crate root; this module is the escape
//! hatch (reachable through [`crate::Client::generated`]). It is never edited
//! by hand: change the fragment or the generator settings in `build.rs`.
#![allow(clippy::all)]

include!(concat!(env!("OUT_DIR"), "/generated.rs"));

#[allow(unused_imports)] // when the fragment has no enum but NoteIdentifier
use crate::forward_compatible_enum::forward_compatible_enum;
// Every string enum of the fragment but `NoteIdentifier`, forward
// compatible: `Unknown(String)` keeps a value a newer API sends.
include!(concat!(env!("OUT_DIR"), "/generated_enums.rs"));

pub use crate::call::transport::Transport;

/// The method and path of the fragment's operation, for tests and tools
/// that talk to the endpoint directly: derived from the fragment, so a
/// corrected route needs no edit where they are used.
pub use crate::fragment::{OPERATION_METHOD, OPERATION_PATH};

/// How the client sends the API key, from the fragment's security scheme:
/// the header and what precedes the key in it (`"Bearer "` for bearer
/// auth, nothing for an API key header). For tests and tools that talk to
/// the endpoint directly, so that a scheme change needs no edit there.
///
/// ```
/// use upheal_provider_users::generated::{AUTH_HEADER, AUTH_PREFIX};
///
/// let header = (AUTH_HEADER, format!("{AUTH_PREFIX}{}", "my-key"));
/// assert!(header.1.ends_with("my-key"));
/// ```
pub use crate::fragment::{AUTH_HEADER, AUTH_PREFIX};

/// Every status the fragment documents for the operation, with the first
/// sentence of its description: a documented status is never reported as
/// undocumented ([`ErrorKind::DocumentedStatus`](crate::ErrorKind::DocumentedStatus)
/// when no other kind fits).
pub use crate::fragment::DOCUMENTED_STATUSES;

/// [`OPERATION_PATH`] for one provider: `segment` is put in place of the
/// path parameter as given (already percent-encoded, as a request sends it).
///
/// ```
/// use upheal_provider_users::generated::{OPERATION_PATH, operation_path};
///
/// // `/users/providers/{providerUserId}` → `/users/providers/ext-42`
/// let path = operation_path("ext-42");
/// assert!(path.ends_with("/ext-42") && !path.contains('{'));
/// assert_eq!(path.len(), OPERATION_PATH.len() - "{providerUserId}".len() + "ext-42".len());
/// ```
pub fn operation_path(segment: impl std::fmt::Display) -> String {
    let (before, rest) = OPERATION_PATH
        .split_once('{')
        .expect("build.rs checks the operation's path has a parameter");
    let (_, after) = rest.split_once('}').expect("a closed parameter");
    format!("{before}{segment}{after}")
}
