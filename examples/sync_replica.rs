//! A sync worker that makes one other Upheal call per item (the sync
//! guide's check by email) beside each update, through one client: both
//! calls wait in the same line for the key's one budget, with the same key,
//! retries and typed errors. Run against the embedded fake:
//!
//! ```sh
//! cargo run --example sync_replica
//! ```
//!
//! The fake does not serve `POST /users/check`: it answers 404 and counts
//! the request against the key, as Upheal's limit counts every call. In
//! production, point `Client::builder()` at Upheal with your key (and
//! `RateLimit::redis` to share the budget between replicas).

use serde_json::{Value, json};
use upheal_provider_users::{
    ErrorKind, ProviderUserId, ProviderUserUpdate, RateLimit,
    fake::{FakeUpheal, SeedUser},
    reqwest::Method,
};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A fake whose key allows 600 a minute (10 a second), to see pacing.
    let fake = FakeUpheal::builder()
        .rate_limit(Some(RateLimit::per_minute(600)))
        .start()
        .await?;
    let providers: Vec<(String, String)> = (1..=20)
        .map(|i| (format!("ext-{i}"), format!("provider{i}@example.com")))
        .collect();
    for (partner_id, email) in &providers {
        fake.seed(SeedUser::new("Pat", "Doe", email.as_str()).partner_user_id(partner_id.as_str()));
    }
    let client = fake.client(); // paced by the fake's limit, as by Upheal's

    for (partner_id, email) in &providers {
        // The other call: its own endpoint, the same client and budget.
        let check = client
            .request(Method::POST, "/users/check")
            .json(&json!({ "email": email }))
            .send_json::<Value>()
            .await;
        match check {
            Ok(answer) => println!("{email}: {answer}"),
            Err(e) if e.kind() == ErrorKind::NotFound => {} // the fake's 404
            Err(e) => return Err(e.into()),
        }
        let id = ProviderUserId::partner(partner_id.as_str())?;
        let update = ProviderUserUpdate::new().therapy_licence("LPC-2026");
        client.update_provider_user(&id, &update).await?;
    }

    let log = fake.requests();
    let first = log
        .first()
        .map(|r| r.received_at)
        .expect("requests were made");
    let last = log
        .last()
        .map(|r| r.received_at)
        .expect("requests were made");
    let counters = fake.counters();
    println!(
        "{} requests ({} updates) in {:.1} s on one budget of 10 a second; {} answered 429",
        counters.requests,
        counters.updates_applied,
        last.duration_since(first).as_secs_f64(),
        counters.rate_limited
    );
    assert_eq!(counters.rate_limited, 0, "both calls waited in one line");
    Ok(())
}
