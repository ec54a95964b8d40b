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
    fake::{FakeUpheal, Fault, SeedUser},
};

/// Far longer than any test waits: a wait the stop did not end shows as a
/// hung test, not as a pass.
const LONG: Duration = Duration::from_secs(600);

/// A guard against a hang only (the stop must end every wait at once); no
/// result depends on how fast the machine is.
const HANG_GUARD: Duration = Duration::from_secs(60);

async fn fake_with_ada() -> (FakeUpheal, ProviderUserId) {
    let fake = FakeUpheal::builder()
        .rate_limit(None)
        .start()
        .await
        .unwrap();
    let ada = fake.seed(SeedUser::new("Ada", "Lovelace", "ada@example.com"));
    (fake, ProviderUserId::upheal(ada))
}

/// One item run until `stop`, on a task of its own, so the test can pull
/// the stop while the item waits.
fn run_one(
    client: &Client,
    id: &ProviderUserId,
    stop: &BulkStop,
) -> tokio::task::JoinHandle<Vec<Result<ProviderUser, Error>>> {
    let (client, id, stop) = (client.clone(), id.clone(), stop.clone());
    tokio::spawn(async move {
        let items = [(id, ProviderUserUpdate::new().therapy_licence("LPC-1"))];
        client
            .update_many_unordered_until(items, 1, &stop)
            .map(|(_, result)| result)
            .collect()
            .await
    })
}

/// Waits (without a deadline of its own) until the fake has answered
/// `requests` requests.
async fn until_requests(fake: &FakeUpheal, requests: u64) {
    while fake.counters().requests < requests {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn outcome(run: tokio::task::JoinHandle<Vec<Result<ProviderUser, Error>>>) -> Error {
    let results = tokio::time::timeout(HANG_GUARD, run)
        .await
        .expect("the stop ended the item's wait")
        .unwrap();
    assert_eq!(results.len(), 1, "one item, one outcome");
    results.into_iter().next().unwrap().unwrap_err()
}

#[tokio::test]
async fn a_stop_pulled_before_the_run_sends_nothing() {
    let (fake, ada) = fake_with_ada().await;
    let client = fake.client_builder().rate_limit(None).build().unwrap();
    let stop = BulkStop::new();
    stop.stop();
    let error = outcome(run_one(&client, &ada, &stop)).await;
    assert_eq!(error.kind(), ErrorKind::Stopped, "{error}");
    assert_eq!(error.attempts(), 0);
    assert_eq!(fake.counters().requests, 0, "nothing sent");
}

/// The first attempt met a 503 and the item sleeps before its retry: the
/// stop ends the sleep, no retry is sent, and the item reports the 503.
#[tokio::test]
async fn a_stop_pulled_while_an_item_sleeps_before_a_retry_sends_no_retry() {
    let (fake, ada) = fake_with_ada().await;
    let retry = RetryPolicy::default()
        .base_delay(LONG)
        .max_delay(LONG)
        .deadline(None);
    let client = fake
        .client_builder()
        .rate_limit(None)
        .retry_policy(retry)
        .build()
        .unwrap();
    fake.inject(Fault::Status(503), 10);
    let stop = BulkStop::new();
    let run = run_one(&client, &ada, &stop);
    until_requests(&fake, 1).await;
    stop.stop();
    let error = outcome(run).await;
    assert_eq!(error.kind(), ErrorKind::Server, "{error}");
    assert_eq!(error.status(), Some(503));
    assert_eq!(error.attempts(), 1);
    assert_eq!(fake.counters().requests, 1, "no retry after the stop");
}

/// The first attempt took the only slot of the minute and met a 503; its
/// retry waits for the next slot. The stop ends that wait: the item keeps
/// the 503 (what the server said), not `Stopped`, and nothing more is sent.
#[tokio::test]
async fn a_stop_pulled_while_a_retry_waits_for_its_slot_keeps_the_first_outcome() {
    let (fake, ada) = fake_with_ada().await;
    let retry = RetryPolicy::default()
        .base_delay(Duration::from_millis(1))
        .max_delay(Duration::from_millis(1))
        .deadline(None);
    let client = fake
        .client_builder()
        .rate_limit(Some(RateLimit::new(1, LONG)))
        .retry_policy(retry)
        .build()
        .unwrap();
    fake.inject(Fault::Status(503), 10);
    let stop = BulkStop::new();
    let run = run_one(&client, &ada, &stop);
    until_requests(&fake, 1).await;
    // The retry's 1 ms sleep is over long before this; it now waits for a
    // slot a window away. (Were it still asleep, the outcome is the same.)
    tokio::time::sleep(Duration::from_millis(50)).await;
    stop.stop();
    let error = outcome(run).await;
    assert_eq!(error.kind(), ErrorKind::Server, "{error}");
    assert_eq!(error.status(), Some(503));
    assert_eq!(error.attempts(), 1);
    assert_eq!(fake.counters().requests, 1, "no retry after the stop");
}
