//! An `https` base URL goes through a real TLS handshake with each compiled-in
//! backend. The peer here speaks plain HTTP, so the handshake must fail as a
//! typed `Transport` error: proof that the backend is wired in (no panic for
//! a missing crypto provider, no silent plain-text fallback).

use std::io::{Read, Write};

use upheal_provider_users::{
    Client, ClientBuilder, ErrorKind, ProviderUserId, ProviderUserUpdate, RetryPolicy,
};

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

async fn handshake_fails_cleanly(builder: ClientBuilder) {
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

#[cfg(feature = "rustls")]
#[tokio::test]
async fn rustls_performs_a_tls_handshake() {
    handshake_fails_cleanly(Client::builder()).await;
}

#[cfg(feature = "native-tls")]
#[tokio::test]
async fn native_tls_performs_a_tls_handshake() {
    handshake_fails_cleanly(Client::builder().use_native_tls()).await;
}
