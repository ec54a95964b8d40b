//! A provider user as the fake server stores it.

use serde::Deserialize;
use uuid::Uuid;

use crate::{NoteIdentifier, ProviderUser};

/// A provider user to seed the fake with: Upheal UUID, optional
/// `partnerUserId`, profile fields and an active flag.
///
/// Deserialises from the API's camelCase field names plus `"active"`, which
/// is how the standalone server reads its `--seed` file:
///
/// ```json
/// [{"userId": "6f1c2a7e-3b4d-4e5f-8a9b-0c1d2e3f4a5b", "partnerUserId": "ext-1",
///   "firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.com"},
///  {"firstName": "Old", "lastName": "Account", "email": "old@example.com", "active": false}]
/// ```
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeedUser {
    /// Upheal's id; a random one when absent.
    #[serde(default = "Uuid::new_v4")]
    pub user_id: Uuid,
    /// The partner's id for this user, if any.
    #[serde(default)]
    pub partner_user_id: Option<String>,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email address.
    pub email: String,
    /// Default note template ids.
    #[serde(default)]
    pub default_note_template_ids: Vec<String>,
    /// NPI.
    #[serde(default)]
    pub national_provider_identifier: Option<String>,
    /// Therapy licence.
    #[serde(default)]
    pub therapy_licence: Option<String>,
    /// Note identifier.
    #[serde(default)]
    pub note_identifier: Option<NoteIdentifier>,
    /// Phone number without country code.
    #[serde(default)]
    pub phone_number: Option<String>,
    /// Phone country code.
    #[serde(default)]
    pub phone_country_code: Option<String>,
    /// Organisation id.
    #[serde(default)]
    pub organization_id: Option<String>,
    /// A deactivated user (`false`) cannot be updated.
    #[serde(default = "active_by_default")]
    pub active: bool,
}

fn active_by_default() -> bool {
    true
}

impl SeedUser {
    /// An active user with a random UUID and the required profile fields.
    pub fn new(first_name: &str, last_name: &str, email: &str) -> Self {
        Self {
            user_id: Uuid::new_v4(),
            partner_user_id: None,
            first_name: first_name.to_owned(),
            last_name: last_name.to_owned(),
            email: email.to_owned(),
            default_note_template_ids: Vec::new(),
            national_provider_identifier: None,
            therapy_licence: None,
            note_identifier: None,
            phone_number: None,
            phone_country_code: None,
            organization_id: None,
            active: true,
        }
    }

    /// Sets the partner's id.
    pub fn partner_user_id(mut self, id: &str) -> Self {
        self.partner_user_id = Some(id.to_owned());
        self
    }

    /// Sets Upheal's id instead of a random one.
    pub fn user_id(mut self, id: Uuid) -> Self {
        self.user_id = id;
        self
    }

    /// Sets the default note template ids.
    pub fn default_templates<I: IntoIterator<Item = S>, S: Into<String>>(mut self, ids: I) -> Self {
        self.default_note_template_ids = ids.into_iter().map(Into::into).collect();
        self
    }

    /// Marks the user deactivated.
    pub fn deactivated(mut self) -> Self {
        self.active = false;
        self
    }

    /// The user as the API returns it.
    pub(crate) fn to_provider_user(&self) -> ProviderUser {
        ProviderUser {
            user_id: self.user_id.to_string(),
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            email: self.email.clone(),
            default_note_template_ids: self.default_note_template_ids.clone(),
            national_provider_identifier: self.national_provider_identifier.clone(),
            therapy_licence: self.therapy_licence.clone(),
            partner_user_id: self.partner_user_id.clone(),
            phone_number: self.phone_number.clone(),
            phone_country_code: self.phone_country_code.clone(),
            organization_id: self.organization_id.clone(),
            note_identifier: self.note_identifier.clone(),
        }
    }
}
