//! One API key, many clients and processes: the budget held in a real
//! Redis, the fallback when Redis dies, and pacing that adapts to 429s.
#![cfg(all(feature = "redis", feature = "fake"))]

use crate::common;
use crate::common::WithKey;
use crate::redis_support;

use std::time::Duration;

use futures_util::future::join_all;
use redis_support::{RedisCluster, RedisServer, slow_door};
use upheal_provider_users::{
    Client, ErrorKind, ProviderUserId, ProviderUserUpdate, RateLimit, RetryPolicy,
    fake::{FakeUpheal, SeedUser},
};
use uuid::Uuid;

/// Head-room a server enforcing a budget gives clients paced to it: late
/// wake-ups on a loaded machine (and the network) can bring requests paced
/// apart closer together at the server than they were let go. The shared
/// budget guarantees what it lets go per window, not arrival times; tests
/// that show sharing (two separate limiters send twice the budget) keep
/// holding with it, on a machine with a load average of 8 on 2 cores too.
fn with_head_room(budget: u32) -> u32 {
    budget * 6 / 5
}

/// A fake enforcing `budget` as a strict sliding window, with one user.
async fn fake_enforcing(budget: RateLimit) -> (FakeUpheal, Uuid) {
    let fake = FakeUpheal::builder()
        .rate_limit(Some(budget))
        .start()
        .await
        .unwrap();
    let uuid = fake.seed(SeedUser::new("Ada", "Lovelace", "ada@example.com"));
    (fake, uuid)
}

fn client(fake: &FakeUpheal, budget: RateLimit) -> Client {
    fake.client_builder()
        .rate_limit(Some(budget))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
}

