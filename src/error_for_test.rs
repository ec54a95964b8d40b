//! Errors as a dependent's tests build them, with every piece of evidence
//! a real one can carry, so that each branch of code that handles errors
//! can be tested without a server.

use std::{borrow::Cow, time::Duration};

use crate::{Error, ErrorKind, ProviderUser};

/// Builds an [`Error`] for a test: start from [`Error::test_builder`],
/// which has what [`Error::for_test`] gives, and add what the branch under
/// test reads. Not for production code.
///
/// ```
/// use std::time::Duration;
/// use upheal_provider_users::{Error, ErrorKind};
///
/// let throttled = Error::test_builder(ErrorKind::RateLimited)
///     .retry_after(Duration::from_secs(30))
///     .attempts(3)
///     .build();
/// assert_eq!(throttled.retry_after(), Some(Duration::from_secs(30)));
/// assert_eq!(throttled.attempts(), 3);
///
/// let refused = Error::test_builder(ErrorKind::InvalidInput)
///     .field("therapyLicence")
///     .message("must not be blank")
///     .build();
/// assert_eq!(refused.field(), Some("therapyLicence"));
///
/// let gone = Error::test_builder(ErrorKind::BadRequest)
///     .body(r#"{"message": "User is deactivated"}"#)
///     .build();
/// assert!(gone.is_deactivated_user());
/// ```
#[derive(Debug)]
#[must_use = "the error is made by `build`"]
pub struct ErrorForTest {
    kind: ErrorKind,
    message: Option<String>,
    body: Option<String>,
    status: Option<Option<u16>>,
    field: Option<Cow<'static, str>>,
    retry_after: Option<Duration>,
    attempts: Option<u32>,
    returned_user: Option<ProviderUser>,
}

impl Error {
    /// A builder for an error of `kind` with the evidence a test needs;
    /// see [`ErrorForTest`].
    pub fn test_builder(kind: ErrorKind) -> ErrorForTest {
        ErrorForTest {
            kind,
            message: None,
            body: None,
            status: None,
            field: None,
            retry_after: None,
            attempts: None,
            returned_user: None,
        }
    }
}

impl ErrorForTest {
    /// What the error says (default: the kind's name).
    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    /// The response body, from which [`Error::api_message`] is read, as
    /// for a real response (default: the message).
    pub fn body(mut self, body: impl Into<String>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// The HTTP status, or `None` for an error with no response (default:
    /// the one the kind implies, as [`Error::for_test`] says).
    pub fn status(mut self, status: Option<u16>) -> Self {
        self.status = Some(status);
        self
    }

    /// The field an [`ErrorKind::InvalidInput`] names.
    pub fn field(mut self, field: impl Into<Cow<'static, str>>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// The server's `Retry-After`.
    pub fn retry_after(mut self, retry_after: Duration) -> Self {
        self.retry_after = Some(retry_after);
        self
    }

    /// The HTTP attempts made (default: one, none for `InvalidInput`).
    pub fn attempts(mut self, attempts: u32) -> Self {
        self.attempts = Some(attempts);
        self
    }

    /// The user an [`ErrorKind::IdentityMismatch`] response named.
    pub fn returned_user(mut self, user: ProviderUser) -> Self {
        self.returned_user = Some(user);
        self
    }

    /// The error.
    pub fn build(self) -> Error {
        let message = self.message.unwrap_or_else(|| self.kind.to_string());
        let mut error = Error::for_test(self.kind, message.clone());
        if let Some(status) = self.status {
            error = error.with_test_status(status);
        }
        if let Some(body) = self.body {
            error = error.with_body(Some(body));
        } else if error.status().is_some() {
            error = error.with_body(Some(message));
        }
        if let Some(field) = self.field {
            error = error.with_field(field);
        }
        if let Some(user) = self.returned_user {
            error = error.with_returned_user(user);
        }
        if let Some(attempts) = self.attempts {
            error = error.with_attempts(attempts);
        }
        error.with_retry_after(self.retry_after)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::{Error, ErrorKind, ProviderUser};

    #[test]
    fn every_piece_of_evidence_can_be_set() {
        let user: ProviderUser = serde_json::from_value(serde_json::json!({
            "userId": "6f1c2a7e-3b4d-4e5f-8a9b-0c1d2e3f4a5b", "firstName": "Someone",
            "lastName": "Else", "email": "e@example.com", "defaultNoteTemplateIds": []
        }))
        .unwrap();
        let mismatch = Error::test_builder(ErrorKind::IdentityMismatch)
            .returned_user(user)
            .attempts(2)
            .build();
        assert_eq!(mismatch.returned_user().unwrap().first_name, "Someone");
        assert_eq!((mismatch.status(), mismatch.attempts()), (Some(200), 2));

        let no_response = Error::test_builder(ErrorKind::Timeout).status(None).build();
        assert_eq!((no_response.status(), no_response.body()), (None, None));
        assert!(no_response.is_transient());

        let limited = Error::test_builder(ErrorKind::RateLimited)
            .retry_after(Duration::from_secs(7))
            .body(r#"{"message": "slow down"}"#)
            .build();
        assert_eq!(limited.retry_after(), Some(Duration::from_secs(7)));
        assert_eq!(limited.api_message(), Some("slow down"));
        assert_eq!(limited.status(), Some(429));

        let teapot = Error::test_builder(ErrorKind::UnexpectedStatus)
            .status(Some(418))
            .build();
        assert_eq!(teapot.status(), Some(418));
    }
}
