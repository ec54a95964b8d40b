//! One key, several processes, a budget enforced as a strict sliding window
//! by the fake (120 per 12 s, a scaled copy of 300 per minute):
//!  1. 4 processes × 250 updates sharing the budget through Redis;
//!  2. the same with each process pacing alone (the contrast); then, beside
//!     a foreign consumer spending 40%, the processes sharing through Redis
//!     with and without adaptive pacing;
//!  3. a foreign consumer spending 40% of the budget on the same key, beside
//!     one client with and without adaptive pacing (and, adaptive, beside
//!     one spending 0%, 20% and 70%);
//!  4. the cost Redis adds to a call on loopback (p50, p99), against the
//!     local limiter, with a budget that never binds;
//!  5. `handle`: the 4 processes through Redis, each sending half its rows
//!     through the crate and half as plain reqwest calls gated by
//!     `Client::budget` (a partner's other Upheal calls).
//!
//!   cargo bench --features redis,fake --bench shared_budget   (about 11 minutes)
//!
//! Arguments after `--` run only the parts whose names contain them:
//! `processes`, `processes-beside-foreign` (`beside`), `foreign`, `cost`,
//! `handle`.
//!
//! Needs `redis-server` on the PATH (or `UPHEAL_TEST_REDIS_URL`). The worker
//! processes are this same executable, started again with
//! `SHARED_BUDGET_WORKER` set.

#[path = "../tests/integration/redis_support/mod.rs"]
mod redis_support;

use std::{
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use redis_support::RedisServer;

use upheal_provider_users::{
    Client, ErrorKind, ProviderUserId, ProviderUserUpdate, RateLimit, RetryPolicy,
    fake::{FakeUpheal, SeedUser},
    generated::{OPERATION_METHOD, operation_path},
};

const BUDGET: u32 = 120;
const WINDOW: Duration = Duration::from_secs(12);
const PROCESSES: usize = 4;
const UPDATES_EACH: usize = 250;

fn main() {
    if std::env::var("SHARED_BUDGET_WORKER").is_ok() {
        return worker();
    }
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return; // `cargo test --benches` asks; nothing to list.
    }
    // `cargo bench --bench shared_budget -- cost` runs only the parts named.
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let wanted =
        |part: &str| filters.is_empty() || filters.iter().any(|f| part.contains(f.as_str()));
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (redis_url, _redis) = redis();
    runtime.block_on(async {
        if wanted("processes") {
            processes(&redis_url).await;
        }
        if wanted("handle") {
            let mixed = ProcessesCase {
                handle: true,
                ..case("redis+handle        ", true, false, false)
            };
            println!("{}", run_processes(mixed, &redis_url).await);
        }
        if wanted("processes-beside-foreign") {
            processes_beside_foreign(&redis_url).await;
        }
        if wanted("foreign") {
            foreign_consumer().await;
        }
        if wanted("cost") {
            redis_cost(&redis_url).await;
        }
    });
}

/// A worker process: `UPDATES_EACH` updates of its own ids, then one line.
fn worker() {
    let base_url = std::env::var("BASE_URL").unwrap();
    let api_key = std::env::var("API_KEY").unwrap();
    let index: usize = std::env::var("WORKER").unwrap().parse().unwrap();
    let mut budget = RateLimit::new(BUDGET, WINDOW);
    if let Ok(url) = std::env::var("REDIS_URL") {
        budget = budget
            .redis(url)
            .redis_namespace(std::env::var("REDIS_NAMESPACE").unwrap());
    }
    budget = budget.adaptive(std::env::var_os("ADAPTIVE").is_some());
    let client = Client::builder()
        .api_key(api_key)
        .base_url(base_url)
        .rate_limit(Some(budget))
        .build()
        .unwrap();
    let items: Vec<_> = (0..UPDATES_EACH)
        .map(|row| {
            let id = ProviderUserId::partner(format!("ext-{index}-{row}")).unwrap();
            (
                id,
                ProviderUserUpdate::new().therapy_licence(format!("L-{index}-{row}")),
            )
        })
        .collect();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    if std::env::var_os("HANDLE").is_some() {
        return runtime.block_on(half_through_the_handle(&client, items));
    }
    let results = runtime.block_on(client.update_many(items, 8));
    let failed = results.iter().filter(|r| r.is_err()).count();
    println!("applied {} failed {failed}", results.len() - failed);
}

