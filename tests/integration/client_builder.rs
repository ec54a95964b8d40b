//! Building a client: required key, safe base URLs, no secret in output.

use upheal_provider_users::{Client, DEFAULT_BASE_URL, ErrorKind};

const KEY: &str = "sk-live-very-secret";

#[test]
fn the_api_key_is_required_and_not_blank() {
    for builder in [Client::builder(), Client::builder().api_key("   ")] {
        let error = builder.build().unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput);
        assert_eq!(error.field(), Some("api_key"));
    }
}

#[test]
fn a_key_that_cannot_be_a_header_is_refused_without_echoing_it() {
    let error = Client::builder()
        .api_key("bad\nkey-secret")
        .build()
        .unwrap_err();
    assert_eq!(error.field(), Some("api_key"));
    assert!(!error.to_string().contains("key-secret"));
}

#[test]
fn the_default_base_url_is_production() {
    let client = Client::builder().api_key(KEY).build().unwrap();
    assert_eq!(client.base_url(), DEFAULT_BASE_URL);
    // The fragment's `servers` is the one source of the default host.
    let fragment: serde_json::Value = serde_json::from_str(include_str!(
        "../../openapi/update-provider-user-by-id-v2.json"
    ))
    .unwrap();
    let server = fragment["servers"][0]["url"].as_str().unwrap();
    assert_eq!(DEFAULT_BASE_URL, server.trim_end_matches('/'));
}

#[test]
fn base_urls_are_normalised() {
    let cases = [
        ("https://api.upheal.io/", "https://api.upheal.io"),
        (
            "https://dev.example.com/upheal/",
            "https://dev.example.com/upheal",
        ),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://localhost:8080/", "http://localhost:8080"),
        ("http://[::1]:8080", "http://[::1]:8080"),
    ];
    for (input, normalised) in cases {
        let client = Client::builder()
            .api_key(KEY)
            .base_url(input)
            .build()
            .unwrap();
        assert_eq!(client.base_url(), normalised);
    }
}

#[test]
fn plain_http_beyond_loopback_needs_an_explicit_opt_in() {
    let error = Client::builder()
        .api_key(KEY)
        .base_url("http://api.upheal.io")
        .build()
        .unwrap_err();
    assert_eq!(error.field(), Some("base_url"));
    assert!(error.to_string().contains("clear text"), "{error}");
    assert!(
        Client::builder()
            .api_key(KEY)
            .base_url("http://api.upheal.io")
            .allow_insecure_http(true)
            .build()
            .is_ok()
    );
}

#[test]
fn malformed_base_urls_are_refused() {
    for url in [
        "not a url",
        "ftp://api.upheal.io",
        "https://api.upheal.io/?x=1",
        "https://user:pw@api.upheal.io",
    ] {
        let error = Client::builder()
            .api_key(KEY)
            .base_url(url)
            .build()
            .unwrap_err();
        assert_eq!(error.field(), Some("base_url"), "{url}");
    }
}

#[test]
fn debug_output_never_shows_the_key() {
    let builder = Client::builder().api_key(KEY);
    assert!(!format!("{builder:?}").contains(KEY));
    let client = builder.build().unwrap();
    assert!(!format!("{client:?}").contains(KEY));
    assert!(!format!("{:?}", client.generated()).contains(KEY));
}

#[test]
fn clients_are_cheap_shared_handles() {
    fn assert_send_sync_clone<T: Send + Sync + Clone + 'static>() {}
    assert_send_sync_clone::<Client>();
    assert_eq!(std::mem::size_of::<Client>(), std::mem::size_of::<usize>());
}
