//! The evidence a test of a dependent's error handling adds to
//! [`Error::for_test`], so that each branch (a `Retry-After`, a field, the
//! API's message) can be tested without a server. The status, the
//! attempts and the returned user are set with methods the client uses
//! too ([`Error::with_status`], [`Error::with_attempts`],
//! [`Error::with_returned_user`]).

use std::{borrow::Cow, time::Duration};

use crate::errors::Error;

impl Error {
    /// The error with a `Retry-After` of `delay`, read back by
    /// [`Self::retry_after`]. For tests, with [`Self::for_test`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use upheal_provider_users::{Error, ErrorKind};
    ///
    /// let throttled = Error::for_test(ErrorKind::RateLimited, "slow down")
    ///     .with_retry_after(Duration::from_secs(30))
    ///     .with_attempts(3);
    /// assert_eq!(throttled.retry_after(), Some(Duration::from_secs(30)));
    /// assert_eq!(throttled.attempts(), 3);
    /// ```
    pub fn with_retry_after(self, delay: Duration) -> Self {
        self.with_retry_after_header(Some(delay))
    }

    /// The error naming `field`, read back by [`Self::field`]. For tests,
    /// with [`Self::for_test`].
    ///
    /// ```
    /// use upheal_provider_users::{Error, ErrorKind};
    ///
    /// let refused = Error::for_test(ErrorKind::InvalidInput, "must not be blank")
    ///     .with_field("therapyLicence");
    /// assert_eq!(refused.field(), Some("therapyLicence"));
    /// ```
    pub fn with_field(mut self, field: &str) -> Self {
        self.set_field(Cow::Owned(field.to_owned()));
        self
    }

    /// The error whose response body carried the API's own `message`, read
    /// back by [`Self::api_message`] (and by [`Self::is_deactivated_user`]
    /// for a 400). For tests, with [`Self::for_test`].
    ///
    /// ```
    /// use upheal_provider_users::{Error, ErrorKind};
    ///
    /// let gone = Error::for_test(ErrorKind::BadRequest, "refused")
    ///     .with_api_message("User is deactivated");
    /// assert_eq!(gone.api_message(), Some("User is deactivated"));
    /// assert!(gone.is_deactivated_user());
    /// ```
    pub fn with_api_message(self, message: &str) -> Self {
        let body = serde_json::json!({ "message": message }).to_string();
        self.with_body(Some(body))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::{errors::Error, errors::ErrorKind, generated::types::ProviderUser};

    #[test]
    fn each_piece_of_evidence_is_read_back_by_its_accessor() {
        let user: ProviderUser = serde_json::from_value(serde_json::json!({
            "userId": "6f1c2a7e-3b4d-4e5f-8a9b-0c1d2e3f4a5b", "firstName": "Someone",
            "lastName": "Else", "email": "e@example.com", "defaultNoteTemplateIds": []
        }))
        .unwrap();
        let error = Error::for_test(ErrorKind::IdentityMismatch, "another user")
            .with_returned_user(user)
            .with_attempts(2)
            .with_status(200)
            .with_retry_after(Duration::from_secs(7))
            .with_field("providerUserId")
            .with_api_message("slow down");
        assert_eq!(error.returned_user().unwrap().first_name, "Someone");
        assert_eq!((error.status(), error.attempts()), (Some(200), 2));
        assert_eq!(error.retry_after(), Some(Duration::from_secs(7)));
        assert_eq!(error.field(), Some("providerUserId"));
        assert_eq!(error.api_message(), Some("slow down"));
        let teapot = Error::for_test(ErrorKind::UnexpectedStatus, "teapot").with_status(418);
        assert_eq!(teapot.status(), Some(418));
    }
}
