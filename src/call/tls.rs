//! The TLS backend behind `https` base URLs, chosen by cargo feature.
//!
//! The default, `rustls`, is reqwest's own rustls setup (aws-lc-rs and the
//! platform verifier): because cargo unifies features, whatever this crate
//! turns on in reqwest also applies to a dependent's own reqwest clients,
//! and this choice leaves them working. `rustls-ring` configures the `ring`
//! provider per client instead (no C crypto library to build, but see its
//! caveat in `Cargo.toml`); it wins when both are on. `native-tls` uses the
//! platform library (OpenSSL on Linux).

use crate::errors::Error;

/// The builder setting that extra roots come from, named in errors.
const ROOTS_FIELD: &str = "root_certificate";

/// Applies the compiled-in backend, preferring the one the caller asked for
/// when both features are on. `extra_roots` are PEM certificates trusted in
/// addition to the platform's (a private development host, a TLS-inspecting
/// proxy).
pub(crate) fn configure(
    builder: reqwest::ClientBuilder,
    prefer_native: bool,
    extra_roots: &[Vec<u8>],
) -> Result<reqwest::ClientBuilder, Error> {
    #[cfg(feature = "native-tls")]
    if prefer_native || cfg!(not(any(feature = "rustls", feature = "rustls-ring"))) {
        return native_backend(builder, extra_roots);
    }
    let _ = prefer_native;
    rustls_backend(builder, extra_roots)
}

fn bad_roots(e: impl std::fmt::Display) -> Error {
    Error::invalid_setting(
        ROOTS_FIELD,
        format!("is not a usable PEM certificate ({e})"),
    )
}

/// Every certificate in the PEM texts, for reqwest's own backends.
#[cfg(any(feature = "native-tls", feature = "rustls"))]
fn pem_certificates(extra_roots: &[Vec<u8>]) -> Result<Vec<reqwest::Certificate>, Error> {
    let mut certificates = Vec::new();
    for pem in extra_roots {
        certificates.extend(reqwest::Certificate::from_pem_bundle(pem).map_err(bad_roots)?);
    }
    Ok(certificates)
}

#[cfg(feature = "native-tls")]
fn native_backend(
    builder: reqwest::ClientBuilder,
    extra_roots: &[Vec<u8>],
) -> Result<reqwest::ClientBuilder, Error> {
    let roots = pem_certificates(extra_roots)?;
    Ok(builder.tls_backend_native().tls_certs_merge(roots))
}

/// reqwest's own rustls: its provider, the platform verifier, extra roots
/// merged in.
#[cfg(all(feature = "rustls", not(feature = "rustls-ring")))]
fn rustls_backend(
    builder: reqwest::ClientBuilder,
    extra_roots: &[Vec<u8>],
) -> Result<reqwest::ClientBuilder, Error> {
    let roots = pem_certificates(extra_roots)?;
    Ok(builder.tls_backend_rustls().tls_certs_merge(roots))
}

/// `ring`, configured for this client alone.
#[cfg(feature = "rustls-ring")]
fn rustls_backend(
    builder: reqwest::ClientBuilder,
    extra_roots: &[Vec<u8>],
) -> Result<reqwest::ClientBuilder, Error> {
    use rustls::pki_types::{CertificateDer, pem::PemObject};
    use std::sync::Arc;

    let mut roots = Vec::new();
    for pem in extra_roots {
        for cert in CertificateDer::pem_slice_iter(pem) {
            roots.push(cert.map_err(bad_roots)?);
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let setup_failed = |e: rustls::Error| {
        Error::new(
            crate::errors::ErrorKind::Transport,
            format!("cannot set up TLS ({e})"),
        )
        .with_source(e)
    };
    let verifier =
        rustls_platform_verifier::Verifier::new_with_extra_roots(roots, Arc::clone(&provider))
            .map_err(setup_failed)?;
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(setup_failed)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    Ok(builder.tls_backend_preconfigured(config))
}

#[cfg(not(any(feature = "rustls", feature = "rustls-ring")))]
fn rustls_backend(
    builder: reqwest::ClientBuilder,
    extra_roots: &[Vec<u8>],
) -> Result<reqwest::ClientBuilder, Error> {
    // Without any TLS feature only plain-http loopback URLs work; reqwest
    // reports an https URL as a connection error.
    if !extra_roots.is_empty() {
        return Err(bad_roots("no TLS feature is enabled"));
    }
    Ok(builder)
}
