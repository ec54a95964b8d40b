//! The shared budget as a real fleet sees Redis: processes at different
//! distances from it, processes that lose it (a cut link, a slow link, an
//! ACL user that loses EVAL), a store that holds anything at all, and
//! callers that stop polling. Each client here is built on its own, with
//! its own connection to Redis, so each is one member of the key as a
//! process is; the links are TCP proxies in the test (`RedisLink`).
#![cfg(all(feature = "redis", feature = "fake"))]

use crate::redis_support::{RedisLink, RedisServer};

use std::{
    collections::HashMap,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use futures_util::StreamExt;
use upheal_provider_users::{
    Client, ErrorKind, ProviderUserId, ProviderUserUpdate, RateLimit, RetryPolicy,
    fake::{FakeUpheal, SeedUser},
};
use uuid::Uuid;

/// A fake enforcing `limit` strictly, with `users` users.
async fn fake_with_users(limit: RateLimit, users: usize) -> (FakeUpheal, Vec<Uuid>) {
    let fake = FakeUpheal::builder()
        .rate_limit(Some(limit))
        .start()
        .await
        .unwrap();
    let uuids = (0..users)
        .map(|i| {
            fake.seed(SeedUser::new(
                "Ada",
                &format!("L{i}"),
                &format!("u{i}@example.com"),
            ))
        })
        .collect();
    (fake, uuids)
}

fn member(fake: &FakeUpheal, budget: RateLimit, retry: RetryPolicy) -> Client {
    fake.client_builder()
        .rate_limit(Some(budget))
        .retry_policy(retry)
        .build()
        .unwrap()
}

fn update() -> ProviderUserUpdate {
    ProviderUserUpdate::new().therapy_licence("L")
}

/// A bulk run of one update for each of `users`, 8 at a time; the errors.
async fn bulk(client: &Client, users: &[Uuid]) -> Vec<ErrorKind> {
    let items: Vec<_> = users
        .iter()
        .map(|uuid| (ProviderUserId::upheal(*uuid), update()))
        .collect();
    client
        .update_many(items, 8)
        .await
        .into_iter()
        .filter_map(|result| result.err().map(|e| e.kind()))
        .collect()
}

/// Which of `owners` each request the fake received was for, in order.
fn senders(fake: &FakeUpheal, owners: &HashMap<Uuid, usize>) -> Vec<usize> {
    fake.requests()
        .iter()
        .filter_map(|request| {
            owners
                .iter()
                .find(|(uuid, _)| request.path.contains(&uuid.to_string()))
                .map(|(_, owner)| *owner)
        })
        .collect()
}

/// Two processes with a backlog each, one `one_way` farther from Redis
/// than the other: in every run of 20 slots while both wait, each gets
/// 8 to 12 (50% ± 10%). Before: with take-if-free, the nearer process
/// arrived first after every freed slot, and the farther one got 3 of the
/// first 88 slots (2 ms farther each way) or none of the first 58.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_farther_from_redis_gets_its_turn() {
    let Some(redis) = RedisServer::shared_or_start() else {
        return;
    };
    let port = redis_port(&redis);
    for one_way in [Duration::from_millis(1), Duration::from_millis(10)] {
        let namespace = Uuid::new_v4().to_string();
        let budget = |url: String| {
            RateLimit::new(10, Duration::from_secs(1))
                .redis(url)
                .redis_namespace(&namespace)
        };
        let (fake, users) = fake_with_users(RateLimit::new(12, Duration::from_secs(1)), 60).await;
        let link = RedisLink::open(port, one_way).await;
        let far_budget = budget(link_url(&link, &redis));
        let near = member(&fake, budget(redis.url()), RetryPolicy::none());
        let far = member(&fake, far_budget, RetryPolicy::none());
        let (near_users, far_users) = users.split_at(30);
        let (near_errors, far_errors) =
            tokio::join!(bulk(&near, near_users), bulk(&far, far_users));
        assert_eq!((near_errors, far_errors), (vec![], vec![]));
        let owners: HashMap<Uuid, usize> = near_users
            .iter()
            .map(|uuid| (*uuid, 0))
            .chain(far_users.iter().map(|uuid| (*uuid, 1)))
            .collect();
        let order = senders(&fake, &owners);
        assert_eq!(order.len(), 60);
        assert_turns_taken(&order, &format!("{one_way:?} farther each way"));
    }
}