/// `calls` updates from each client at once; the errors' kinds.
async fn hammer(clients: &[Client], uuid: Uuid, calls: usize) -> Vec<ErrorKind> {
    let id = ProviderUserId::upheal(uuid);
    let update = ProviderUserUpdate::new().therapy_licence("L");
    let all = clients.iter().flat_map(|client| {
        (0..calls).map(|_| {
            let (client, id, update) = (client.clone(), id.clone(), update.clone());
            async move { client.update_provider_user(&id, &update).await }
        })
    });
    join_all(all)
        .await
        .into_iter()
        .filter_map(|result| result.err().map(|e| e.kind()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn separately_built_clients_share_one_budget_through_redis() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let budget = RateLimit::new(20, Duration::from_secs(1));
    let (fake, uuid) =
        fake_enforcing(RateLimit::new(with_head_room(20), Duration::from_secs(1))).await;

    // Control: each client paces alone at the full budget; together they
    // send twice too much and meet 429s.
    let alone = [client(&fake, budget.clone()), client(&fake, budget.clone())];
    let errors = hammer(&alone, uuid, 20).await;
    assert!(
        errors.contains(&ErrorKind::RateLimited),
        "two local limiters exceed the key's budget"
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;

    let before = fake.counters();
    let shared = [
        client(&fake, budget.clone().redis(redis.url())),
        client(&fake, budget.clone().redis(redis.url())),
    ];
    let errors = hammer(&shared, uuid, 20).await;
    assert_eq!(errors, [], "one shared budget meets no 429");
    let after = fake.counters();
    assert_eq!(after.rate_limited, before.rate_limited);
    assert_eq!(after.updates_applied - before.updates_applied, 40);
    let keys = redis.slot_keys();
    assert_eq!(keys.len(), 1, "{keys:?}");
    let members = redis.cli(&["HLEN", &format!("{}:members", keys[0])]);
    assert_eq!(members, ["2"], "two processes share the key");
    assert!(!keys[0].contains(fake.api_key()), "never the key itself");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_redis_falls_back_locally_and_the_shared_budget_returns() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let budget = RateLimit::new(40, Duration::from_secs(1));
    let (fake, uuid) = fake_enforcing(budget.clone()).await;
    let client = client(&fake, budget.redis(redis.url()).redis_fallback_share(0.5));
    let guard = Duration::from_secs(20);
    let call = || async {
        tokio::time::timeout(guard, hammer(std::slice::from_ref(&client), uuid, 10))
            .await
            .expect("a dead Redis never hangs a call")
    };

    assert_eq!(call().await, []);
    redis.kill();
    assert_eq!(call().await, [], "calls go on under the fallback");
    assert_eq!(
        fake.counters().rate_limited,
        0,
        "the fallback keeps under the budget"
    );

    redis.restart();
    assert!(redis.budget_keys().is_empty(), "a fresh Redis");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(call().await, []);
    assert_eq!(redis.slot_keys().len(), 1, "back on the shared budget");
    assert_eq!(fake.counters().updates_applied, 30);
}

#[tokio::test]
async fn a_malformed_redis_url_fails_the_build_and_an_unreachable_one_does_not() {
    let error = Client::builder()
        .api_key("key")
        .rate_limit(Some(RateLimit::upheal_default().redis("not a url")))
        .build()
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
    assert_eq!(error.field(), Some("rate_limit.redis"));

    let (fake, uuid) = fake_enforcing(RateLimit::new(100, Duration::from_secs(1))).await;
    let nobody_listens = "redis://127.0.0.1:1/0";
    let client = client(
        &fake,
        RateLimit::new(100, Duration::from_secs(1)).redis(nobody_listens),
    );
    client
        .update_provider_user(&ProviderUserId::upheal(uuid), &ProviderUserUpdate::new())
        .await
        .expect("the fallback carries the call");
}

/// Another consumer spends 40% of the key's budget unseen: the adaptive
/// client meets far fewer 429s than the one that paces at the full budget
/// (measured here: 3 against 49; the bound leaves room for a noisy machine).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adaptive_pacing_meets_fewer_429s_beside_a_foreign_consumer() {
    let budget = RateLimit::new(50, Duration::from_secs(2));
    let mut rate_limited = Vec::new();
    for adaptive in [false, true] {
        let (fake, uuid) = fake_enforcing(budget.clone()).await;
        let foreign = client(&fake, RateLimit::new(20, Duration::from_secs(2)));
        let ours = client(&fake, budget.clone().adaptive(adaptive));
        let run = Duration::from_secs(8);
        let started = tokio::time::Instant::now();
        let (foreign_errors, our_errors) = tokio::join!(
            async {
                let mut errors = Vec::new();
                while started.elapsed() < run {
                    errors.extend(hammer(std::slice::from_ref(&foreign), uuid, 1).await);
                }
                errors
            },
            async {
                let mut errors = Vec::new();
                while started.elapsed() < run {
                    errors.extend(hammer(std::slice::from_ref(&ours), uuid, 4).await);
                }
                errors
            }
        );
        let _ = foreign_errors;
        eprintln!("adaptive {adaptive}: {} errors of ours", our_errors.len());
        rate_limited.push(
            our_errors
                .iter()
                .filter(|k| **k == ErrorKind::RateLimited)
                .count(),
        );
    }
    assert!(
        rate_limited[1] * 4 <= rate_limited[0],
        "429s without / with adaptive pacing: {rate_limited:?}"
    );
}

/// Two processes on one key share the budget through Redis, both adaptive:
/// when one meets a 429 (`Retry-After: 2`), the other hears of it with its
/// next slot and waits out the same pause instead of meeting its own 429.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adaptive_processes_on_one_redis_pause_together_on_a_429() {
    let Some(redis) = RedisServer::shared_or_start() else {
        return;
    };
    let budget = RateLimit::new(200, Duration::from_secs(20))
        .redis(redis.url())
        .redis_namespace(format!("pause-together-{}", Uuid::new_v4()))
        .adaptive(true);
    let (fake, uuid) = fake_enforcing(RateLimit::new(1_000, Duration::from_secs(1))).await;
    // Built separately, as two processes would build them.
    let (met_the_429, heard_of_it) = (client(&fake, budget.clone()), client(&fake, budget));
    let id = ProviderUserId::upheal(uuid);
    let update = ProviderUserUpdate::new();
    for client in [&met_the_429, &heard_of_it] {
        client.update_provider_user(&id, &update).await.unwrap();
    }

    fake.inject(
        upheal_provider_users::fake::Fault::RateLimited {
            retry_after_secs: 2,
        },
        1,
    );
    let throttled_at = tokio::time::Instant::now();
    let error = met_the_429
        .update_provider_user(&id, &update)
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::RateLimited);
    // The news goes to Redis in the background; a moment for it to land.
    tokio::time::sleep(Duration::from_millis(200)).await;

    heard_of_it
        .update_provider_user(&id, &update)
        .await
        .unwrap();
    let waited = throttled_at.elapsed();
    assert!(
        waited >= Duration::from_millis(1_900),
        "the other process waited out the pause: {waited:?}"
    );
}

