//! The raw client and wire types that `build.rs` generates from
//! `openapi/update-provider-user-by-id-v2.json` with progenitor.
//!
//! Prefer the hand-written layer at the crate root; this module is the escape
//! hatch (reachable through [`crate::Client::generated`]). It is never edited
//! by hand: change the fragment or the generator settings in `build.rs`.
#![allow(clippy::all)]

include!(concat!(env!("OUT_DIR"), "/generated.rs"));

pub use crate::transport::Transport;

/// The method and path of the fragment's operation, for tests and tools
/// that talk to the endpoint directly: derived from the fragment, so a
/// corrected route needs no edit where they are used.
pub use crate::fragment::{OPERATION_METHOD, OPERATION_PATH};

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
