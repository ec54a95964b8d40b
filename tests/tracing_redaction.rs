//! Tracing output: useful fields, never the key or a body.
//!
//! Alone in its own test binary: tracing caches per-callsite interest
//! process-wide, so tests without a subscriber running in parallel threads
//! could otherwise switch these events off.
#![cfg(feature = "fake")]

use std::time::Duration;

use upheal_provider_users::{
    ProviderUserId, ProviderUserUpdate, RetryPolicy,
    fake::{FakeUpheal, Fault, SeedUser},
};

#[path = "support/captured_output.rs"]
mod captured_output;
use captured_output::Captured;

#[tokio::test]
async fn traces_name_the_operation_and_attempts_but_never_the_key_or_body() {
    let fake = FakeUpheal::builder()
        .rate_limit(None)
        .start()
        .await
        .unwrap();
    let ada = fake.seed(SeedUser::new("Ada", "Lovelace", "ada@example.com"));
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let client = fake
        .client_builder()
        .rate_limit(None)
        .retry_policy(RetryPolicy::default().base_delay(Duration::from_millis(10)))
        .build()
        .unwrap();
    fake.inject(Fault::Status(503), 1);
    client
        .update_provider_user(
            &ProviderUserId::upheal(ada),
            &ProviderUserUpdate::new().therapy_licence("SECRET-LICENCE"),
        )
        .await
        .unwrap();

    let text = captured.text();
    assert!(text.contains("upheal.update_provider_user"), "{text}");
    assert!(text.contains("id_form=\"upheal\""), "{text}");
    assert!(text.contains("retrying"), "{text}");
    assert!(text.contains("attempts=2"), "{text}");
    // Recorded once, at the end: never `attempts=1 attempts=2` on a line.
    assert!(!text.contains("attempts=1"), "{text}");

    // A bulk item's lines say which item they are.
    captured.clear();
    fake.inject(Fault::Status(503), 1);
    let items = (0..2).map(|_| {
        (
            ProviderUserId::upheal(ada),
            ProviderUserUpdate::new().therapy_licence("L"),
        )
    });
    assert!(client.update_many(items, 2).await.iter().all(Result::is_ok));
    let text = captured.text();
    assert!(text.contains("upheal.bulk_item{index=0}"), "{text}");
    assert!(text.contains("upheal.bulk_item{index=1}"), "{text}");
    assert!(text.contains("status=503"), "{text}");
    assert!(!text.contains(fake.api_key()), "{text}");
    assert!(!text.contains("SECRET-LICENCE"), "{text}");
}