/// A broken or hostile `Retry-After` (u64::MAX seconds) is bounded before it
/// reaches the other processes: the pause kept in Redis lasts at most a
/// window (unbounded, it would also overflow Redis's integers on the way
/// back and push every process into the fallback).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_absurd_retry_after_reaches_other_processes_as_at_most_a_window() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let window = Duration::from_secs(2);
    let budget = RateLimit::new(100, window)
        .redis(redis.url())
        .adaptive(true);
    let (fake, uuid) = fake_enforcing(RateLimit::new(1_000, Duration::from_secs(1))).await;
    let client = client(&fake, budget);
    let id = ProviderUserId::upheal(uuid);
    client
        .update_provider_user(&id, &ProviderUserUpdate::new())
        .await
        .unwrap();
    let error = common::call_meeting_an_absurd_429(&fake, &client, &id).await;
    assert_eq!(error.kind(), ErrorKind::RateLimited);

    // The news is written in the background.
    let mut news_key = None;
    for _ in 0..500 {
        news_key = redis
            .budget_keys()
            .into_iter()
            .find(|key| key.ends_with(":last-429"));
        if news_key.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let news_key = news_key.expect("the 429 was reported to Redis");
    let until: f64 = redis.cli(&["HGET", &news_key, "until"])[0].parse().unwrap();
    let time = redis.cli(&["TIME"]);
    let now = time[0].parse::<f64>().unwrap() * 1e6 + time[1].parse::<f64>().unwrap();
    let pause = Duration::from_secs_f64(((until - now) / 1e6).max(0.0));
    assert!(pause <= window, "the pause others hear of: {pause:?}");
    assert!(pause > Duration::ZERO, "a pause was kept");
}

/// The budget's key holds a time no pacer of ours would write (another
/// program, a corrupted value, a Redis whose clock stepped back): the next
/// step replaces it, and the call goes out at once. Before: the call's
/// deadline ended the wait it implied, nothing was sent, and a call with no
/// deadline waited as long as the time was ahead.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_absurd_slot_time_in_redis_is_replaced_at_once() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let (fake, uuid) = fake_enforcing(RateLimit::new(1_000, Duration::from_secs(1))).await;
    let client = fake
        .client_builder()
        .rate_limit(Some(
            RateLimit::new(100, Duration::from_secs(1)).redis(redis.url()),
        ))
        .retry_policy(RetryPolicy::none().deadline(Some(Duration::from_millis(500))))
        .build()
        .unwrap();
    let id = ProviderUserId::upheal(uuid);
    client
        .update_provider_user(&id, &ProviderUserUpdate::new())
        .await
        .unwrap();
    let key = redis.slot_keys().pop().expect("the budget's key");
    for absurd in ["9000000000000000000", "not a number"] {
        redis.cli(&["SET", &key, absurd, "PX", "60000"]);
        client
            .update_provider_user(&id, &ProviderUserUpdate::new())
            .await
            .unwrap_or_else(|e| panic!("with {absurd} stored: {e}"));
        assert!(budget_ahead(&redis, "default") <= Duration::from_millis(30));
    }
    assert_eq!(fake.counters().requests, 3);
}

/// How far ahead of Redis's clock the budget's slot time runs, if it has
/// a key at all.
fn budget_ahead(redis: &RedisServer, namespace: &str) -> Duration {
    let Some(key) = redis
        .slot_keys()
        .into_iter()
        .find(|key| key.contains(namespace))
    else {
        return Duration::ZERO;
    };
    let Some(tat) = redis.cli(&["GET", &key]).pop() else {
        return Duration::ZERO;
    };
    let time = redis.cli(&["TIME"]);
    let now = time[0].parse::<f64>().unwrap() * 1e6 + time[1].parse::<f64>().unwrap();
    Duration::from_secs_f64(((tat.parse::<f64>().unwrap() - now) / 1e6).max(0.0))
}

