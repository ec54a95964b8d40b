//! What the hand-written layer adds to the generated `ProviderUser`.

use uuid::Uuid;

use crate::generated::types::ProviderUser;

impl ProviderUser {
    /// `user_id` as a UUID. The generated field stays a `String` (the
    /// fragment types it as a string, and a response must never fail to
    /// decode over it); `None` when Upheal sent something that is not one.
    ///
    /// `ProviderUser` is `#[non_exhaustive]`, so that a property Upheal adds
    /// is not a breaking change; build one in tests from JSON:
    ///
    /// ```
    /// use upheal_provider_users::ProviderUser;
    ///
    /// let user: ProviderUser = serde_json::from_value(serde_json::json!({
    ///     "userId": "6f1c2a7e-3b4d-4e5f-8a9b-0c1d2e3f4a5b",
    ///     "firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.com",
    ///     "defaultNoteTemplateIds": []
    /// }))?;
    /// assert_eq!(user.user_uuid().unwrap().to_string(), user.user_id);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn user_uuid(&self) -> Option<Uuid> {
        Uuid::try_parse(&self.user_id).ok()
    }
}
