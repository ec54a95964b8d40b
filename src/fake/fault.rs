//! Faults a test can make the fake server produce on purpose.

use std::time::Duration;

/// What the fake does instead of (or before) answering normally, for the
/// next requests: see [`FakeUpheal::inject`](crate::fake::FakeUpheal::inject).
///
/// ```no_run
/// # async fn run() -> std::io::Result<()> {
/// use upheal_provider_users::{
///     ErrorKind, ProviderUserId, ProviderUserUpdate,
///     fake::{FakeUpheal, Fault, SeedUser},
/// };
///
/// let fake = FakeUpheal::start().await?;
/// let ada = fake.seed(SeedUser::new("Ada", "Lovelace", "ada@example.com"));
/// fake.inject(Fault::WrongUser, 1);
/// let error = fake
///     .client()
///     .update_provider_user(&ProviderUserId::upheal(ada), &ProviderUserUpdate::new())
///     .await
///     .unwrap_err();
/// assert_eq!(error.kind(), ErrorKind::IdentityMismatch);
/// assert_eq!(error.returned_user().unwrap().partner_user_id.as_deref(), Some("someone-else"));
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer with this status and a small JSON error body.
    Status(u16),
    /// Answer 429 with `Retry-After: <seconds>`.
    RateLimited {
        /// The `Retry-After` value in seconds.
        retry_after_secs: u64,
    },
    /// Wait this long, then answer normally.
    Delay(Duration),
    /// Close the connection without a complete response.
    DropConnection,
    /// Answer 200 with a body that is not JSON.
    MalformedBody,
    /// Answer 200 announcing a full body but sending only half of it.
    TruncatedBody,
    /// Apply the update, then answer 200 with `noteIdentifier` set to a value
    /// this crate does not know.
    UnknownNoteIdentifier(String),
    /// Answer 200 streaming this many bytes of padding without a
    /// `Content-Length`: far larger than any provider user.
    OversizedBody(usize),
    /// Answer 200 with a provider user other than the one addressed (a new
    /// `userId`, `partnerUserId` `someone-else`), applying nothing: the
    /// client reports [`ErrorKind::IdentityMismatch`] with that user in
    /// [`Error::returned_user`].
    ///
    /// [`ErrorKind::IdentityMismatch`]: crate::ErrorKind::IdentityMismatch
    /// [`Error::returned_user`]: crate::Error::returned_user
    WrongUser,
}