/// Half the rows through the crate, half as plain reqwest calls gated by
/// `Client::budget` (a partner's other Upheal calls), at once.
async fn half_through_the_handle(
    client: &Client,
    items: Vec<(ProviderUserId, ProviderUserUpdate)>,
) {
    use futures_util::StreamExt;
    let (crate_rows, plain_rows): (Vec<_>, Vec<_>) = items
        .into_iter()
        .enumerate()
        .partition(|(row, _)| row % 2 == 0);
    let budget = client.budget().unwrap();
    let http = reqwest::Client::new();
    let key = std::env::var("API_KEY").unwrap();
    let plain = futures_util::stream::iter(plain_rows)
        .map(|(_, (id, update))| {
            let (budget, http, key) = (budget.clone(), http.clone(), key.clone());
            let url = format!("{}{}", client.base_url(), operation_path(id));
            async move {
                budget.acquire().await;
                let response = http
                    .request(
                        reqwest::Method::from_bytes(OPERATION_METHOD.as_bytes()).unwrap(),
                        url,
                    )
                    .bearer_auth(key)
                    .json(&update)
                    .send()
                    .await;
                match response {
                    Ok(r) if r.status().is_success() => true,
                    Ok(r) if r.status() == reqwest::StatusCode::TOO_MANY_REQUESTS => {
                        budget.throttled(None);
                        false
                    }
                    _ => false,
                }
            }
        })
        .buffer_unordered(4)
        .collect::<Vec<bool>>();
    let crate_calls = client.update_many(crate_rows.into_iter().map(|(_, item)| item), 4);
    let (plain, through_crate) = tokio::join!(plain, crate_calls);
    let failed = plain.iter().filter(|ok| !**ok).count()
        + through_crate.iter().filter(|r| r.is_err()).count();
    println!(
        "applied {} failed {failed}",
        plain.len() + through_crate.len() - failed
    );
}

/// One run of `PROCESSES` worker processes on one key.
#[derive(Clone, Copy)]
struct ProcessesCase {
    label: &'static str,
    shared: bool,
    adaptive: bool,
    /// A consumer in this process, unseen by the workers, spending 40% of
    /// the key's budget while they run.
    foreign: bool,
    /// Half of each worker's rows go as plain reqwest calls gated by
    /// `Client::budget` (the partner's other Upheal calls).
    handle: bool,
}

const fn case(label: &'static str, shared: bool, adaptive: bool, foreign: bool) -> ProcessesCase {
    ProcessesCase {
        label,
        shared,
        adaptive,
        foreign,
        handle: false,
    }
}

async fn processes(redis_url: &str) {
    // The pair, one after the other (both at the full budget).
    for one in [
        case("redis               ", true, false, false),
        case("alone               ", false, false, false),
    ] {
        println!("{}", run_processes(one, redis_url).await);
        tokio::time::sleep(WINDOW).await;
    }
}

/// Beside a foreign consumer: side by side, each with its own fake and its
/// own namespace in Redis.
async fn processes_beside_foreign(redis_url: &str) {
    let beside = [
        case("redis+foreign       ", true, false, true),
        case("redis+adaptive+foreign", true, true, true),
    ];
    for line in
        futures_util::future::join_all(beside.map(|one| run_processes(one, redis_url))).await
    {
        println!("{line}");
    }
}

