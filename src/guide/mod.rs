//! Guides: one page per task, longer than the crate's front page allows.
//! Nothing to import here; the pages link to the items they use.
//!
//! - [`errors`]: every error kind, what it means, what to do.
//! - [`testing`]: the embedded fake Upheal server, and errors made for tests.
//! - [`shared_budget`]: one rate budget for every process and every Upheal
//!   call on a key: Redis, TLS, clusters, fairness, adaptive pacing, in
//!   plain numbers.
//! - [`behaviour`]: retries, deadlines, timeouts, proxies, TLS, bulk runs.
//! - [`cli`]: the command-line tool for bulk updates.
//! - [`assumptions`]: what Upheal does not publish, and what this crate
//!   assumes instead; how inputs are normalised.

pub mod assumptions;
pub mod behaviour;
pub mod cli;
pub mod errors;
pub mod shared_budget;
pub mod testing;
