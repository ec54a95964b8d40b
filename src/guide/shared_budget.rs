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
//! ## How the processes share it: reservations in Redis's order
//!
//! Each process has one dispatcher task that takes the budget's slots and
//! hands each to its longest waiter (first come, first served; a call
//! keeps its place for its retries). With Redis, the dispatcher *reserves*
//! the key's next slot in one atomic step and holds at most one
//! reservation at a time; Redis gives every reservation a later moment
//! than those before it. Processes with callers waiting therefore take
//! turns, whatever their distance to Redis. (When processes raced to take
//! a slot the moment it freed, the one with the shortest round trip won
//! nearly every time: a process 2 ms farther got 3 of the first 88 slots.)
//!
//! Why this and not leases of capacity (Doorman, Envoy's global limits): a
//! lease gives each process a rate to spend alone, so every process adds
//! its own edge burst to a window (two processes on a budget of 10 a
//! second lose a fifth of it to that margin), an idle process's lease sits
//! unused until it is renewed, and a newcomer waits for the others to
//! renew before it gets any. A reservation in one order keeps the key's
//! budget one GCRA with one burst, gives a newcomer the next free moment,
//! and costs one step per slot (a few hundred a minute at Upheal's limit).
//!
//! Every process is also a **member** of the key (a hash beside it), marked
//! live by each step and by a heartbeat every 500 ms while it waits for
//! nothing. A member silent for more than 2 s may be pacing itself (below),
//! so the live members stretch their interval to leave it its fallback
//! share (and the one request per window its own pacing may add at a
//! window's edge), until it comes back or
//! [`RateLimit::redis_member_timeout`](crate::RateLimit::redis_member_timeout)
//! passes (default 2 minutes). A client dropped on a running runtime, or
//! [`Budget::leave`](crate::Budget::leave), takes its member out at once.
//!
//! ## Guarantees, in numbers
//!
//! - **Pacing:** evenly at 98.5% of the budget with a burst of 1% for
//!   catching up: no window ever admits more than 99.5% of the budget
//!   (for budgets of 100 or more; smaller ones never exceed it).
//! - **Fair across processes:** processes with callers waiting alternate
//!   slot by slot, whatever their round trip to Redis (as long as it is
//!   shorter than the time between two of their turns: 200 ms per process
//!   sharing the key at Upheal's 300 a minute). Measured: a process 2 ms
//!   or 20 ms (round trip) farther from Redis than another got 8–12 of
//!   every 20 slots while both waited.
//! - **Fair within a process:** first come, first served; a call keeps its
//!   place for its retries.
//! - **No stall from a caller that is not polled.** A caller whose future
//!   is held without being polled (a `select!` busy elsewhere) is handed
//!   its slot like any other and costs the others that one slot: the line
//!   moves on. Polled again later than one interval after its slot's
//!   moment, it lines up again (a slot used that late would count in a
//!   window the budget did not give it to).
//! - **A slot is spent only by a request that goes out, or lost once.** A
//!   caller that times out, meets its deadline, is dropped or panics while
//!   waiting spends nothing: a slot handed to it goes to the next caller.
//!   When every caller of a process leaves while its one reservation is
//!   pending, that slot goes unused (a gap, never an excess). The slot time
//!   in Redis is at most one interval per member ahead of now, so a storm
//!   of cancelled or doomed calls leaves nothing behind.
//! - **Deadlines:** a call whose slot would come after its deadline (or
//!   whose deadline has passed) fails at once with `Timeout`, nothing
//!   sent, and is not retried. A bulk run admits each item before its
//!   deadline starts: it never fails an item for waiting its turn.
//! - **Whatever Redis holds, calls go on.** Each step heals what it finds:
//!   a key of another type is replaced, a slot time further ahead than the
//!   members' reservations could put it (an hour ahead after a clock step
//!   or a failover to a replica with another clock, a foreign writer) is
//!   replaced by now, a member entry that cannot be read is dropped, and
//!   one seen "in the future" counts as seen now. After `FLUSHALL`, a
//!   restart, or a replica promoted with `REPLICAOF NO ONE`, the next step
//!   starts afresh (the few reservations held at that moment may then
//!   overlap once).
//! - **Redis slow, down, or refusing in one process:** a call never waits
//!   on Redis more than 250 ms (the client's very first call waits up to
//!   2 s for the first connection; later connections are made in the
//!   background and no call waits for them). That process then waits until
//!   the others must have noticed its silence (3 s after its last step that
//!   may have reached Redis), and then paces on its own share of the
//!   budget ([`RateLimit::redis_fallback_share`](crate::RateLimit::redis_fallback_share),
//!   default 25%), which the others leave it: **the fleet stays within the
//!   key's limit while some processes are apart** (measured: 0 × 429 over
//!   30 s with a link cut, a link 300 ms slow, an ACL user without EVAL).
//!   It warns once, naming the cause and the fix (unreachable, refused
//!   authentication, no permission, out of memory, CROSSSLOT, TLS, slow),
//!   tries Redis again every 100 ms (a step only after a `PING` answers
//!   within 250 ms, so a link too slow for steps never marks it live), and
//!   is back on the shared order within 2 s of Redis answering.
//! - **What is not guaranteed:** a process that never reached Redis (it
//!   started while Redis was unreachable to it) is unknown to the others,
//!   so the key may exceed its limit by that process's share until it
//!   reaches Redis. A process apart for longer than the member timeout is
//!   taken for gone by the others, with the same effect. When the silent
//!   members' shares add up to more than the budget, the live ones go on at
//!   their own fallback share.
//! - **Telling "down now" from "was down":**
//!   [`Budget::redis_status`](crate::Budget::redis_status) says whether
//!   Redis answers now, since when, and how many processes are live and
//!   silent on the key; [`Budget::sharing`](crate::Budget::sharing) adds up
//!   the time spent on the fallback since the client was built. Warnings
//!   are `tracing` events (target `upheal_provider_users`): install a
//!   subscriber to see them.
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
//! /users/providers` and other endpoints on the same key. Send them with
//! [`Client::request`](crate::Client::request): they wait in the same line
//! for the same budget (shared through Redis when the client's is), with
//! the client's key, timeouts, retries and typed errors:
//!
//! ```no_run
//! # async fn run(client: upheal_provider_users::Client) -> Result<(), upheal_provider_users::Error> {
//! use upheal_provider_users::reqwest::Method;
//!
//! let known: serde_json::Value = client
//!     .request(Method::POST, "/users/check")
//!     .json(&serde_json::json!({ "email": "ada@example.com" }))
//!     .send_json()
//!     .await?;
//! # let _ = known;
//! # Ok(()) }
//! ```
//!
//! For calls made through another HTTP client, gate each with the
//! client's [`Budget`](crate::Budget) ([`Client::budget`](crate::Client::budget)):
//! `budget.acquire().await` before sending, `budget.throttled(retry_after)`
//! after a 429, so adaptive pacing hears of it in every process.
//!
//! ## Where you hear of Redis trouble
//!
//! - **Tracing** (the `tracing` crate; install a subscriber such as
//!   `tracing-subscriber` to see it): a `WARN` event when the budget's Redis
//!   stops answering (with the cause and the fix), an `INFO` event when it
//!   answers again.
//! - **Metrics** (feature `metrics`, through the `metrics` facade: install
//!   a recorder such as `metrics-exporter-prometheus`): the gauge
//!   `upheal.client.redis.answering` (1 or 0), the counter
//!   `upheal.client.redis.fallback` (milliseconds spent on the fallback
//!   share, added when Redis answers again), and `upheal.client.budget.wait`
//!   (seconds each attempt waited for its slot); all names are in
//!   [`telemetry::names`](crate::telemetry::names).
//! - **Polling**: [`Budget::redis_status`](crate::Budget::redis_status)
//!   (answering now, since when, processes seen) and
//!   [`Budget::sharing`](crate::Budget::sharing) (the total fallback time),
//!   for a health endpoint.
