//! The client partners call: one validated, identity-checked update.

use std::{fmt, sync::Arc};

use tracing::Instrument;

use crate::{
    ClientBuilder, Error, ErrorKind, ProviderUser, ProviderUserId, ProviderUserUpdate, generated,
    response_error,
};

/// A client for Upheal's "update provider user by id v2" endpoint.
///
/// Cheap to clone (one `Arc`): clones share the connection pool, so build
/// one per API key and pass clones around. `Send + Sync`.
///
/// ```no_run
/// use upheal_provider_users::{Client, NoteIdentifier, Npi, ProviderUserId, ProviderUserUpdate};
///
/// # async fn run() -> Result<(), upheal_provider_users::Error> {
/// let client = Client::builder().api_key(std::env::var("UPHEAL_API_KEY").unwrap()).build()?;
/// let id = ProviderUserId::partner("ext-42")?;
/// let update = ProviderUserUpdate::new()
///     .note_identifier(NoteIdentifier::Clinician)
///     .national_provider_identifier(Npi::new("1234567893")?);
/// let user = client.update_provider_user(&id, &update).await?;
/// println!("{} {} now has NPI {:?}", user.first_name, user.last_name, user.national_provider_identifier);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<ClientInner>,
}

pub(crate) struct ClientInner {
    pub(crate) raw: generated::Client,
    pub(crate) base_url: String,
}

impl Client {
    /// Starts configuring a client; see [`ClientBuilder`].
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    pub(crate) fn from_inner(inner: Arc<ClientInner>) -> Self {
        Self { inner }
    }

    /// The normalised base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The generated client underneath, as an escape hatch: it sends through
    /// the same connection pool, authentication and body cap, but without
    /// validation or the identity check.
    pub fn generated(&self) -> &generated::Client {
        &self.inner.raw
    }

    /// Applies `update` to the user `id` addresses and returns the user as
    /// Upheal now holds it.
    ///
    /// Nothing is sent when the update is invalid
    /// ([`ErrorKind::InvalidInput`]). The returned user is checked to be the
    /// one addressed ([`ErrorKind::IdentityMismatch`] otherwise). Statuses
    /// map to kinds as documented on [`ErrorKind`].
    pub async fn update_provider_user(
        &self,
        id: &ProviderUserId,
        update: &ProviderUserUpdate,
    ) -> Result<ProviderUser, Error> {
        let request = update.to_request()?;
        let span = tracing::info_span!(
            "upheal.update_provider_user",
            operation = "updateProviderUserByIdV2",
            id_form = id.form(),
            status = tracing::field::Empty,
        );
        async {
            let result = self
                .inner
                .raw
                .update_provider_user_by_id_v2(&id.to_string(), &request)
                .await;
            let user = match result {
                Ok(value) => value.into_inner(),
                Err(raw) => return Err(response_error::from_raw(raw).await.with_attempts(1)),
            };
            check_identity(id, user)
        }
        .instrument(span)
        .await
    }
}

fn check_identity(id: &ProviderUserId, user: ProviderUser) -> Result<ProviderUser, Error> {
    if id.identifies(&user) {
        return Ok(user);
    }
    let got = match id.as_upheal() {
        Some(_) => format!("userId `{}`", user.user_id),
        None => format!("partnerUserId {:?}", user.partner_user_id),
    };
    tracing::error!(
        id_form = id.form(),
        "response names a different provider user"
    );
    Err(Error::new(
        ErrorKind::IdentityMismatch,
        format!("addressed provider user `{id}` but the response is for {got}"),
    )
    .with_status(200)
    .with_attempts(1))
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("api_key", &"[redacted]")
            .finish_non_exhaustive()
    }
}
