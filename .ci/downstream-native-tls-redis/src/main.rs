//! `rediss://` with `native-tls` alone: refused at build (field
//! `rate_limit.redis`, the message naming the features and the provider),
//! never a panic in the background; plain `redis://` builds; once the
//! application installs a provider, `rediss://` builds too.

use std::time::Duration;

use upheal_provider_users::{Client, Error, RateLimit};

/// A client whose budget is held in Redis at `url` (nothing listens there:
/// an unreachable Redis does not fail the build, a refused setting does).
fn client(url: &str) -> Result<Client, Error> {
    Client::builder()
        .api_key("downstream-key")
        .base_url("http://127.0.0.1:9")
        .rate_limit(Some(RateLimit::new(10, Duration::from_secs(1)).redis(url)))
        .build()
}

#[tokio::main]
async fn main() {
    let tls = "rediss://127.0.0.1:9/0";
    let error = client(tls).expect_err("rediss:// without a rustls provider is refused");
    assert_eq!(error.field(), Some("rate_limit.redis"), "{error}");
    let message = error.to_string();
    for named in ["rustls", "rustls-ring", "install_default"] {
        assert!(message.contains(named), "the refusal names {named}: {message}");
    }
    client("redis://127.0.0.1:9/0").expect("plain redis:// needs no provider");
    rustls::crypto::ring::default_provider()
        .install_default()
        .expect("no provider was installed before");
    client(tls).expect("rediss:// builds once the application installed a provider");
    println!("rediss:// refused without a provider, accepted with one");
}
