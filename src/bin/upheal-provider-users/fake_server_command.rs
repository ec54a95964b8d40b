//! `fake-server`: the embedded fake Upheal server as a process of its own,
//! for test suites not written in Rust.

use std::{net::SocketAddr, time::Duration};

use upheal_provider_users::fake::{FAKE_API_KEY, FakeUpheal, SeedUser};

use crate::{cli_args::FakeServerArgs, exit_code::ExitCode, shown::shown};

pub async fn run(args: FakeServerArgs) -> ExitCode {
    match serve(args).await {
        Ok(()) => ExitCode::Success,
        Err(message) => {
            eprintln!("error: {}", shown(&message));
            ExitCode::InvalidInput
        }
    }
}

async fn serve(args: FakeServerArgs) -> Result<(), String> {
    let mut builder = FakeUpheal::builder()
        .address(SocketAddr::from(([127, 0, 0, 1], args.port)))
        .rate_limit_per_minute(args.rate_limit.0)
        .partner_lookup_latency(Duration::from_millis(args.partner_latency_ms));
    // A fixed key by default (the library gives each fake a fresh one):
    // scripts that start this process know the key without parsing output.
    builder = builder.api_key(args.api_key.unwrap_or_else(|| FAKE_API_KEY.to_owned()));
    if let Some(path) = &args.seed {
        builder = builder.users(seed_users(path)?);
    }
    let fake = builder
        .start()
        .await
        .map_err(|e| format!("cannot listen on 127.0.0.1:{}: {e}", args.port))?;
    // Listen for Ctrl-C before announcing the address, so that a harness
    // that reads the address and then interrupts can never kill us first.
    let mut ctrl_c = std::pin::pin!(tokio::signal::ctrl_c());
    let first_poll =
        std::future::poll_fn(|cx| std::task::Poll::Ready(ctrl_c.as_mut().poll(cx))).await;
    println!("fake Upheal server listening on {}", fake.base_url());
    println!("API key: {}   (Ctrl-C stops it)", fake.api_key());
    let stopped = match first_poll {
        std::task::Poll::Ready(result) => result,
        std::task::Poll::Pending => ctrl_c.await,
    };
    stopped.map_err(|e| format!("cannot listen for Ctrl-C: {e}"))?;
    println!("stopping after {} requests", fake.counters().requests);
    fake.shutdown().await;
    Ok(())
}

fn seed_users(path: &std::path::Path) -> Result<Vec<SeedUser>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}
