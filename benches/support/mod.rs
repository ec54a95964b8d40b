//! A minimal loopback server for benchmarks: it answers every PATCH with a
//! fixed provider user, so the client's own cost is as large a share of each
//! call as it can be.
#![allow(dead_code)]

pub mod bare_progenitor;

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
};

use axum::{
    Router,
    routing::{MethodFilter, on},
};
use upheal_provider_users::generated::{OPERATION_METHOD, OPERATION_PATH};

pub const API_KEY: &str = "bench-key";
pub const UPHEAL_UUID: &str = "6f1c2a7e-3b4d-4e5f-8a9b-0c1d2e3f4a5b";

/// The fragment's `ProviderUser` example, with a partner id.
pub fn user_body() -> String {
    let fragment: serde_json::Value = serde_json::from_str(include_str!(
        "../../openapi/update-provider-user-by-id-v2.json"
    ))
    .unwrap();
    let mut user = fragment["components"]["schemas"]["ProviderUser"]["example"].clone();
    user["userId"] = UPHEAL_UUID.into();
    user["partnerUserId"] = "ext-42".into();
    user.to_string()
}

/// Starts the fixed-answer server on the current runtime.
pub async fn start_fixed_server() -> SocketAddr {
    start_counting_server().await.0
}

/// The connections a server has accepted so far.
#[derive(Clone, Debug, Default)]
pub struct Connects(Arc<AtomicU64>);

impl Connects {
    pub fn count(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A listener that counts the connections it accepts: what `strace -e
/// connect` shows of a client, read without a tracer slowing it.
struct CountingListener {
    inner: tokio::net::TcpListener,
    connects: Connects,
}

impl axum::serve::Listener for CountingListener {
    type Io = tokio::net::TcpStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let accepted = axum::serve::Listener::accept(&mut self.inner).await;
        self.connects.0.fetch_add(1, Ordering::Relaxed);
        accepted
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// Starts the fixed-answer server on the current runtime, with a count of
/// the connections it accepts.
pub async fn start_counting_server() -> (SocketAddr, Connects) {
    let body = user_body();
    // The fragment's route (axum writes parameters as OpenAPI does).
    let method = axum::http::Method::from_bytes(OPERATION_METHOD.as_bytes()).unwrap();
    let app = Router::new().route(
        OPERATION_PATH,
        on(MethodFilter::try_from(method).unwrap(), move || {
            let body = body.clone();
            async move { ([("content-type", "application/json")], body) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let connects = Connects::default();
    let counting = CountingListener {
        inner: listener,
        connects: connects.clone(),
    };
    tokio::spawn(async move { axum::serve(counting, app).await.unwrap() });
    (address, connects)
}

/// The name of the servers' threads, which `benches/profile.sh` leaves out
/// of the client's profile.
pub const SERVER_THREAD: &str = "bench-server";

/// A fixed-answer server on a thread (and runtime) of its own, so that the
/// client's thread spends its CPU on the client alone.
pub fn server_thread() -> (SocketAddr, Connects) {
    let (sender, receiver) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new().name(SERVER_THREAD.into());
    spawned
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                sender.send(start_counting_server().await).unwrap();
                std::future::pending::<()>().await
            })
        })
        .unwrap();
    receiver.recv().unwrap()
}

/// The crate's client for `base_url`, limiter and retries off: the
/// benchmarks measure the call path, not pacing or waits.
pub fn crate_client(base_url: &str) -> upheal_provider_users::Client {
    upheal_provider_users::Client::builder()
        .api_key(API_KEY)
        .base_url(base_url)
        .rate_limit(None)
        .retry_policy(upheal_provider_users::RetryPolicy::none())
        .build()
        .unwrap()
}

/// A bare progenitor client for `base_url`, sending the same headers, with
/// the crate's default timeouts and redirect policy: what a partner who
/// generated a client and set the same safety limits would run.
pub fn bare_progenitor_client(base_url: &str) -> bare_progenitor::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    use upheal_provider_users::generated::{AUTH_HEADER, AUTH_PREFIX};
    let mut authorization =
        reqwest::header::HeaderValue::from_str(&format!("{AUTH_PREFIX}{API_KEY}")).unwrap();
    authorization.set_sensitive(true);
    headers.insert(AUTH_HEADER, authorization);
    let http = baseline_http_builder()
        .default_headers(headers)
        .timeout(upheal_provider_users::DEFAULT_TIMEOUT)
        .connect_timeout(upheal_provider_users::DEFAULT_CONNECT_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    bare_progenitor::Client::new_with_client(base_url, http)
}

/// The same body, in the bare client's own generated request type.
pub fn bare_request(
    update: &upheal_provider_users::ProviderUserUpdate,
) -> bare_progenitor::types::UpdateProviderUserRequest {
    serde_json::from_value(serde_json::to_value(update.to_request().unwrap()).unwrap()).unwrap()
}

fn baseline_http_builder() -> reqwest::ClientBuilder {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
}

/// A bare reqwest client: the baseline a partner would hand-write.
pub fn baseline_http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// Peak resident memory of this process so far, from /proc (Linux).
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The fragment's method, for the raw-reqwest baselines.
pub fn operation_method() -> reqwest::Method {
    reqwest::Method::from_bytes(OPERATION_METHOD.as_bytes()).unwrap()
}
