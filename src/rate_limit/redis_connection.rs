//! Where the shared budget reaches Redis: one server (`redis://`, or
//! `rediss://` over TLS, with an optional private CA) or a Redis / Valkey
//! cluster. The budget's two keys share a hash tag, so a cluster keeps them
//! in one slot and the one-step Lua script runs on one node.

use std::time::Duration;

use redis::{
    AsyncConnectionConfig, Cmd, Pipeline, RedisError, RedisFuture, RedisResult, TlsCertificates,
    Value,
    aio::{ConnectionLike, MultiplexedConnection},
    cluster::ClusterClient,
    cluster_async::ClusterConnection,
};

/// The longest one connection attempt (TCP, TLS, AUTH) may take. The redis
/// crate's own default, one second, is shorter than a TLS handshake to a
/// managed Redis takes on a loaded machine; attempts run in the background
/// (see `redis_connector`), so a longer one holds no call.
pub(super) const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A configured way to reach Redis; connects on demand.
/// Boxed: the clients are large, and of different sizes.
pub(super) enum RedisTarget {
    Server(Box<redis::Client>),
    Cluster(Box<ClusterClient>),
}

/// An open connection to either.
#[derive(Clone)]
pub(super) enum RedisConnection {
    Server(MultiplexedConnection),
    Cluster(ClusterConnection),
}

impl RedisTarget {
    /// One server at `url`; `root_pem` is a private CA for `rediss://`.
    pub(super) fn server(url: &str, root_pem: Option<&[u8]>) -> RedisResult<Self> {
        if url.starts_with("rediss://") {
            ensure_crypto_provider()?;
        }
        let client = match root_pem {
            Some(pem) => redis::Client::build_with_tls(url, certificates(pem))?,
            None => redis::Client::open(url)?,
        };
        Ok(Self::Server(Box::new(client)))
    }

    /// A cluster reached through any of `nodes`.
    pub(super) fn cluster(nodes: &[String], root_pem: Option<&[u8]>) -> RedisResult<Self> {
        if nodes.iter().any(|node| node.starts_with("rediss://")) {
            ensure_crypto_provider()?;
        }
        let mut builder = ClusterClient::builder(nodes.iter().map(String::as_str))
            .connection_timeout(CONNECT_TIMEOUT);
        if let Some(pem) = root_pem {
            builder = builder.certs(certificates(pem));
        }
        Ok(Self::Cluster(Box::new(builder.build()?)))
    }

    pub(super) async fn connect(&self) -> RedisResult<RedisConnection> {
        Ok(match self {
            Self::Server(client) => {
                let config =
                    AsyncConnectionConfig::new().set_connection_timeout(Some(CONNECT_TIMEOUT));
                RedisConnection::Server(
                    client
                        .get_multiplexed_async_connection_with_config(&config)
                        .await?,
                )
            }
            Self::Cluster(client) => RedisConnection::Cluster(client.get_async_connection().await?),
        })
    }
}

fn certificates(root_pem: &[u8]) -> TlsCertificates {
    TlsCertificates {
        client_tls: None,
        root_cert: Some(root_pem.to_vec()),
    }
}

/// The redis crate builds its TLS settings with rustls's process-wide
/// default provider, which rustls cannot choose by itself when a build has
/// more than one compiled in (cargo unifies features). Installs the one
/// this build's TLS feature compiles anyway (`ring` with `rustls-ring`,
/// else reqwest's aws-lc-rs with `rustls`), so that `redis` adds no crypto
/// library of its own, and only when none is installed, so that a provider
/// the application chose is kept. With neither feature (`native-tls`
/// alone), the application must install one: `rediss://` is refused when
/// the client is built rather than failing in the background.
fn ensure_crypto_provider() -> RedisResult<()> {
    if rustls::crypto::CryptoProvider::get_default().is_some() {
        return Ok(());
    }
    #[cfg(feature = "rustls-ring")]
    let _ = rustls::crypto::ring::default_provider().install_default();
    #[cfg(all(feature = "rustls", not(feature = "rustls-ring")))]
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    if rustls::crypto::CryptoProvider::get_default().is_some() {
        return Ok(());
    }
    Err(RedisError::from((
        redis::ErrorKind::InvalidClientConfig,
        "rediss:// needs a rustls crypto provider",
        "enable this crate's `rustls` or `rustls-ring` feature, or install a process-wide \
         provider (rustls::crypto::CryptoProvider::install_default) before building the client"
            .to_owned(),
    )))
}

impl ConnectionLike for RedisConnection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Self::Server(connection) => connection.req_packed_command(cmd),
            Self::Cluster(connection) => connection.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Self::Server(connection) => connection.req_packed_commands(pipeline, offset, count),
            Self::Cluster(connection) => connection.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Self::Server(connection) => connection.get_db(),
            Self::Cluster(connection) => connection.get_db(),
        }
    }
}