async fn run_processes(case: ProcessesCase, redis_url: &str) -> String {
    let fake = fake_enforcing(Some(RateLimit::new(BUDGET, WINDOW))).await;
    for index in 0..PROCESSES {
        for row in 0..UPDATES_EACH {
            fake.seed(
                SeedUser::new("P", "Q", "p@example.com")
                    .partner_user_id(&format!("ext-{index}-{row}")),
            );
        }
    }
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let foreign = case.foreign.then(|| {
        let client = fake
            .client_builder()
            .rate_limit(Some(RateLimit::new(BUDGET * 2 / 5, WINDOW)))
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap();
        let id = ProviderUserId::upheal(fake.seed(SeedUser::new("F", "C", "f@example.com")));
        let stop = stop.clone();
        tokio::spawn(async move {
            let (mut ok, mut throttled) = (0u64, 0u64);
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                match client
                    .update_provider_user(&id, &ProviderUserUpdate::new())
                    .await
                {
                    Ok(_) => ok += 1,
                    Err(_) => throttled += 1,
                }
            }
            (ok, throttled)
        })
    });
    let started = Instant::now();
    let children: Vec<Child> = (0..PROCESSES)
        .map(|index| {
            let mut command = Command::new(std::env::current_exe().unwrap());
            command
                .env("SHARED_BUDGET_WORKER", "1")
                .env("WORKER", index.to_string())
                .env("BASE_URL", fake.base_url())
                .env("API_KEY", fake.api_key())
                .env("REDIS_NAMESPACE", case.label.trim())
                .stdout(Stdio::piped());
            if case.shared {
                command.env("REDIS_URL", redis_url);
            } else {
                command.env_remove("REDIS_URL");
            }
            if case.handle {
                command.env("HANDLE", "1");
            } else {
                command.env_remove("HANDLE");
            }
            if case.adaptive {
                command.env("ADAPTIVE", "1");
            } else {
                command.env_remove("ADAPTIVE");
            }
            command.spawn().unwrap()
        })
        .collect();
    let outputs: Vec<String> = tokio::task::spawn_blocking(move || {
        children
            .into_iter()
            .map(|c| {
                String::from_utf8_lossy(&c.wait_with_output().unwrap().stdout)
                    .trim()
                    .to_owned()
            })
            .collect()
    })
    .await
    .unwrap();
    let elapsed = started.elapsed();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (foreign_ok, foreign_429) = match foreign {
        Some(task) => task.await.unwrap(),
        None => (0, 0),
    };
    let counters = fake.counters();
    let total = (PROCESSES * UPDATES_EACH) as f64;
    let budget_rate = f64::from(BUDGET) / WINDOW.as_secs_f64();
    let mut applied_once = 0;
    for index in 0..PROCESSES {
        for row in 0..UPDATES_EACH {
            let user = fake
                .user(
                    fake.find_partner_user_id(&format!("ext-{index}-{row}"))
                        .unwrap(),
                )
                .unwrap();
            applied_once += usize::from(
                user.therapy_licence.as_deref() == Some(format!("L-{index}-{row}").as_str()),
            );
        }
    }
    let requests = counters.requests - foreign_ok - foreign_429;
    let throttled = counters.rate_limited - foreign_429;
    let foreign = if case.foreign {
        format!(
            "; foreign 40%: {foreign_ok} ok, {foreign_429} x 429; workers used {:.1}% of the remaining budget",
            100.0 * total / elapsed.as_secs_f64() / (budget_rate * 0.6)
        )
    } else {
        String::new()
    };
    format!(
        "{} {PROCESSES} processes x {UPDATES_EACH}: {:.1} s, aggregate {:.2}/s = {:.1}% of the budget, {throttled} x 429 = {:.1}% of {requests} requests, {applied_once} of {total} users hold their update, {} applied by the server, workers: {outputs:?}{foreign}",
        case.label,
        elapsed.as_secs_f64(),
        total / elapsed.as_secs_f64(),
        100.0 * total / elapsed.as_secs_f64() / budget_rate,
        100.0 * throttled as f64 / requests as f64,
        counters.updates_applied - foreign_ok,
    )
}

/// The case (40%, with and without adaptive pacing) and, to show
/// the controller is not tuned to one share, adaptive pacing beside a
/// foreign consumer of 0%, 20% and 70%. Each case has its own fake, so they
/// run side by side (a few requests per second each: pacing, not CPU).
async fn foreign_consumer() {
    let cases = [(40, false), (40, true), (0, true), (20, true), (70, true)];
    let lines = futures_util::future::join_all(
        cases.map(|(percent, adaptive)| beside_foreign_consumer(percent, adaptive)),
    )
    .await;
    for line in lines {
        println!("{line}");
    }
}

