//! The shared budget as a fleet sees Redis (issue 24's figures), against a
//! real `redis-server`, with links made slower or cut by the tests' TCP
//! proxy (`RedisLink`). Each client is built on its own with its own
//! connection, so each is one member of the key, as a process is.
//!
//!  1. `fairness`: two clients with a backlog (30 rows each, concurrency
//!     8, 10 per s), one 2 ms or 20 ms farther from Redis (round trip):
//!     the far one's share of the first 40 slots, and the worst run of
//!     20 slots while both wait;
//!  2. `loss`: two clients sharing 100 per 10 s against a server whose
//!     limit is that budget; one loses Redis after 5 s for 30 s (link cut,
//!     link 300 ms slow, ACL user without EVAL): 429s met, what the one
//!     apart sent, and how long until it is back on Redis once it returns;
//!  3. `stored`: one client at 20 per s; the gap before the next request
//!     after each disruption of the store;
//!  4. `cluster`: two clients, 40 calls each, 10 per s, through a
//!     three-node Redis Cluster and through one Redis: the share of the
//!     budget reached.
//!
//!   cargo bench --features redis,fake --bench fleet_budget   (about 4 minutes)
//!
//! Arguments after `--` run only the parts whose names contain them.

#[path = "../tests/integration/redis_support/mod.rs"]
mod redis_support;

use std::{
    collections::HashMap,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use redis_support::{RedisCluster, RedisLink, RedisServer};
use upheal_provider_users::{
    Client, ErrorKind, ProviderUserId, ProviderUserUpdate, RateLimit, RetryPolicy,
    fake::{FakeUpheal, SeedUser},
};
use uuid::Uuid;

fn main() {
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return;
    }
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let wanted =
        |part: &str| filters.is_empty() || filters.iter().any(|f| part.contains(f.as_str()));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let redis = RedisServer::start().expect("redis-server is installed");
    runtime.block_on(async {
        if wanted("fairness") {
            for one_way in [1, 10] {
                fairness(&redis, Duration::from_millis(one_way)).await;
            }
        }
        if wanted("loss") {
            for loss in [Loss::Cut, Loss::Slow, Loss::NoEval] {
                loss_of_redis(loss).await;
            }
        }
        if wanted("stored") {
            stored_state().await;
        }
        if wanted("cluster") {
            cluster_share(&redis).await;
        }
    });
}