/// A fresh client on the key (another process, as it were) makes `calls`
/// calls in a row, each with a deadline of `deadline`: it must not find
/// the budget spent by the storm before it.
async fn fresh_client_goes_at_the_budgets_rate(
    fake: &FakeUpheal,
    budget: RateLimit,
    uuid: Uuid,
    calls: usize,
) {
    let fresh = fake
        .client_builder()
        .rate_limit(Some(budget))
        .retry_policy(RetryPolicy::none().deadline(Some(Duration::from_secs(5))))
        .build()
        .unwrap();
    for call in 0..calls {
        fresh
            .update_provider_user(&ProviderUserId::upheal(uuid), &ProviderUserUpdate::new())
            .await
            .unwrap_or_else(|e| panic!("fresh call {call}: {e}"));
    }
}

/// 20 a second through `redis`, in a namespace of its own.
fn storm_budget(redis: &RedisServer, name: &str) -> (String, RateLimit) {
    let namespace = format!("{name}-{}", Uuid::new_v4());
    let budget = RateLimit::new(20, Duration::from_secs(1))
        .redis(redis.url())
        .redis_namespace(&namespace);
    (namespace, budget)
}

/// After a storm: the slot time in Redis is within an interval and the
/// burst of now, and a fresh client on the key goes at the budget's rate.
async fn the_storm_left_nothing_behind(
    redis: &RedisServer,
    namespace: &str,
    fake: &FakeUpheal,
    budget: RateLimit,
    uuid: Uuid,
) {
    let ahead = budget_ahead(redis, namespace);
    assert!(
        ahead <= Duration::from_millis(120),
        "the budget runs {ahead:?} ahead"
    );
    fresh_client_goes_at_the_budgets_rate(fake, budget, uuid, 20).await;
}

/// Thousands of calls dropped at random points while they wait (as a
/// `select!`, a `timeout` or a cancelled handler drops them) spend only the
/// slots of requests that went out: the slot time in Redis stays within
/// one interval and the burst of now, and a fresh client on the key goes
/// at once. Before: 2,000 dropped calls pushed the budget 194 s ahead.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancellation_storm_through_redis_spends_only_what_was_sent() {
    let Some(redis) = RedisServer::shared_or_start() else {
        return;
    };
    let (namespace, budget) = storm_budget(&redis, "cancel-storm");
    let (fake, uuid) = fake_enforcing(RateLimit::new(1_000, Duration::from_secs(1))).await;
    let storm_client = client(&fake, budget.clone());
    let storm = (0..2_000).map(|_| {
        let client = storm_client.clone();
        let give_up = Duration::from_millis(fastrand::u64(0..2_000));
        tokio::spawn(async move {
            let (id, update) = (ProviderUserId::upheal(uuid), ProviderUserUpdate::new());
            let call = client.update_provider_user(&id, &update);
            tokio::time::timeout(give_up, call).await.is_ok()
        })
    });
    let mut finished = 0;
    for caller in storm.collect::<Vec<_>>() {
        finished += u64::from(caller.await.unwrap());
    }
    let sent = fake.counters().requests;
    assert!(sent >= finished, "{sent} sent, {finished} finished");
    // 2 s at 19.7 a second (plus a burst, and calls whose timer fired
    // while their response was on the way).
    assert!(sent <= 45, "{sent} requests in 2 s on a budget of 20/s");
    the_storm_left_nothing_behind(&redis, &namespace, &fake, budget, uuid).await;
}

