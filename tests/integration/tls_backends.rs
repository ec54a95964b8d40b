//! `https` base URLs with each compiled-in TLS backend: a full round trip to
//! a loopback TLS server whose certificate chains to a test CA, refused
//! without that CA, and a plain-HTTP peer refused at the handshake.

use std::{
    io::{Read, Write},
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use upheal_provider_users::{
    Client, ClientBuilder, ErrorKind, ProviderUserId, ProviderUserUpdate, RetryPolicy,
};

/// The fragment's example user, as partner `ext-1`.
fn provider() -> String {
    crate::common::user_json(crate::common::UPHEAL_UUID, Some("ext-1")).to_string()
}

/// A TLS server for `localhost` whose certificate is signed by a fresh test
/// CA; answers every request with [`provider`]. Returns its port and the CA.
async fn tls_server() -> (u16, String) {
    let (port, ca_pem, _) = tls_server_presenting(Presented::Good).await;
    (port, ca_pem)
}

/// The certificate a test server presents.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Presented {
    Good,
    Expired,
    OtherHost,
    TheCaItself,
}

/// Every certificate a client must refuse (for `Good`: without its CA).
const ALL_REFUSALS: [Presented; 4] = [
    Presented::Good,
    Presented::Expired,
    Presented::OtherHost,
    Presented::TheCaItself,
];

/// [`tls_server`] presenting `presented`; also counts the TCP connections
/// it accepted (one per attempt).
async fn tls_server_presenting(presented: Presented) -> (u16, String, Arc<AtomicUsize>) {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    // Distinct names: OpenSSL takes a leaf whose issuer equals its subject
    // for a self-signed certificate.
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "upheal-provider-users test CA");
    let ca_pem = ca_params.self_signed(&ca_key).unwrap().pem();
    let issuer = Issuer::new(ca_params, ca_key);

    let leaf_key = KeyPair::generate().unwrap();
    let host = match presented {
        Presented::OtherHost => "other.example",
        _ => "localhost",
    };
    let mut leaf_params = CertificateParams::new(vec![host.to_owned()]).unwrap();
    leaf_params
        .extended_key_usages
        .push(ExtendedKeyUsagePurpose::ServerAuth);
    if let Presented::Expired = presented {
        leaf_params.not_before = rcgen::date_time_ymd(2020, 1, 1);
        leaf_params.not_after = rcgen::date_time_ymd(2021, 1, 1);
    }
    let (leaf, leaf_key) = match presented {
        Presented::TheCaItself => {
            let ca_key = KeyPair::generate().unwrap();
            let mut ca_params = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
            ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            ca_params
                .distinguished_name
                .push(DnType::CommonName, "a CA serving as its own server");
            let ca = ca_params.self_signed(&ca_key).unwrap();
            (ca, ca_key)
        }
        _ => (leaf_params.signed_by(&leaf_key, &issuer).unwrap(), leaf_key),
    };
    let ca_pem = match presented {
        Presented::TheCaItself => leaf.pem(),
        _ => ca_pem,
    };
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&accepted);

    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![leaf.der().clone()], key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut request = Vec::new();
                let mut buffer = [0u8; 4096];
                // Headers, then as many body bytes as Content-Length says.
                while let Ok(n) = tls.read(&mut buffer).await {
                    if n == 0 {
                        return;
                    }
                    request.extend_from_slice(&buffer[..n]);
                    if complete(&request) {
                        break;
                    }
                }
                let provider = provider();
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{provider}",
                    provider.len()
                );
                let _ = tls.write_all(response.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (port, ca_pem, accepted)
}

fn complete(request: &[u8]) -> bool {
    let text = String::from_utf8_lossy(request);
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return false;
    };
    let length = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
        })
        .unwrap_or(0);
    body.len() >= length
}

async fn update_over_https(
    builder: ClientBuilder,
    port: u16,
) -> Result<upheal_provider_users::ProviderUser, upheal_provider_users::Error> {
    let client = builder
        .api_key("k")
        .base_url(format!("https://localhost:{port}"))
        .retry_policy(RetryPolicy::none())
        .build()?;
    client
        .update_provider_user(
            &ProviderUserId::partner("ext-1").unwrap(),
            &ProviderUserUpdate::new().therapy_licence("L-1"),
        )
        .await
}