/// One client sending as fast as its pacing allows (4 in flight) for six
/// windows, beside a consumer it cannot see that spends `percent`% of the
/// key's budget (1 in flight, no retries, paced at its share).
async fn beside_foreign_consumer(percent: u32, adaptive: bool) -> String {
    let run = WINDOW * 6;
    let fake = fake_enforcing(Some(RateLimit::new(BUDGET, WINDOW))).await;
    let uuid = fake.seed(SeedUser::new("P", "Q", "p@example.com"));
    let paced = |limit: RateLimit| {
        fake.client_builder()
            .rate_limit(Some(limit))
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap()
    };
    let ours = paced(RateLimit::new(BUDGET, WINDOW).adaptive(adaptive));
    let foreign = (percent > 0).then(|| paced(RateLimit::new(BUDGET * percent / 100, WINDOW)));
    let id = ProviderUserId::upheal(uuid);
    let started = Instant::now();
    let send_until = |client: Option<Client>, in_flight: usize| {
        let id = id.clone();
        async move {
            let update = ProviderUserUpdate::new();
            let (mut ok, mut throttled) = (0u32, 0u32);
            let Some(client) = client else {
                return (ok, throttled);
            };
            while started.elapsed() < run {
                let calls = (0..in_flight).map(|_| client.update_provider_user(&id, &update));
                for result in futures_util::future::join_all(calls).await {
                    match result {
                        Ok(_) => ok += 1,
                        Err(e) if e.kind() == ErrorKind::RateLimited => throttled += 1,
                        Err(_) => {}
                    }
                }
            }
            (ok, throttled)
        }
    };
    let ((foreign_ok, foreign_429), (ours_ok, ours_429)) =
        tokio::join!(send_until(foreign, 1), send_until(Some(ours), 4));
    let seconds = started.elapsed().as_secs_f64();
    let remaining = f64::from(BUDGET * (100 - percent)) / 100.0 / WINDOW.as_secs_f64();
    format!(
        "foreign {percent:>2}%, adaptive {adaptive:>5}: ours {ours_ok} ok, {ours_429} x 429 = {:.1}% of our requests; {:.2}/s = {:.1}% of the remaining budget; foreign {foreign_ok} ok, {foreign_429} x 429",
        100.0 * f64::from(ours_429) / f64::from(ours_ok + ours_429).max(1.0),
        f64::from(ours_ok) / seconds,
        100.0 * f64::from(ours_ok) / seconds / remaining,
    )
}

async fn redis_cost(redis_url: &str) {
    let fake = fake_enforcing(None).await;
    let uuid = fake.seed(SeedUser::new("P", "Q", "p@example.com"));
    let id = ProviderUserId::upheal(uuid);
    let never_binding = RateLimit::new(1_000_000, Duration::from_secs(1));
    let mut percentiles = Vec::new();
    for limit in [
        never_binding.clone(),
        never_binding.redis(redis_url).redis_namespace("cost"),
    ] {
        let client = fake
            .client_builder()
            .rate_limit(Some(limit))
            .build()
            .unwrap();
        let mut latencies = Vec::new();
        for round in 0..3_000 {
            let started = Instant::now();
            client
                .update_provider_user(&id, &ProviderUserUpdate::new())
                .await
                .unwrap();
            if round >= 500 {
                latencies.push(started.elapsed());
            }
        }
        latencies.sort();
        let p = |q: f64| latencies[((latencies.len() as f64 - 1.0) * q) as usize];
        percentiles.push((p(0.5), p(0.99)));
    }
    let (local, redis) = (percentiles[0], percentiles[1]);
    println!(
        "per call on loopback: local limiter p50 {:?} p99 {:?}; Redis p50 {:?} p99 {:?}; Redis adds p50 {:?}, p99 {:?}",
        local.0,
        local.1,
        redis.0,
        redis.1,
        redis.0.saturating_sub(local.0),
        redis.1.saturating_sub(local.1),
    );
}

/// A fake enforcing `budget` per key (a strict sliding window), keeping no
/// request log (thousands of requests).
async fn fake_enforcing(budget: Option<RateLimit>) -> FakeUpheal {
    FakeUpheal::builder()
        .rate_limit(budget)
        .request_log_capacity(0)
        .start()
        .await
        .unwrap()
}

/// The Redis to use (`UPHEAL_TEST_REDIS_URL`, or one started here with the
/// tests' own harness), and the server to keep alive while it is used.
fn redis() -> (String, Option<RedisServer>) {
    if let Ok(url) = std::env::var("UPHEAL_TEST_REDIS_URL") {
        return (url, None);
    }
    let server =
        RedisServer::start().expect("redis-server is installed (apt-get install redis-server)");
    (server.url(), Some(server))
}