/// Hundreds of calls whose deadline passes while they wait fail with a
/// `Timeout` that says nothing was sent, after no retries, and spend no
/// slot: a fresh client on the key goes at once. Before: each doomed call
/// reserved a slot per attempt, and 200 such calls left the key stalled
/// for 15 s.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deadline_storm_through_redis_spends_no_slot() {
    let Some(redis) = RedisServer::shared_or_start() else {
        return;
    };
    let (namespace, budget) = storm_budget(&redis, "deadline-storm");
    let (fake, uuid) = fake_enforcing(RateLimit::new(1_000, Duration::from_secs(1))).await;
    let doomed = fake
        .client_builder()
        .rate_limit(Some(budget.clone()))
        .retry_policy(RetryPolicy::default().deadline(Some(Duration::from_secs(1))))
        .build()
        .unwrap();
    let calls = (0..300).map(|_| {
        let client = doomed.clone();
        tokio::spawn(async move {
            client
                .update_provider_user(&ProviderUserId::upheal(uuid), &ProviderUserUpdate::new())
                .await
        })
    });
    let (mut applied, mut never_sent) = (0, 0);
    for call in calls.collect::<Vec<_>>() {
        match call.await.unwrap() {
            Ok(_) => applied += 1,
            Err(error) => {
                assert_eq!(error.kind(), ErrorKind::Timeout, "{error}");
                // Never retried into the same wall: 0 attempts (no slot
                // before the deadline), or 1 (a slot came just before it
                // and the deadline passed in flight).
                assert!(error.attempts() <= 1, "{error}");
                if error.attempts() == 0 {
                    assert!(error.to_string().contains("nothing was sent"), "{error}");
                    never_sent += 1;
                }
            }
        }
    }
    assert!(never_sent >= 250, "{never_sent} of 300 found no slot");
    let sent = fake.counters().requests;
    assert!(sent >= applied && sent + never_sent <= 300, "{sent} sent");
    assert!(sent <= 25, "{sent} requests in 1 s on a budget of 20/s");
    the_storm_left_nothing_behind(&redis, &namespace, &fake, budget, uuid).await;
}

/// A partner's other Upheal calls, gated by [`Client::budget`], share the
/// key's budget with this crate's updates: two processes (clients built
/// separately on one Redis), each sending updates and plain reqwest calls
/// at once, against a server enforcing the budget strictly: no 429.
/// Without the handle the plain calls would go at once and meet 429s (the
/// control at the end).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_upheal_calls_gated_by_the_budget_handle_share_the_key() {
    let Some(redis) = RedisServer::shared_or_start() else {
        return;
    };
    let budget = RateLimit::new(20, Duration::from_secs(1))
        .redis(redis.url())
        .redis_namespace(format!("handle-{}", Uuid::new_v4()));
    let (fake, uuid) =
        fake_enforcing(RateLimit::new(with_head_room(20), Duration::from_secs(1))).await;
    let url = format!(
        "{}{}",
        fake.base_url(),
        upheal_provider_users::generated::operation_path(uuid)
    );
    let plain_call = |http: reqwest::Client| {
        let (url, key) = (url.clone(), fake.api_key().to_owned());
        async move {
            let response = http
                .request(
                    reqwest::Method::from_bytes(
                        upheal_provider_users::generated::OPERATION_METHOD.as_bytes(),
                    )
                    .unwrap(),
                    url,
                )
                .with_key(&key)
                .json(&serde_json::json!({}))
                .send()
                .await
                .unwrap();
            response.status().as_u16()
        }
    };
    let processes = [client(&fake, budget.clone()), client(&fake, budget)];
    let mut work = Vec::new();
    for process in &processes {
        let handle = process.budget().expect("the client has a budget");
        for _ in 0..10 {
            let (handle, call) = (handle.clone(), plain_call(reqwest::Client::new()));
            work.push(tokio::spawn(async move {
                handle.acquire().await;
                call.await
            }));
            let process = process.clone();
            work.push(tokio::spawn(async move {
                let update = ProviderUserUpdate::new();
                match process
                    .update_provider_user(&ProviderUserId::upheal(uuid), &update)
                    .await
                {
                    Ok(_) => 200,
                    Err(e) => e.status().unwrap_or(0),
                }
            }));
        }
    }
    for status in join_all(work).await {
        assert_eq!(status.unwrap(), 200);
    }
    assert_eq!(fake.counters().rate_limited, 0);
    assert_eq!(fake.counters().updates_applied, 40);

    // Control: the same plain calls without the handle meet 429s.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let ungated = join_all((0..40).map(|_| plain_call(reqwest::Client::new()))).await;
    assert!(ungated.contains(&429), "{ungated:?}");
}

