//! Run-time cost per call: `Client::update_provider_user` (limiter off, and
//! on but never binding) against a bare progenitor client of the same
//! fragment (`BARE_WITH_TIMEOUT=1` gives it the crate's 30 s per-attempt
//! timeout), a hand-written reqwest + serde call of the same request, and
//! the hand-written layer alone without I/O. Retries off.
//!
//! `cargo bench --bench per_call`

mod support;

use criterion::{Criterion, criterion_group, criterion_main};
use support::{
    API_KEY, UPHEAL_UUID, bare_progenitor_client, bare_request, baseline_http_client, crate_client,
    operation_method, start_fixed_server, user_body,
};
use upheal_provider_users::{
    NoteIdentifier, Npi, ProviderUser, ProviderUserId, ProviderUserUpdate,
    generated::operation_path,
};

const USER_AGENT: &str = concat!("upheal-provider-users/", env!("CARGO_PKG_VERSION"));

fn update() -> ProviderUserUpdate {
    ProviderUserUpdate::new()
        .note_identifier(NoteIdentifier::Clinician)
        .national_provider_identifier(Npi::new("1234567893").unwrap())
        .therapy_licence("LPC-12345")
        .default_note_template_ids(["tpl-1", "tpl-2"])
}

fn per_call(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let address = runtime.block_on(start_fixed_server());
    let base_url = format!("http://{address}");
    let client = crate_client(&base_url);
    let id = ProviderUserId::upheal(UPHEAL_UUID.parse().unwrap());
    let update = update();
    let baseline = baseline_http_client();
    let url = format!("{base_url}{}", operation_path(UPHEAL_UUID));
    let body = update.to_request().unwrap();

    let mut group = c.benchmark_group("per_call");
    group.bench_function("crate_client", |b| {
        b.to_async(&runtime)
            .iter(|| async { client.update_provider_user(&id, &update).await.unwrap() })
    });
    // The limiter on but never binding: what pacing costs when it waits
    // for nothing.
    let paced = upheal_provider_users::Client::builder()
        .api_key(API_KEY)
        .base_url(&base_url)
        .rate_limit(Some(upheal_provider_users::RateLimit::new(
            1_000_000_000,
            std::time::Duration::from_secs(1),
        )))
        .retry_policy(upheal_provider_users::RetryPolicy::none())
        .build()
        .unwrap();
    group.bench_function("crate_client_limiter_on", |b| {
        b.to_async(&runtime)
            .iter(|| async { paced.update_provider_user(&id, &update).await.unwrap() })
    });
    let id_text = UPHEAL_UUID.to_string();
    group.bench_function("generated_method_only", |b| {
        b.to_async(&runtime).iter(|| async {
            client
                .generated()
                .update_provider_user_by_id_v2(&id_text, &body)
                .await
                .unwrap()
                .into_inner()
        })
    });
    let bare = bare_progenitor_client(&base_url);
    let bare_body = bare_request(&update);
    group.bench_function("bare_progenitor", |b| {
        b.to_async(&runtime).iter(|| async {
            bare.update_provider_user_by_id_v2(&id_text, &bare_body)
                .await
                .unwrap()
                .into_inner()
        })
    });
    group.bench_function("raw_reqwest_serde", |b| {
        b.to_async(&runtime).iter(|| async {
            let response = baseline
                .request(operation_method(), &url)
                .bearer_auth(API_KEY)
                // The same request on the wire as the crate sends.
                .header("accept", "application/json")
                .header("user-agent", USER_AGENT)
                .json(&body)
                .send()
                .await
                .unwrap()
                .error_for_status()
                .unwrap();
            response.json::<ProviderUser>().await.unwrap()
        })
    });
    group.finish();
}

/// Validation, body building, decoding and the identity check: everything
/// the crate adds to a call except the network.
fn layer_alone(c: &mut Criterion) {
    let id = ProviderUserId::upheal(UPHEAL_UUID.parse().unwrap());
    let update = update();
    let response = user_body().into_bytes();
    let prebuilt = update.to_request().unwrap();
    c.bench_function("serde_only_baseline", |b| {
        b.iter(|| {
            let body = serde_json::to_vec(&prebuilt).unwrap();
            let user: ProviderUser = serde_json::from_slice(&response).unwrap();
            (body, user)
        })
    });
    c.bench_function("layer_without_io", |b| {
        b.iter(|| {
            let request = update.to_request().unwrap();
            let body = serde_json::to_vec(&request).unwrap();
            let user: ProviderUser = serde_json::from_slice(&response).unwrap();
            assert!(id.identifies(&user));
            (body, user)
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50).measurement_time(std::time::Duration::from_secs(5));
    targets = per_call, layer_alone
}
criterion_main!(benches);
