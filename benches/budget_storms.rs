//! What callers doing what production callers do leaves of the budget,
//! measured against a fake enforcing it as a strict sliding window:
//!  1. storm recovery: 2,000 calls dropped at random points (2 s), or 300
//!     calls whose 1 s deadline passes while they wait; then a fresh client
//!     on the same key makes 20 calls: its time against the budget's ideal
//!     (20 slots), and how far ahead of real time the budget was left —
//!     locally and through Redis;
//!  2. fairness: 700 single calls at concurrency 500 with a deadline that
//!     first come, first served meets (the case, 6 times faster:
//!     300 per 10 s, 20 s deadline): how many end in `Timeout`, and the
//!     longest wait against the first-come ideal;
//!  3. a bulk run never fails a row for waiting: 300 rows, concurrency 300,
//!     a budget of 10 a second, a 10 s deadline;
//!  4. a worker that sent two requests meets a burst of 429s
//!     (`Retry-After: 1`, four in a row) someone else caused: 2 rows with
//!     and without adaptive pacing, then 2 more rows on the same client.
//!
//!   cargo bench --features redis,fake --bench budget_storms   (about 2 minutes)
//!   cargo bench --features redis,fake --bench budget_storms -- small   (part 4 alone)
//!
//! Needs `redis-server` on the PATH (or `UPHEAL_TEST_REDIS_URL`).

#[path = "../tests/integration/redis_support/mod.rs"]
mod redis_support;

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use redis_support::RedisServer;
use upheal_provider_users::{
    Client, ErrorKind, ProviderUserId, ProviderUserUpdate, RateLimit, RetryPolicy,
    fake::{FakeUpheal, SeedUser},
};

fn main() {
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return; // `cargo test --benches` asks; nothing to list.
    }
    let Some(redis) = RedisServer::shared_or_start() else {
        eprintln!("needs redis-server");
        return;
    };
    let only_small = std::env::args().any(|a| a == "small");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    if only_small {
        return runtime.block_on(a_small_worker_meeting_429s());
    }
    runtime.block_on(async {
        println!("| case | budget | fresh client: 20 calls / ideal | budget left ahead | sent during the storm |");
        println!("|---|---|---|---|---|");
        for shared in [false, true] {
            let no_deadline = RetryPolicy::default().deadline(None);
            let one_second = RetryPolicy::default().deadline(Some(Duration::from_secs(1)));
            let name = "cancellation storm (2,000 dropped)";
            storm_recovery(name, shared, &redis, no_deadline, cancellation_storm).await;
            let name = "deadline storm (300 × 1 s)";
            storm_recovery(name, shared, &redis, one_second, deadline_storm).await;
        }
        fairness().await;
        bulk().await;
        a_small_worker_meeting_429s().await;
    });
}

const RATE: u32 = 20;

fn budget(shared: bool, redis: &RedisServer, namespace: &str) -> RateLimit {
    let budget = RateLimit::new(RATE, Duration::from_secs(1));
    if shared {
        budget.redis(redis.url()).redis_namespace(namespace)
    } else {
        budget
    }
}

async fn fake(limit: Option<RateLimit>) -> (FakeUpheal, ProviderUserId) {
    let fake = FakeUpheal::builder()
        .rate_limit(limit)
        .start()
        .await
        .unwrap();
    let uuid = fake.seed(SeedUser::new("Ada", "Lovelace", "ada@example.com"));
    (fake, ProviderUserId::upheal(uuid))
}

fn client(fake: &FakeUpheal, budget: RateLimit, retry: RetryPolicy) -> Client {
    fake.client_builder()
        .rate_limit(Some(budget))
        .retry_policy(retry)
        .build()
        .unwrap()
}

async fn cancellation_storm(client: Client, id: ProviderUserId) {
    let calls: Vec<_> = (0..2_000)
        .map(|_| {
            let (client, id) = (client.clone(), id.clone());
            let give_up = Duration::from_millis(fastrand::u64(0..2_000));
            tokio::spawn(async move {
                let update = ProviderUserUpdate::new();
                let _ =
                    tokio::time::timeout(give_up, client.update_provider_user(&id, &update)).await;
            })
        })
        .collect();
    for call in calls {
        call.await.unwrap();
    }
}

async fn deadline_storm(client: Client, id: ProviderUserId) {
    let calls: Vec<_> = (0..300)
        .map(|_| {
            let (client, id) = (client.clone(), id.clone());
            tokio::spawn(async move {
                let _ = client
                    .update_provider_user(&id, &ProviderUserUpdate::new())
                    .await;
            })
        })
        .collect();
    for call in calls {
        call.await.unwrap();
    }
}

async fn storm_recovery<F, Fut>(
    name: &str,
    shared: bool,
    redis: &RedisServer,
    retry: RetryPolicy,
    storm: F,
) where
    F: FnOnce(Client, ProviderUserId) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let namespace = format!("storm-{}", fastrand::u64(..));
    let (fake, id) = fake(None).await;
    storm(
        client(&fake, budget(shared, redis, &namespace), retry),
        id.clone(),
    )
    .await;
    let sent = fake.counters().requests;
    let ahead = if shared {
        ahead_in_redis(redis, &namespace)
    } else {
        None
    };
    let fresh = client(
        &fake,
        budget(shared, redis, &namespace),
        RetryPolicy::none(),
    );
    let started = Instant::now();
    for _ in 0..20 {
        fresh
            .update_provider_user(&id, &ProviderUserUpdate::new())
            .await
            .unwrap();
    }
    let ideal = Duration::from_secs_f64(19.0 / (f64::from(RATE) * 0.985));
    println!(
        "| {name} | {} | {:.2}x ({:.2} s) | {} | {sent} |",
        if shared { "Redis" } else { "local" },
        started.elapsed().as_secs_f64() / ideal.as_secs_f64(),
        started.elapsed().as_secs_f64(),
        ahead.map_or("-".to_owned(), |ahead| format!("{} ms", ahead.as_millis())),
    );
}