/// `acquire_before` gives up at once when the slot is later than its
/// deadline, takes nothing, and says so (tokio's paused clock: the 30 s
/// wait at the end takes no real time).
#[tokio::test(start_paused = true)]
async fn the_budget_handle_gives_up_before_a_deadline_without_spending() {
    let client = Client::builder()
        .api_key("key")
        .rate_limit(Some(RateLimit::new(2, Duration::from_secs(60))))
        .build()
        .unwrap();
    let budget = client.budget().unwrap();
    budget.acquire().await;
    let soon = std::time::Instant::now() + Duration::from_millis(100);
    let error = budget.acquire_before(soon).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Timeout);
    assert!(error.to_string().contains("nothing was taken"), "{error}");
    // A thousand refusals later, the next slot has not moved: a caller
    // with a deadline past it still gets it.
    for _ in 0..1_000 {
        assert!(budget.acquire_before(soon).await.is_err());
    }
    let next_slot = tokio::time::Instant::now() + Duration::from_secs(31);
    let error = budget.acquire_before(next_slot).await;
    assert!(error.is_ok(), "{error:?}");
    assert!(
        Client::builder()
            .api_key("k")
            .rate_limit(None)
            .build()
            .unwrap()
            .budget()
            .is_none()
    );
}

/// A deadline already past fails at once, even with a slot free, and
/// spends nothing: the free slot still goes to the next caller. Before, it
/// returned `Ok` and took the slot.
#[tokio::test(start_paused = true)]
async fn the_budget_handle_refuses_a_deadline_already_past_without_spending() {
    let client = Client::builder()
        .api_key("key")
        .rate_limit(Some(RateLimit::new(1, Duration::from_secs(60))))
        .build()
        .unwrap();
    let budget = client.budget().unwrap();
    // tokio's clock: paused, it stands still while the client is built.
    let past = tokio::time::Instant::now();
    tokio::time::advance(Duration::from_millis(1)).await;
    let error = budget.acquire_before(past).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Timeout);
    let now = tokio::time::Instant::now();
    assert!(
        budget
            .acquire_before(now + Duration::from_secs(1))
            .await
            .is_ok(),
        "the one slot of the minute is still free"
    );
}

/// Redis over TLS (`rediss://`) with a private CA, as managed Redis
/// services require: two clients share one budget through it against a
/// strict server (no 429), and the key is in the TLS server. Without the
/// CA the client refuses the certificate and paces locally, and says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_budget_in_redis_over_tls_with_a_private_ca_is_shared() {
    let Some(redis) = RedisServer::start_tls() else {
        return;
    };
    let ca = redis.ca_pem.clone().unwrap();
    let budget = RateLimit::new(20, Duration::from_secs(1))
        .redis(redis.url())
        .redis_add_root_certificate_pem(ca);
    let (fake, uuid) =
        fake_enforcing(RateLimit::new(with_head_room(20), Duration::from_secs(1))).await;
    let shared = [client(&fake, budget.clone()), client(&fake, budget)];
    assert_eq!(
        hammer(&shared, uuid, 20).await,
        [],
        "one shared budget meets no 429"
    );
    assert_eq!(fake.counters().updates_applied, 40);
    assert_eq!(
        redis.slot_keys().len(),
        1,
        "the budget lives in the TLS Redis"
    );
    let sharing = shared[0].budget().unwrap().sharing();
    assert_eq!(sharing.to_string(), "shared through Redis", "{sharing:?}");

    let untrusting = client(
        &fake,
        RateLimit::new(20, Duration::from_secs(1)).redis(redis.url()),
    );
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    assert_eq!(hammer(std::slice::from_ref(&untrusting), uuid, 1).await, []);
    let sharing = untrusting.budget().unwrap().sharing();
    assert!(
        sharing.to_string().starts_with("Redis unavailable for"),
        "{sharing}"
    );
}