/// The part of `order` where both senders wait: from the later one's
/// first slot (one process may start before the other) until either has
/// sent its last.
pub(crate) fn both_waiting(order: &[usize]) -> &[usize] {
    let first = |owner| order.iter().position(|o| *o == owner).unwrap_or(0);
    let start = first(0).max(first(1));
    let total = |owner| order.iter().filter(|o| **o == owner).count();
    let (mut left, mut right) = (total(0), total(1));
    let end = order
        .iter()
        .position(|owner| {
            let left_now = if *owner == 0 { &mut left } else { &mut right };
            *left_now -= 1;
            *left_now == 0
        })
        .unwrap_or(order.len());
    &order[start.min(end)..end]
}

/// Every run of 20 slots in `order` while both wait gives each 8 to 12.
pub(crate) fn assert_turns_taken(order: &[usize], what: &str) {
    let both = both_waiting(order);
    assert!(
        both.len() >= 40,
        "{what}: both waited for {} slots: {order:?}",
        both.len()
    );
    for (start, run) in both.windows(20).enumerate() {
        let far_slots = run.iter().filter(|owner| **owner == 1).count();
        assert!(
            (8..=12).contains(&far_slots),
            "{what}: the far process had {far_slots} of slots {start}..{}: {order:?}",
            start + 20
        );
    }
}

/// The far process's single calls, each with a 1.5 s deadline, all go out
/// while the near one runs a bulk job on the same key. Before: they failed
/// with `Timeout`, the near process taking every freed slot first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn single_calls_from_afar_never_time_out_beside_a_bulk_run() {
    let Some(redis) = RedisServer::shared_or_start() else {
        return;
    };
    let namespace = Uuid::new_v4().to_string();
    let budget = |url: String| {
        RateLimit::new(10, Duration::from_secs(1))
            .redis(url)
            .redis_namespace(&namespace)
    };
    let (fake, users) = fake_with_users(RateLimit::new(12, Duration::from_secs(1)), 41).await;
    let link = RedisLink::open(redis_port(&redis), Duration::from_millis(20)).await;
    let near = member(&fake, budget(redis.url()), RetryPolicy::none());
    let far = member(
        &fake,
        budget(link_url(&link, &redis)),
        RetryPolicy::none().deadline(Some(Duration::from_millis(1_500))),
    );
    let singles = async {
        let id = ProviderUserId::upheal(users[40]);
        let mut outcomes = Vec::new();
        for _ in 0..8 {
            outcomes.push(far.update_provider_user(&id, &update()).await.map(|_| ()));
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        outcomes
    };
    let (bulk_errors, singles) = tokio::join!(bulk(&near, &users[..40]), singles);
    assert_eq!(bulk_errors, []);
    for outcome in singles {
        outcome.unwrap();
    }
}

/// How a process loses Redis in [`the_fleet_stays_within_the_limit_when`].
#[derive(Debug, Clone, Copy)]
enum Loss {
    /// The link is cut: connections dropped, new ones refused.
    Cut,
    /// Every step takes 300 ms (longer than the 250 ms a step may take).
    Slow,
    /// Its ACL user loses EVAL and EVALSHA (`NOPERM`).
    NoEval,
}