async fn round_trip_with_trusted_ca(builder: fn() -> ClientBuilder) {
    let (port, ca_pem) = tls_server().await;
    let user = update_over_https(builder().add_root_certificate_pem(&ca_pem), port)
        .await
        .unwrap();
    assert_eq!(user.first_name, "Ada");

    let untrusted = update_over_https(builder(), port).await.unwrap_err();
    assert_eq!(untrusted.kind(), ErrorKind::Certificate, "{untrusted}");
}

/// Each way a certificate is refused is named with its fix, is not
/// transient, and costs one attempt under a policy that allows three.
/// Before: "could not connect to Upheal … check the network … safe to
/// retry", three attempts.
async fn certificate_failures_name_the_problem_and_are_not_retried(
    builder: fn() -> ClientBuilder,
    cases: &[Presented],
) {
    for (presented, trust_the_ca, expected) in [
        (
            Presented::Good,
            false,
            "signed by an authority this client does not trust",
        ),
        (Presented::Expired, true, "has expired or is not valid yet"),
        (Presented::OtherHost, true, "issued for another host name"),
        (
            Presented::TheCaItself,
            true,
            "a CA certificate used as the server's own",
        ),
    ]
    .into_iter()
    .filter(|(presented, ..)| cases.contains(presented))
    {
        let (port, ca_pem, accepted) = tls_server_presenting(presented).await;
        let builder = if trust_the_ca {
            builder().add_root_certificate_pem(&ca_pem)
        } else {
            builder()
        };
        let client = builder
            .api_key("k")
            .base_url(format!("https://localhost:{port}"))
            .retry_policy(RetryPolicy::default().base_delay(std::time::Duration::from_millis(5)))
            .build()
            .unwrap();
        let error = client
            .update_provider_user(
                &ProviderUserId::partner("ext-1").unwrap(),
                &ProviderUserUpdate::new(),
            )
            .await
            .unwrap_err();
        assert_eq!(
            error.kind(),
            ErrorKind::Certificate,
            "{presented:?}: {error}"
        );
        assert!(!error.is_transient());
        let text = error.to_string();
        assert!(text.contains(expected), "{presented:?}: {text}");
        assert!(!text.contains("safe to retry"), "{presented:?}: {text}");
        assert_eq!(
            accepted.load(Ordering::SeqCst),
            1,
            "{presented:?}: one attempt"
        );
    }
}

/// A loopback peer that answers whatever arrives with plain HTTP, and
/// reports whether the first bytes it got looked like a TLS ClientHello.
fn plain_http_peer() -> (u16, std::thread::JoinHandle<bool>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let peer = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut first = [0u8; 1];
        stream.read_exact(&mut first).unwrap();
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
        first[0] == 0x16 // TLS handshake record
    });
    (port, peer)
}

async fn handshake_with_plain_http_fails(builder: ClientBuilder) {
    let (port, peer) = plain_http_peer();
    let client: Client = builder
        .api_key("k")
        .base_url(format!("https://127.0.0.1:{port}"))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let error = client
        .update_provider_user(
            &ProviderUserId::partner("ext-1").unwrap(),
            &ProviderUserUpdate::new(),
        )
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Transport, "{error}");
    assert!(
        peer.join().unwrap(),
        "the client opened with a TLS ClientHello"
    );
}

#[test]
fn a_bad_root_certificate_is_refused_at_build() {
    let error = Client::builder()
        .api_key("k")
        .add_root_certificate_pem(
            "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n",
        )
        .build()
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
    assert_eq!(error.field(), Some("root_certificate"));
}

#[cfg(any(feature = "rustls", feature = "rustls-ring"))]
#[tokio::test]
async fn rustls_round_trip() {
    round_trip_with_trusted_ca(Client::builder).await;
    certificate_failures_name_the_problem_and_are_not_retried(Client::builder, &ALL_REFUSALS).await;
    handshake_with_plain_http_fails(Client::builder()).await;
}

#[cfg(feature = "native-tls")]
#[tokio::test]
async fn native_tls_round_trip() {
    round_trip_with_trusted_ca(|| Client::builder().use_native_tls()).await;
    // OpenSSL accepts a trusted self-signed certificate as the server's
    // own, CA or not: that case is rustls's alone.
    certificate_failures_name_the_problem_and_are_not_retried(
        || Client::builder().use_native_tls(),
        &ALL_REFUSALS[..3],
    )
    .await;
    handshake_with_plain_http_fails(Client::builder().use_native_tls()).await;
}