async fn fake_with_users(limit: Option<RateLimit>, users: usize) -> (FakeUpheal, Vec<Uuid>) {
    let fake = FakeUpheal::builder()
        .rate_limit(limit)
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

fn client(fake: &FakeUpheal, budget: RateLimit) -> Client {
    fake.client_builder()
        .rate_limit(Some(budget))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
}

fn update() -> ProviderUserUpdate {
    ProviderUserUpdate::new().therapy_licence("L")
}

async fn bulk(client: &Client, users: &[Uuid]) -> usize {
    let items: Vec<_> = users
        .iter()
        .map(|uuid| (ProviderUserId::upheal(*uuid), update()))
        .collect();
    client
        .update_many(items, 8)
        .await
        .iter()
        .filter(|result| result.is_err())
        .count()
}

async fn fairness(redis: &RedisServer, one_way: Duration) {
    let namespace = Uuid::new_v4().to_string();
    let budget = |url: String| {
        RateLimit::new(10, Duration::from_secs(1))
            .redis(url)
            .redis_namespace(&namespace)
    };
    let (fake, users) = fake_with_users(None, 60).await;
    let link = RedisLink::open(redis.port, one_way).await;
    let near = client(&fake, budget(redis.url()));
    let far = client(&fake, budget(link.url()));
    let (near_users, far_users) = users.split_at(30);
    let (near_failed, far_failed) = tokio::join!(bulk(&near, near_users), bulk(&far, far_users));
    let far_set: Vec<String> = far_users.iter().map(Uuid::to_string).collect();
    let order: Vec<bool> = fake
        .requests()
        .iter()
        .map(|request| far_set.iter().any(|uuid| request.path.contains(uuid)))
        .collect();
    let far_first_40 = order.iter().take(40).filter(|far| **far).count();
    let both = both_waiting(&order);
    let worst = both
        .windows(20)
        .map(|run| run.iter().filter(|far| **far).count())
        .map(|far| far.min(20 - far))
        .min()
        .unwrap_or(0);
    println!(
        "fairness, far client +{} ms round trip: far got {far_first_40} of the first 40 slots; \
         worst run of 20 while both waited: {worst} for the less served; failed {near_failed}+{far_failed}",
        one_way.as_millis() * 2
    );
}

fn both_waiting(order: &[bool]) -> &[bool] {
    let mut left: HashMap<bool, usize> = HashMap::new();
    for far in order {
        *left.entry(*far).or_default() += 1;
    }
    let end = order
        .iter()
        .position(|far| {
            let count = left.get_mut(far).unwrap();
            *count -= 1;
            *count == 0
        })
        .unwrap_or(order.len());
    &order[..end]
}

#[derive(Debug, Clone, Copy)]
enum Loss {
    Cut,
    Slow,
    NoEval,
}

async fn loss_of_redis(loss: Loss) {
    let redis = RedisServer::start().expect("redis-server");
    let limit = RateLimit::new(100, Duration::from_secs(10));
    let (fake, users) = fake_with_users(Some(limit.clone()), 2).await;
    let link = RedisLink::open(redis.port, Duration::ZERO).await;
    redis.cli(&["ACL", "SETUSER", "budget", "on", ">pw", "~*", "+@all"]);
    let victim_url = match loss {
        Loss::NoEval => format!("redis://budget:pw@127.0.0.1:{}/0", link.port),
        _ => link.url(),
    };
    let clients = [
        client(&fake, limit.clone().redis(victim_url)),
        client(&fake, limit.clone().redis(redis.url())),
    ];
    let stop = Arc::new(AtomicBool::new(false));
    let mut workers = Vec::new();
    for (client, uuid) in clients.iter().zip(&users) {
        for _ in 0..4 {
            let (client, stop, id) = (
                client.clone(),
                Arc::clone(&stop),
                ProviderUserId::upheal(*uuid),
            );
            workers.push(tokio::spawn(async move {
                let mut rate_limited = 0;
                while !stop.load(Ordering::SeqCst) {
                    if let Err(e) = client.update_provider_user(&id, &update()).await
                        && e.kind() == ErrorKind::RateLimited
                    {
                        rate_limited += 1;
                    }
                }
                rate_limited
            }));
        }
    }
    tokio::time::sleep(Duration::from_secs(5)).await;
    let victim_user = users[0].to_string();
    let victim_sent = || {
        fake.requests()
            .iter()
            .filter(|request| request.path.contains(&victim_user))
            .count()
    };
    let (before, total_before) = (victim_sent(), fake.counters().requests);
    match loss {
        Loss::Cut => link.set_cut(true),
        Loss::Slow => link.set_one_way(Duration::from_millis(150)),
        Loss::NoEval => drop(redis.cli(&["ACL", "SETUSER", "budget", "-eval", "-evalsha"])),
    }
    tokio::time::sleep(Duration::from_secs(30)).await;
    let (apart, total_apart) = (
        victim_sent() - before,
        fake.counters().requests - total_before,
    );
    match loss {
        Loss::Cut => link.set_cut(false),
        Loss::Slow => link.set_one_way(Duration::ZERO),
        Loss::NoEval => drop(redis.cli(&["ACL", "SETUSER", "budget", "+eval", "+evalsha"])),
    }
    let back_after = back_on_redis(&clients[0]).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop.store(true, Ordering::SeqCst);
    let mut rate_limited = 0;
    for worker in workers {
        rate_limited += worker.await.unwrap();
    }
    println!(
        "loss {loss:?}: {rate_limited} x 429 (server counted {}); in the 30 s apart the fleet sent {total_apart} \
         ({:.1}% of the budget), the one apart {apart}; back on Redis {back_after} after it returned",
        fake.counters().rate_limited,
        total_apart as f64 / 300.0 * 100.0,
    );
}

/// How long after Redis returns the client says it answers again.
async fn back_on_redis(client: &Client) -> String {
    let returned = Instant::now();
    let budget = client.budget().unwrap();
    while !budget.redis_status().unwrap().answering() {
        if returned.elapsed() > Duration::from_secs(30) {
            return "not within 30 s".to_owned();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    format!("{:.2} s", returned.elapsed().as_secs_f64())
}

async fn stored_state() {
    let mut redis = RedisServer::start().expect("redis-server");
    let (fake, users) = fake_with_users(None, 1).await;
    let client = client(
        &fake,
        RateLimit::new(20, Duration::from_secs(1)).redis(redis.url()),
    );
    let id = ProviderUserId::upheal(users[0]);
    let change = update();
    let call = || client.update_provider_user(&id, &change);
    call().await.unwrap();
    let key = redis.slot_keys().pop().unwrap();
    let members = format!("{key}:members");
    let time = redis.cli(&["TIME"]);
    let now: u64 = time[0].parse::<u64>().unwrap() * 1_000_000 + time[1].parse::<u64>().unwrap();
    let hour_ahead = (now + 3_600_000_000).to_string();
    let mut gaps = Vec::new();
    for what in ["slot time 1 h ahead", "wrong types", "FLUSHALL", "restart"] {
        call().await.unwrap();
        match what {
            "slot time 1 h ahead" => drop(redis.cli(&["SET", &key, &hour_ahead])),
            "wrong types" => {
                redis.cli(&["DEL", &key, &members]);
                redis.cli(&["HSET", &key, "a", "b"]);
                redis.cli(&["SET", &members, "x"]);
            }
            "FLUSHALL" => drop(redis.cli(&["FLUSHALL"])),
            _ => {
                redis.kill();
                redis.restart();
            }
        }
        let disrupted = Instant::now();
        call().await.unwrap();
        gaps.push(format!(
            "{what}: {:.0} ms",
            disrupted.elapsed().as_secs_f64() * 1e3
        ));
    }
    println!(
        "stored state, 20 per s (interval 51 ms): next request after {}",
        gaps.join(", ")
    );
}

async fn cluster_share(redis: &RedisServer) {
    let cluster = RedisCluster::start().expect("redis-server");
    for (name, budget) in [
        (
            "one Redis",
            RateLimit::new(10, Duration::from_secs(1)).redis(redis.url()),
        ),
        (
            "3-node cluster",
            RateLimit::new(10, Duration::from_secs(1)).redis_cluster(cluster.node_urls()),
        ),
    ] {
        let budget = budget.redis_namespace(Uuid::new_v4().to_string());
        let (fake, users) = fake_with_users(None, 80).await;
        let clients = [client(&fake, budget.clone()), client(&fake, budget)];
        let started = Instant::now();
        let (a, b) = tokio::join!(
            bulk(&clients[0], &users[..40]),
            bulk(&clients[1], &users[40..])
        );
        let took = started.elapsed().as_secs_f64();
        // 80 calls at 10 per s: the first is free, then 79 intervals.
        let ideal = 79.0 / 10.0;
        println!(
            "cluster: 2 clients x 40 calls at 10 per s through {name}: {took:.2} s, {:.1}% of the budget (failed {})",
            ideal / took * 100.0,
            a + b
        );
    }
}