/// `processes` processes share 200 requests per 20 s with a backlog each,
/// against a server whose limit is exactly that budget (a 20 s window: the
/// budget's pacing leaves 2 requests of slack per window, so a request
/// delayed 200 ms on a loaded machine is not a 429); after 5 s one of them
/// loses Redis for 32 s, longer than a window, and paces on its fallback
/// share. 0 × 429
/// (before: 41 in 30 s with a cut link, 36 with a slow one), the cut-off
/// process goes on sending, and it is back on Redis within 2 s of Redis
/// returning.
async fn the_fleet_stays_within_the_limit_when(loss: Loss, processes: usize) {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let window = Duration::from_secs(20);
    let limit = RateLimit::new(200, window);
    let (fake, users) = fake_with_users(limit.clone(), processes).await;
    let link = RedisLink::open(redis.port, Duration::ZERO).await;
    let victim_url = match loss {
        Loss::NoEval => {
            redis.cli(&[
                "ACL",
                "SETUSER",
                "budget",
                "on",
                ">budget-pass",
                "~*",
                "+@all",
            ]);
            format!("redis://budget:budget-pass@127.0.0.1:{}/0", link.port)
        }
        Loss::Cut | Loss::Slow => link.url(),
    };
    let clients: Vec<Client> = (0..processes)
        .map(|i| {
            let url = if i == 0 {
                victim_url.clone()
            } else {
                redis.url()
            };
            member(&fake, limit.clone().redis(url), RetryPolicy::none())
        })
        .collect();
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = clients
        .iter()
        .zip(&users)
        .flat_map(|(client, uuid)| {
            (0..4).map(|_| {
                let (client, stop, id) = (
                    client.clone(),
                    Arc::clone(&stop),
                    ProviderUserId::upheal(*uuid),
                );
                tokio::spawn(async move {
                    let mut outcomes = Vec::new();
                    while !stop.load(Ordering::SeqCst) {
                        outcomes.push(
                            client
                                .update_provider_user(&id, &update())
                                .await
                                .map(|_| ()),
                        );
                    }
                    outcomes
                })
            })
        })
        .collect();
    let victim = clients[0].budget().unwrap();
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert!(victim.redis_status().unwrap().answering());
    match loss {
        Loss::Cut => link.set_cut(true),
        Loss::Slow => link.set_one_way(Duration::from_millis(150)),
        Loss::NoEval => {
            redis.cli(&["ACL", "SETUSER", "budget", "-eval", "-evalsha"]);
        }
    }
    let victim_user = ProviderUserId::upheal(users[0]).to_string();
    let victim_requests = || {
        fake.requests()
            .iter()
            .filter(|request| request.path.contains(&victim_user))
            .count()
    };
    tokio::time::sleep(Duration::from_secs(5)).await;
    let victim_before = victim_requests();
    tokio::time::sleep(Duration::from_secs(27)).await;
    let status = victim.redis_status().unwrap();
    assert!(!status.answering(), "{loss:?}: {status}");
    assert!(
        victim_requests() > victim_before,
        "{loss:?}: the process apart goes on at its fallback share"
    );
    let returned = tokio::time::Instant::now();
    match loss {
        Loss::Cut => link.set_cut(false),
        Loss::Slow => link.set_one_way(Duration::ZERO),
        Loss::NoEval => {
            redis.cli(&["ACL", "SETUSER", "budget", "+eval", "+evalsha"]);
        }
    }
    while !victim.redis_status().unwrap().answering() {
        assert!(
            returned.elapsed() < Duration::from_secs(2),
            "{loss:?}: back on Redis within 2 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    stop.store(true, Ordering::SeqCst);
    let mut rate_limited = 0;
    for worker in workers {
        for outcome in worker.await.unwrap() {
            match outcome {
                Ok(()) => {}
                Err(e) if e.kind() == ErrorKind::RateLimited => rate_limited += 1,
                Err(e) => panic!("{loss:?}: {e}"),
            }
        }
    }
    assert_eq!(rate_limited, 0, "{loss:?}");
    assert_eq!(fake.counters().rate_limited, 0, "{loss:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fleet_stays_within_the_limit_when_one_of_four_is_cut_off() {
    the_fleet_stays_within_the_limit_when(Loss::Cut, 4).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fleet_stays_within_the_limit_when_one_link_is_too_slow() {
    the_fleet_stays_within_the_limit_when(Loss::Slow, 2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fleet_stays_within_the_limit_when_one_acl_user_loses_eval() {
    the_fleet_stays_within_the_limit_when(Loss::NoEval, 2).await;
}

/// Whatever Redis holds or becomes mid-run, calls go on: each disruption
/// is followed by calls with a 2 s deadline on a 20/s budget, which all go
/// out. Before: a stored time one hour ahead sent nothing for the hour.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_go_on_whatever_redis_holds_or_becomes() {
    let Some(mut primary) = RedisServer::start() else {
        return;
    };
    let Some(replica) = RedisServer::start_replica_of(&primary) else {
        return;
    };
    let link = RedisLink::open(primary.port, Duration::ZERO).await;
    let (fake, users) = fake_with_users(RateLimit::new(100, Duration::from_secs(1)), 1).await;
    let client = member(
        &fake,
        RateLimit::new(20, Duration::from_secs(1)).redis(link.url()),
        RetryPolicy::none().deadline(Some(Duration::from_secs(2))),
    );
    let id = ProviderUserId::upheal(users[0]);
    let calls = |what: &'static str| {
        let (client, id) = (client.clone(), id.clone());
        async move {
            for call in 0..5 {
                client
                    .update_provider_user(&id, &update())
                    .await
                    .unwrap_or_else(|e| panic!("after {what}, call {call}: {e}"));
            }
        }
    };
    calls("the start").await;
    let key = primary.slot_keys().pop().expect("the slot key");
    let members = format!("{key}:members");
    let hour_ahead = {
        let time = primary.cli(&["TIME"]);
        let now: u64 =
            time[0].parse::<u64>().unwrap() * 1_000_000 + time[1].parse::<u64>().unwrap();
        (now + 3_600_000_000).to_string()
    };
    primary.cli(&["SET", &key, &hour_ahead, "PX", "3600000"]);
    calls("a slot time an hour ahead").await;
    primary.cli(&["HSET", &members, "ghost", &format!("{hour_ahead}:250000")]);
    primary.cli(&["HSET", &members, "garbage", "not a member"]);
    calls("members an hour ahead and unreadable").await;
    primary.cli(&["DEL", &key, &members]);
    primary.cli(&["HSET", &key, "not", "a time"]);
    primary.cli(&["SET", &members, "not a hash"]);
    calls("keys of the wrong type").await;
    primary.cli(&["FLUSHALL"]);
    calls("FLUSHALL").await;
    primary.kill();
    primary.restart();
    calls("a Redis restart").await;
    // Failover: the replica is promoted and the address leads to it.
    let _ = replica.cli(&["REPLICAOF", "NO", "ONE"]);
    link.retarget(replica.port);
    primary.kill();
    calls("a replica promoted with REPLICAOF NO ONE").await;
    let status = client.budget().unwrap().redis_status().unwrap();
    assert!(status.answering(), "back on Redis: {status}");
    assert_eq!(
        replica.slot_keys().len(),
        1,
        "the budget lives on the new primary"
    );
}

/// A caller polled once and then held, at the front of the line, while 20
/// others call with a 5 s deadline on a 10/s budget in Redis: they all go
/// out, and the held one gets a slot when it is polled again. Before: no
/// request went out for as long as it was held.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_that_is_not_polled_does_not_hold_the_line_through_redis() {
    let Some(redis) = RedisServer::shared_or_start() else {
        return;
    };
    let (fake, users) = fake_with_users(RateLimit::new(12, Duration::from_secs(1)), 1).await;
    let client = member(
        &fake,
        RateLimit::new(10, Duration::from_secs(1))
            .redis(redis.url())
            .redis_namespace(Uuid::new_v4().to_string()),
        RetryPolicy::none().deadline(Some(Duration::from_secs(5))),
    );
    let id = ProviderUserId::upheal(users[0]);
    client.update_provider_user(&id, &update()).await.unwrap();
    let budget = client.budget().unwrap();
    let mut held = Box::pin(budget.acquire());
    assert!(futures_util::poll!(held.as_mut()).is_pending());
    let change = update();
    let others = futures_util::stream::iter(0..20)
        .map(|_| client.update_provider_user(&id, &change))
        .buffer_unordered(20)
        .collect::<Vec<_>>()
        .await;
    for other in others {
        other.unwrap();
    }
    held.await;
    assert_eq!(fake.counters().updates_applied, 21);
}

fn redis_port(redis: &RedisServer) -> u16 {
    let url = redis.url();
    let port = url
        .rsplit(':')
        .next()
        .and_then(|tail| tail.split('/').next())
        .and_then(|port| port.parse().ok());
    port.expect("a redis://127.0.0.1:PORT/0 URL")
}

/// The URL of `redis`'s database through `link`.
fn link_url(link: &RedisLink, redis: &RedisServer) -> String {
    let database = redis.url().rsplit('/').next().unwrap_or("0").to_owned();
    format!("redis://127.0.0.1:{}/{database}", link.port)
}
