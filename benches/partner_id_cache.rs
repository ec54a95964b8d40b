//! The partner-id cache: with the fake's partner lookup costing 5 ms, calls
//! by partner id with the cache warm against calls by UUID, and the cold
//! cost (by partner id, no cache).
//!
//! `cargo bench --bench partner_id_cache`

use std::{num::NonZeroUsize, time::Duration};

use criterion::{Criterion, criterion_group, criterion_main};
use upheal_provider_users::{
    ProviderUserId, ProviderUserUpdate, RetryPolicy,
    fake::{FakeUpheal, SeedUser},
};

fn cache(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let fake = runtime
        .block_on(
            FakeUpheal::builder()
                .rate_limit(None)
                .partner_lookup_latency(Duration::from_millis(5))
                .start(),
        )
        .unwrap();
    let uuid =
        fake.seed(SeedUser::new("Ada", "Lovelace", "ada@example.com").partner_user_id("ext-ada"));
    let builder = fake
        .client_builder()
        .rate_limit(None)
        .retry_policy(RetryPolicy::none());
    let cached = builder
        .clone()
        .partner_id_cache(NonZeroUsize::new(1024).unwrap(), Duration::from_secs(3600))
        .build()
        .unwrap();
    let plain = builder.build().unwrap();
    let by_partner = ProviderUserId::partner("ext-ada").unwrap();
    let by_uuid = ProviderUserId::upheal(uuid);
    let update = ProviderUserUpdate::new();
    runtime
        .block_on(cached.update_provider_user(&by_partner, &update))
        .unwrap(); // warm

    let mut group = c.benchmark_group("partner_lookup_5ms");
    group.sample_size(30);
    group.bench_function("by_uuid", |b| {
        b.to_async(&runtime)
            .iter(|| async { plain.update_provider_user(&by_uuid, &update).await.unwrap() })
    });
    group.bench_function("by_partner_id_cache_warm", |b| {
        b.to_async(&runtime).iter(|| async {
            cached
                .update_provider_user(&by_partner, &update)
                .await
                .unwrap()
        })
    });
    group.bench_function("by_partner_id_no_cache", |b| {
        b.to_async(&runtime).iter(|| async {
            plain
                .update_provider_user(&by_partner, &update)
                .await
                .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, cache);
criterion_main!(benches);
