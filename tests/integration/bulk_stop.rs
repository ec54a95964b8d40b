//! A bulk run's stop, pulled at each place a call can wait: before it is
//! sent, while it sleeps before a retry, and while a retry waits for its
//! rate-limit slot. Whatever the place, nothing more is sent, and an item
//! that was sent keeps the outcome of the attempt that reached the server.
#![cfg(feature = "fake")]

use std::time::Duration;

use futures_util::StreamExt;
use upheal_provider_users::{
    BulkStop, Client, Error, ErrorKind, ProviderUser, ProviderUserId, ProviderUserUpdate,
    RateLimit, RetryPolicy,
    fake::{FakeUpheal, Fault},
};

use crate::common::unlimited_fake_with_ada;

/// Far longer than any test waits: a wait the stop did not end shows as a
/// hung test, not as a pass.
const LONG: Duration = Duration::from_secs(600);

/// A guard against a hang only (the stop must end every wait at once); no
/// result depends on how fast the machine is.
const HANG_GUARD: Duration = Duration::from_secs(60);

type Run = tokio::task::JoinHandle<Vec<Result<ProviderUser, Error>>>;

/// One item run until `stop`, on a task of its own, so the test can pull
/// the stop while the item waits.
fn run_one(client: &Client, id: ProviderUserId, stop: &BulkStop) -> Run {
    let (client, stop) = (client.clone(), stop.clone());
    tokio::spawn(async move {
        let items = [(id, ProviderUserUpdate::new().therapy_licence("LPC-1"))];
        client
            .update_many_unordered_until(items, 1, &stop)
            .map(|(_, result)| result)
            .collect()
            .await
    })
}

/// The one item's error, once the run has ended.
async fn outcome(run: Run) -> Error {
    let results = tokio::time::timeout(HANG_GUARD, run)
        .await
        .expect("the stop ended the item's wait")
        .unwrap();
    assert_eq!(results.len(), 1, "one item, one outcome");
    results.into_iter().next().unwrap().unwrap_err()
}

/// Every attempt meets a 503, retried after `delay` under `rate_limit`:
/// the stop is pulled once the first attempt has been answered and
/// `settle` has passed. The item keeps that first 503 (what the server
/// said, not `Stopped`), and nothing more is sent.
async fn stop_after_a_first_503(rate_limit: Option<RateLimit>, delay: Duration, settle: Duration) {
    let (fake, ada) = unlimited_fake_with_ada().await;
    let retry = RetryPolicy::default()
        .base_delay(delay)
        .max_delay(delay)
        .deadline(None);
    let client = fake
        .client_builder()
        .rate_limit(rate_limit)
        .retry_policy(retry)
        .build()
        .unwrap();
    fake.inject(Fault::Status(503), 10);
    let stop = BulkStop::new();
    let run = run_one(&client, ProviderUserId::upheal(ada), &stop);
    until_answered(&fake, 1).await;
    tokio::time::sleep(settle).await;
    stop.stop();
    let error = outcome(run).await;
    assert_eq!(error.kind(), ErrorKind::Server, "{error}");
    assert_eq!(error.status(), Some(503));
    assert_eq!(error.attempts(), 1);
    assert_eq!(fake.counters().requests, 1, "no retry after the stop");
}

/// Waits (without a deadline of its own) until the fake has answered
/// `requests` requests.
async fn until_answered(fake: &FakeUpheal, requests: u64) {
    while fake.counters().requests < requests {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn a_stop_pulled_before_the_run_sends_nothing() {
    let (fake, ada) = unlimited_fake_with_ada().await;
    let client = fake.client_builder().rate_limit(None).build().unwrap();
    let stop = BulkStop::new();
    stop.stop();
    let error = outcome(run_one(&client, ProviderUserId::upheal(ada), &stop)).await;
    assert_eq!(error.kind(), ErrorKind::Stopped, "{error}");
    assert_eq!(error.attempts(), 0);
    assert_eq!(fake.counters().requests, 0, "nothing sent");
}

/// The item sleeps a long delay before its retry: the stop ends the sleep.
#[tokio::test]
async fn a_stop_pulled_while_an_item_sleeps_before_a_retry_sends_no_retry() {
    stop_after_a_first_503(None, LONG, Duration::ZERO).await;
}

/// The first attempt took the only slot of a long window; its retry (after
/// 1 ms) waits for the next slot, and the stop ends that wait. (Were the
/// retry still asleep when the stop comes, the outcome would be the same.)
#[tokio::test]
async fn a_stop_pulled_while_a_retry_waits_for_its_slot_keeps_the_first_outcome() {
    let one_a_window = RateLimit::new(1, LONG);
    stop_after_a_first_503(
        Some(one_a_window),
        Duration::from_millis(1),
        Duration::from_millis(50),
    )
    .await;
}
