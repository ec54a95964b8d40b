//! Rate limiter accuracy: a bulk run paced by the client's limiter at a high
//! configured budget, against the fake enforcing the same budget with a
//! strict sliding window. Reports the achieved share of the permitted rate
//! and the 429s seen (target: at least 98%, zero 429s).
//!
//! `cargo bench --bench rate_limiter_accuracy` (about 20 s)

use std::time::{Duration, Instant};

use upheal_provider_users::{
    ProviderUserId, ProviderUserUpdate, RateLimit, RetryPolicy,
    fake::{FakeUpheal, SeedUser},
};

/// 1,200 per 10 s: the window is crossed twice in a 20 s run.
const BUDGET: u32 = 1_200;
const WINDOW: Duration = Duration::from_secs(10);
const UPDATES: usize = 2_400;

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo bench -- --list` asks every bench target for its names
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let budget = RateLimit::new(BUDGET, WINDOW);
        let fake = FakeUpheal::builder().rate_limit(Some(budget.clone())).start().await.unwrap();
        let uuid = fake.seed(SeedUser::new("Ada", "Lovelace", "ada@example.com"));
        let client = fake
            .client_builder()
            .rate_limit(Some(budget))
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap();
        let items = (0..UPDATES).map(|_| (ProviderUserId::upheal(uuid), ProviderUserUpdate::new()));
        let started = Instant::now();
        let results = client.update_many(items, 32).await;
        let elapsed = started.elapsed();
        let ok = results.iter().filter(|r| r.is_ok()).count();
        let permitted_per_sec = f64::from(BUDGET) / WINDOW.as_secs_f64();
        // The first request goes at once; the rest are paced.
        let achieved_per_sec = (UPDATES - 1) as f64 / elapsed.as_secs_f64();
        println!("rate_limiter_accuracy: budget {BUDGET} per {WINDOW:?}, {UPDATES} updates");
        println!("  elapsed            {:.2} s", elapsed.as_secs_f64());
        println!("  succeeded          {ok} of {UPDATES}");
        println!("  server 429s        {}", fake.counters().rate_limited);
        println!(
            "  achieved rate      {achieved_per_sec:.1}/s of {permitted_per_sec:.1}/s permitted = {:.1}%",
            100.0 * achieved_per_sec / permitted_per_sec
        );
    });
}
