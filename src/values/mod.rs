//! The values an update is made of, each checked where it is built: the
//! dual provider-user id, the NPI, the note identifier, the update itself
//! with its hand-written and generated properties, and the checks a batch
//! runs before anything is sent.

pub(crate) mod batch_check;
pub(crate) mod fragment_constraint;
pub(crate) mod generated_property;
pub(crate) mod generated_setters;
pub(crate) mod hidden_character;
#[cfg(feature = "schemars")]
pub(crate) mod json_schema;
pub(crate) mod note_identifier;
pub(crate) mod npi;
pub(crate) mod provider_user;
pub(crate) mod provider_user_id;
pub(crate) mod provider_user_update;
pub(crate) mod quoted_value;
pub(crate) mod request_property;
pub(crate) mod text_rules;
pub(crate) mod validated_request;

pub use batch_check::{BatchProblem, FieldValue, check_batch, check_updates};
pub use generated_property::{GeneratedProperty, PropertyShape};
pub use note_identifier::NoteIdentifier;
pub use npi::Npi;
pub use provider_user_id::{MAX_PARTNER_ID_CHARS, ProviderUserId};
pub use provider_user_update::{MAX_TEXT_CHARS, ProviderUserUpdate};