fn ahead_in_redis(redis: &RedisServer, namespace: &str) -> Option<Duration> {
    let key = redis
        .slot_keys()
        .into_iter()
        .find(|key| key.contains(namespace))?;
    let tat: f64 = redis.cli(&["GET", &key]).pop()?.parse().ok()?;
    let time = redis.cli(&["TIME"]);
    let now = time[0].parse::<f64>().ok()? * 1e6 + time[1].parse::<f64>().ok()?;
    Some(Duration::from_secs_f64(((tat - now) / 1e6).max(0.0)))
}

async fn fairness() {
    let limit = RateLimit::new(300, Duration::from_secs(10));
    let (fake, id) = fake(None).await;
    let client = client(
        &fake,
        limit,
        RetryPolicy::default().deadline(Some(Duration::from_secs(20))),
    );
    let gate = Arc::new(tokio::sync::Semaphore::new(500));
    let started = Instant::now();
    let calls: Vec<_> = (0..700)
        .map(|_| {
            let (client, id, gate) = (client.clone(), id.clone(), Arc::clone(&gate));
            tokio::spawn(async move {
                let _slot = gate.acquire_owned().await.unwrap();
                let arrived = Instant::now();
                let result = client
                    .update_provider_user(&id, &ProviderUserUpdate::new())
                    .await;
                (result.err().map(|e| e.kind()), arrived.elapsed())
            })
        })
        .collect();
    let (mut timeouts, mut longest) = (0, Duration::ZERO);
    for call in calls {
        let (error, waited) = call.await.unwrap();
        timeouts += usize::from(error == Some(ErrorKind::Timeout));
        longest = longest.max(waited);
    }
    // First come, first served: the 500th caller waits 499 slots.
    let ideal = Duration::from_secs_f64(499.0 / (30.0 * 0.985));
    println!(
        "\nfairness: 700 calls at concurrency 500, 300 per 10 s, 20 s deadline: {timeouts} Timeout, \
         longest wait {:.1} s ({:.2}x the first-come ideal of {:.1} s), all done in {:.1} s",
        longest.as_secs_f64(),
        longest.as_secs_f64() / ideal.as_secs_f64(),
        ideal.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
}

async fn bulk() {
    let (fake, id) = fake(None).await;
    let client = client(
        &fake,
        RateLimit::new(10, Duration::from_secs(1)),
        RetryPolicy::default().deadline(Some(Duration::from_secs(10))),
    );
    let uuid = id.as_upheal().unwrap();
    let started = Instant::now();
    let items = (0..300).map(|i| {
        (
            ProviderUserId::upheal(uuid),
            ProviderUserUpdate::new().therapy_licence(format!("L-{i}")),
        )
    });
    let results = client.update_many(items, 300).await;
    let failed = results.iter().filter(|r| r.is_err()).count();
    let ideal = 299.0 / (10.0 * 0.985);
    println!(
        "bulk: 300 rows, concurrency 300, 10 a second, 10 s deadline: {} applied, {failed} failed, \
         {:.1} s ({:.2}x the budget's ideal)",
        fake.counters().updates_applied,
        started.elapsed().as_secs_f64(),
        started.elapsed().as_secs_f64() / ideal
    );
}

async fn a_small_worker_meeting_429s() {
    use upheal_provider_users::fake::Fault;
    let mut seconds = Vec::new();
    for adaptive in [false, true] {
        let (fake, id) = fake(None).await;
        let client = client(
            &fake,
            RateLimit::upheal_default().adaptive(adaptive),
            RetryPolicy::default().max_attempts(6),
        );
        // Two providers (items for one provider go one after another).
        let other = fake.seed(SeedUser::new("Bob", "Babbage", "bob@example.com"));
        let uuids = [id.as_upheal().unwrap(), other];
        let rows = move || {
            uuids.into_iter().enumerate().map(|(i, uuid)| {
                (
                    ProviderUserId::upheal(uuid),
                    ProviderUserUpdate::new().therapy_licence(format!("L-{i}")),
                )
            })
        };
        fake.inject(
            Fault::RateLimited {
                retry_after_secs: 1,
            },
            4,
        );
        let started = Instant::now();
        let first = client.update_many(rows(), 2).await;
        let first_run = started.elapsed();
        let again = Instant::now();
        let second = client.update_many(rows(), 2).await;
        let failed = first.iter().chain(&second).filter(|r| r.is_err()).count();
        seconds.push((first_run, again.elapsed(), failed));
    }
    let [
        (plain_first, plain_next, plain_failed),
        (adaptive_first, adaptive_next, adaptive_failed),
    ] = seconds[..]
    else {
        unreachable!()
    };
    println!(
        "small worker, 2 rows into four 429s (Retry-After 1): without adaptive {:.2} s then {:.2} s \
         ({plain_failed} failed); with adaptive {:.2} s then {:.2} s ({adaptive_failed} failed): \
         {:.2}x",
        plain_first.as_secs_f64(),
        plain_next.as_secs_f64(),
        adaptive_first.as_secs_f64(),
        adaptive_next.as_secs_f64(),
        adaptive_first.as_secs_f64() / plain_first.as_secs_f64()
    );
}
