//! # One rate budget for every process and every Upheal call on a key
//!
//! Upheal allows 300 requests a minute **per API key**, shared by all V1
//! and V2 user endpoints, whatever spends it. A [`RateLimit`](crate::RateLimit)
//! paces one client and its clones; with the `redis` feature, every process
//! on the key shares one budget held in Redis (≥ 6, or Valkey).
//!
//! ```no_run
//! # #[cfg(feature = "redis")] {
//! use upheal_provider_users::{Client, RateLimit};
//!
//! let budget = RateLimit::upheal_default()
//!     .redis("rediss://app:secret@redis.internal:6380/0") // user and password never shown
//!     .redis_add_root_certificate_pem(std::fs::read("redis-ca.pem").unwrap())
//!     .redis_namespace("production")                       // optional
//!     .adaptive(true);                                     // optional: others spend the key too
//! let client = Client::builder().api_key("...").rate_limit(Some(budget)).build()?;
//! # }
//! # Ok::<(), upheal_provider_users::Error>(())
//! ```
//!
//! ## Where the budget lives
//!
//! - One server: [`RateLimit::redis`](crate::RateLimit::redis) with
//!   `redis://host:port/db`, `redis://user:password@host/db` for an ACL
//!   user, `rediss://…` for TLS (the system's roots, or a private CA with
//!   [`RateLimit::redis_add_root_certificate_pem`](crate::RateLimit::redis_add_root_certificate_pem)).
//! - A Redis or Valkey cluster:
//!   [`RateLimit::redis_cluster`](crate::RateLimit::redis_cluster) with the
//!   node URLs. The budget's keys share a hash tag, so they live in one slot.
//! - The key is `upheal-provider-users:NAMESPACE:budget:{HASH}` (an
//!   HMAC-SHA256 of the API key, never the key), and its 429 news beside it
//!   under the same name and `:last-429`.
//!
//! ## Guarantees, in numbers
//!
//! - **Pacing:** evenly at 98.5% of the budget with a burst of 1% for
//!   catching up: no window ever admits more than 99.5% of the budget
//!   (for budgets of 100 or more; smaller ones never exceed it).
//! - **A slot is spent only by a request that goes out.** A slot is taken
//!   at the moment it is free, by the caller at the front of the line;
//!   nobody holds a reservation while asleep. A caller that times out,
//!   meets its deadline, is dropped or panics while waiting spends nothing.
//!   (A caller dropped during the Redis step itself, at most 250 ms, may
//!   spend the one slot that step took.) The time stored in Redis is never
//!   more than one interval plus the burst ahead of now, so a storm of
//!   cancelled or doomed calls leaves nothing behind: a fresh process on
//!   the key goes at the budget's rate at once. A time written by anything
//!   else is bounded to one window.
//! - **Fair waiting:** first come, first served within a process; a call
//!   keeps its place for its retries. Across processes, each process's
//!   longest waiter competes for each free slot.
//! - **Deadlines:** a call whose slot would come after its deadline fails at
//!   once with `Timeout`, nothing sent, and is not retried. A bulk run
//!   admits each item before its deadline starts: it never fails an item
//!   for waiting its turn.
//! - **Redis down, slow, or refusing:** a call never waits on Redis more
//!   than 250 ms (the client's very first call waits up to 2 s for the
//!   first connection, a TLS handshake included; later connections are made
//!   in the background, up to 5 s each, and no call waits for them) and
//!   never goes unpaced: it runs on a local share of the
//!   budget ([`RateLimit::redis_fallback_share`](crate::RateLimit::redis_fallback_share),
//!   default 25%, so four processes falling back together stay within the
//!   limit), warns once naming the cause and the fix (unreachable, refused
//!   authentication, wrong type at the key, out of memory, CROSSSLOT, TLS),
//!   and tries Redis again every second.
//!   [`Budget::sharing`](crate::Budget::sharing) says how long it has
//!   been apart.
//!
//! ## Adaptive pacing
//!
//! [`RateLimit::adaptive`](crate::RateLimit::adaptive) slows down when 429s
//! come anyway (something else spends the key). A 429 means the key's window
//! is full, so the rate this client sent over the last window is its share:
//! the rate drops to 70% of it (once per burst of 429s), every request waits
//! out the `Retry-After`, and the rate recovers along a CUBIC curve, back at
//! that share one window later and never above the budget. The floor is 2%
//! of the budget (6 requests a minute at 300 a minute). A client that sent
//! less than that floor over the window is not the cause of a 429: it only
//! waits out the `Retry-After`, at its full rate. Beside a consumer spending
//! 40% of the key, about 1% of its requests met a 429 (BENCHMARKS.md). With
//! Redis, a 429 one process meets is news for every process on the key.
//!
//! ## The budget for your other Upheal calls
//!
//! Partners' sync flows also call `POST /users/check`, `POST
//! /users/providers` and other endpoints on the same key. Gate them with
//! the client's [`Budget`](crate::Budget), from
//! [`Client::budget`](crate::Client::budget):
//!
//! ```no_run
//! # async fn run(client: upheal_provider_users::Client, key: &str) -> Result<(), Box<dyn std::error::Error>> {
//! let budget = client.budget().expect("the client has a rate limit");
//! budget.acquire().await; // in line with every other call on the key
//! let response = reqwest::Client::new()
//!     .post("https://api.upheal.io/users/check")
//!     .bearer_auth(key)
//!     .json(&serde_json::json!({ "email": "ada@example.com" }))
//!     .send()
//!     .await?;
//! if response.status() == reqwest::StatusCode::TOO_MANY_REQUESTS {
//!     budget.throttled(None); // adaptive pacing hears of it, in every process
//! }
//! # Ok(()) }
//! ```
