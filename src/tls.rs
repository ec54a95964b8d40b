//! The TLS backend behind `https` base URLs, chosen by cargo feature.
//!
//! The default, `rustls`, uses the `ring` provider: it builds no C crypto
//! library (aws-lc) and installs no process-wide provider, so it cannot
//! conflict with an application's own choice. `native-tls` uses the
//! platform library (OpenSSL on Linux) instead.

use crate::Error;

/// Applies the compiled-in backend, preferring the one the caller asked for
/// when both features are on.
pub(crate) fn configure(
    builder: reqwest::ClientBuilder,
    prefer_native: bool,
) -> Result<reqwest::ClientBuilder, Error> {
    #[cfg(feature = "native-tls")]
    if prefer_native || cfg!(not(feature = "rustls")) {
        return Ok(builder.tls_backend_native());
    }
    let _ = prefer_native;
    rustls_backend(builder)
}

#[cfg(feature = "rustls")]
fn rustls_backend(builder: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder, Error> {
    use rustls_platform_verifier::BuilderVerifierExt;
    use std::sync::Arc;

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_platform_verifier())
        .map_err(|e| {
            Error::new(
                crate::ErrorKind::Transport,
                format!("cannot set up TLS ({e})"),
            )
            .with_source(e)
        })?
        .with_no_client_auth();
    Ok(builder.tls_backend_preconfigured(config))
}

#[cfg(not(feature = "rustls"))]
fn rustls_backend(builder: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder, Error> {
    // Without any TLS feature only plain-http loopback URLs work; reqwest
    // reports an https URL as a connection error.
    Ok(builder)
}
