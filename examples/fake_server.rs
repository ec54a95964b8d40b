//! The fake Upheal server as a standalone process, for test suites that are
//! not written in Rust:
//!
//! ```sh
//! cargo run --example fake_server -- --port 8080 --seed users.json \
//!     [--api-key KEY] [--rate-limit 300|off] [--partner-latency-ms 0]
//! ```
//!
//! `--seed` takes a JSON array of users (see `SeedUser`). It serves until
//! Ctrl-C.

use std::{net::SocketAddr, time::Duration};

use upheal_provider_users::fake::{FakeUpheal, SeedUser};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut builder = FakeUpheal::builder();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        builder = match flag.as_str() {
            "--port" => builder.address(SocketAddr::from(([127, 0, 0, 1], value()?.parse()?))),
            "--api-key" => builder.api_key(value()?),
            "--rate-limit" => match value()?.as_str() {
                "off" => builder.rate_limit_per_minute(None),
                n => builder.rate_limit_per_minute(Some(n.parse()?)),
            },
            "--partner-latency-ms" => {
                builder.partner_lookup_latency(Duration::from_millis(value()?.parse()?))
            }
            "--seed" => {
                let path = value()?;
                let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
                let users: Vec<SeedUser> =
                    serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))?;
                builder.users(users)
            }
            other => {
                return Err(
                    format!("unknown flag {other}; see the file's header for usage").into(),
                );
            }
        };
    }
    let fake = builder.start().await?;
    // Listen for Ctrl-C before announcing the address, so that a harness
    // that reads the address and then interrupts can never kill us first.
    let mut ctrl_c = std::pin::pin!(tokio::signal::ctrl_c());
    let first_poll =
        std::future::poll_fn(|cx| std::task::Poll::Ready(ctrl_c.as_mut().poll(cx))).await;
    println!("fake Upheal server listening on {}", fake.base_url());
    println!("API key: {}   (Ctrl-C stops it)", fake.api_key());
    match first_poll {
        std::task::Poll::Ready(result) => result?,
        std::task::Poll::Pending => ctrl_c.await?,
    }
    println!("stopping after {} requests", fake.counters().requests);
    fake.shutdown().await;
    Ok(())
}
