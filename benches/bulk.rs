//! Bulk throughput: 10,000 updates through `Client::update_many` at
//! concurrency 32 against the same run with a bare progenitor client and
//! with raw reqwest, each through a bounded `buffer_unordered(32)`.
//! Limiter and retries off.
//!
//! `cargo bench --bench bulk`

mod support;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use futures_util::StreamExt;
use support::{
    API_KEY, UPHEAL_UUID, bare_progenitor_client, bare_request, baseline_http_client, crate_client,
    operation_method, start_fixed_server,
};
use upheal_provider_users::{
    NoteIdentifier, ProviderUser, ProviderUserId, ProviderUserUpdate, generated::operation_path,
};

const ITEMS: usize = 10_000;
const CONCURRENCY: usize = 32;

fn bulk(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let address = runtime.block_on(start_fixed_server());
    let base_url = format!("http://{address}");
    let client = crate_client(&base_url);
    let id = ProviderUserId::upheal(UPHEAL_UUID.parse().unwrap());
    let update = ProviderUserUpdate::new().note_identifier(NoteIdentifier::Counselor);
    let baseline = baseline_http_client();
    let url = format!("{base_url}{}", operation_path(UPHEAL_UUID));
    let body = update.to_request().unwrap();

    let mut group = c.benchmark_group("bulk_10k_c32");
    group.throughput(Throughput::Elements(ITEMS as u64));
    group.sample_size(10);
    group.bench_function("crate_update_many", |b| {
        b.to_async(&runtime).iter(|| async {
            let items = (0..ITEMS).map(|_| (id.clone(), update.clone()));
            let results = client.update_many(items, CONCURRENCY).await;
            assert!(results.iter().all(Result::is_ok));
            results.len()
        })
    });
    let bare = bare_progenitor_client(&base_url);
    let bare_body = bare_request(&update);
    group.bench_function("bare_progenitor_buffer_unordered", |b| {
        b.to_async(&runtime).iter(|| async {
            let results: Vec<_> = futures_util::stream::iter(0..ITEMS)
                .map(|_| bare.update_provider_user_by_id_v2(UPHEAL_UUID, &bare_body))
                .buffer_unordered(CONCURRENCY)
                .collect()
                .await;
            assert!(results.iter().all(Result::is_ok));
            results.len()
        })
    });
    group.bench_function("raw_reqwest_buffer_unordered", |b| {
        b.to_async(&runtime).iter(|| async {
            let results: Vec<_> = futures_util::stream::iter(0..ITEMS)
                .map(|_| async {
                    let response = baseline
                        .request(operation_method(), &url)
                        .bearer_auth(API_KEY)
                        .json(&body)
                        .send()
                        .await?;
                    response.error_for_status()?.json::<ProviderUser>().await
                })
                .buffer_unordered(CONCURRENCY)
                .collect()
                .await;
            assert!(results.iter().all(Result::is_ok));
            results.len()
        })
    });
    group.finish();
}

criterion_group!(benches, bulk);
criterion_main!(benches);