/// A first connection slower than one Redis step (a far region, a TLS
/// handshake on a loaded machine) is waited for: the budget is shared from
/// the first call. Before, the connection counted against the 250 ms step
/// and the client sat on its fallback (CI met this with `rediss://`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_first_connection_is_waited_for() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let door = slow_door(redis.port, Duration::from_millis(700)).await;
    let (fake, uuid) = fake_enforcing(RateLimit::new(40, Duration::from_secs(1))).await;
    let budget =
        RateLimit::new(20, Duration::from_secs(1)).redis(format!("redis://127.0.0.1:{door}/0"));
    let client = client(&fake, budget);
    assert_eq!(hammer(std::slice::from_ref(&client), uuid, 5).await, []);
    let sharing = client.budget().unwrap().sharing();
    assert_eq!(sharing.to_string(), "shared through Redis", "{sharing:?}");
    assert_eq!(redis.slot_keys().len(), 1);
}

/// A connection slower than the first call will wait is not abandoned with
/// that call: it lands in the background and the budget goes back to
/// Redis. Before, every retry started a new handshake and dropped it at
/// 250 ms, so such a Redis was never reached.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_slower_than_the_first_wait_lands_in_the_background() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let door = slow_door(redis.port, Duration::from_millis(2_600)).await;
    let (fake, uuid) = fake_enforcing(RateLimit::new(40, Duration::from_secs(1))).await;
    let budget =
        RateLimit::new(20, Duration::from_secs(1)).redis(format!("redis://127.0.0.1:{door}/0"));
    let client = client(&fake, budget);
    assert_eq!(hammer(std::slice::from_ref(&client), uuid, 1).await, []);
    assert!(
        redis.budget_keys().is_empty(),
        "the first call went on the fallback"
    );
    // Each call asks again; the handshake under way is the one that lands.
    for _ in 0..40 {
        if !redis.budget_keys().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert_eq!(hammer(std::slice::from_ref(&client), uuid, 1).await, []);
    }
    assert_eq!(redis.slot_keys().len(), 1, "back on the shared budget");
}

/// A malformed CA is refused when the client is built, naming the setting.
#[test]
fn a_malformed_redis_ca_fails_the_build() {
    let error = Client::builder()
        .api_key("key")
        .rate_limit(Some(
            RateLimit::upheal_default()
                .redis("rediss://127.0.0.1:1/0")
                .redis_add_root_certificate_pem(
                    "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n",
                ),
        ))
        .build()
        .unwrap_err();
    assert_eq!(error.field(), Some("rate_limit.redis"), "{error}");
}

/// A three-node Redis Cluster: the budget's key and its 429 news share a
/// hash slot (before: CROSSSLOT, and the client sat in the 25% fallback
/// for good). Two adaptive clients share the budget with no 429, one meets
/// an injected 429 and the news lands beside the budget.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_budget_in_a_redis_cluster_is_shared_without_crossslot() {
    let Some(cluster) = RedisCluster::start() else {
        return;
    };
    let budget = RateLimit::new(20, Duration::from_secs(1))
        .redis_cluster(cluster.node_urls())
        .adaptive(true);
    let (fake, uuid) =
        fake_enforcing(RateLimit::new(with_head_room(20), Duration::from_secs(1))).await;
    let shared = [client(&fake, budget.clone()), client(&fake, budget)];
    assert_eq!(
        hammer(&shared, uuid, 15).await,
        [],
        "one shared budget meets no 429"
    );
    fake.inject(
        upheal_provider_users::fake::Fault::RateLimited {
            retry_after_secs: 1,
        },
        1,
    );
    let errors = hammer(&shared[..1], uuid, 1).await;
    assert_eq!(errors, [ErrorKind::RateLimited]);
    let mut keys = Vec::new();
    for _ in 0..100 {
        keys = cluster.budget_keys();
        if keys.iter().any(|key| key.ends_with(":last-429")) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        keys.len(),
        3,
        "the budget, its members and its 429 news: {keys:?}"
    );
    for client in &shared {
        let sharing = client.budget().unwrap().sharing();
        assert_eq!(sharing.to_string(), "shared through Redis", "{sharing:?}");
    }
}
