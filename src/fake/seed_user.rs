//! A provider user as the fake server stores it.

use serde::Deserialize;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::{generated::types::ProviderUser, values::NoteIdentifier};

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
///
/// ```
/// # #[allow(unused_imports)]
/// # use upheal_provider_users::fake::SeedUser;
/// let ada = SeedUser::new("Ada", "Lovelace", "ada@example.com")
///     .partner_user_id("ext-1")
///     .default_templates(["tpl-1"]);
/// assert!(ada.active);
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
    ///
    /// ```
    /// # #[allow(unused_imports)]
    /// # use upheal_provider_users::fake::SeedUser;
    /// let ada = SeedUser::new("Ada", "Lovelace", "ada@example.com");
    /// assert_eq!(ada.first_name, "Ada");
    /// assert!(ada.partner_user_id.is_none());
    /// ```
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
    ///
    /// ```
    /// # #[allow(unused_imports)]
    /// # use upheal_provider_users::fake::SeedUser;
    /// let ada = SeedUser::new("Ada", "Lovelace", "ada@example.com").partner_user_id("ext-1");
    /// assert_eq!(ada.partner_user_id.as_deref(), Some("ext-1"));
    /// ```
    pub fn partner_user_id(mut self, id: &str) -> Self {
        self.partner_user_id = Some(id.to_owned());
        self
    }

    /// Sets Upheal's id instead of a random one.
    ///
    /// ```
    /// # #[allow(unused_imports)]
    /// # use upheal_provider_users::fake::SeedUser;
    /// let id = uuid::Uuid::new_v4();
    /// assert_eq!(SeedUser::new("Ada", "Lovelace", "ada@example.com").user_id(id).user_id, id);
    /// ```
    pub fn user_id(mut self, id: Uuid) -> Self {
        self.user_id = id;
        self
    }

    /// Sets the default note template ids.
    ///
    /// ```
    /// # #[allow(unused_imports)]
    /// # use upheal_provider_users::fake::SeedUser;
    /// let ada = SeedUser::new("Ada", "Lovelace", "ada@example.com").default_templates(["tpl-1", "tpl-2"]);
    /// assert_eq!(ada.default_note_template_ids, ["tpl-1", "tpl-2"]);
    /// ```
    pub fn default_templates<I: IntoIterator<Item = S>, S: Into<String>>(mut self, ids: I) -> Self {
        self.default_note_template_ids = ids.into_iter().map(Into::into).collect();
        self
    }

    /// Marks the user deactivated.
    ///
    /// ```
    /// # #[allow(unused_imports)]
    /// # use upheal_provider_users::fake::SeedUser;
    /// assert!(!SeedUser::new("Old", "Account", "old@example.com").deactivated().active);
    /// ```
    pub fn deactivated(mut self) -> Self {
        self.active = false;
        self
    }

    /// The user as the API returns it, with `more` (properties the fake
    /// stored beyond this type's fields) where the response type has them.
    pub(crate) fn to_provider_user(&self, more: Option<&Map<String, Value>>) -> ProviderUser {
        serde_json::from_value(self.to_json(more)).expect("a seed user has every required field")
    }

    /// Everything stored for the user, as JSON in the API's names.
    /// Built as JSON rather than a struct literal: a property the fragment
    /// adds to `ProviderUser` later is then simply absent here, so the spec
    /// change needs no edit of this file.
    pub(crate) fn to_json(&self, more: Option<&Map<String, Value>>) -> Value {
        let mut user = serde_json::json!({
            "userId": self.user_id.to_string(),
            "firstName": self.first_name,
            "lastName": self.last_name,
            "email": self.email,
            "defaultNoteTemplateIds": self.default_note_template_ids,
            "nationalProviderIdentifier": self.national_provider_identifier,
            "therapyLicence": self.therapy_licence,
            "partnerUserId": self.partner_user_id,
            "phoneNumber": self.phone_number,
            "phoneCountryCode": self.phone_country_code,
            "organizationId": self.organization_id,
            "noteIdentifier": self.note_identifier,
        });
        if let (Value::Object(user), Some(more)) = (&mut user, more) {
            user.extend(more.clone());
        }
        user
    }
}
