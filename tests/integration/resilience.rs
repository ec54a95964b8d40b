//! Retries, client-side rate limiting, bulk updates, the partner-id cache and
//! tracing, proven against the fake server's fault injection.
#![cfg(feature = "fake")]

use std::{
    num::NonZeroUsize,
    time::{Duration, Instant},
};

use upheal_provider_users::{
    Client, ErrorKind, NoteIdentifier, ProviderUserId, ProviderUserUpdate, RateLimit, RetryPolicy,
    fake::{FakeUpheal, Fault, SeedUser},
};
use uuid::Uuid;

/// Retries with short waits, so tests run fast while following the policy.
fn quick_retries() -> RetryPolicy {
    RetryPolicy::default()
        .base_delay(Duration::from_millis(10))
        .max_delay(Duration::from_millis(50))
}

async fn fake_with(users: &[(&str, &str)]) -> (FakeUpheal, Vec<Uuid>) {
    let fake = FakeUpheal::builder()
        .rate_limit(None)
        .start()
        .await
        .unwrap();
    let ids = users
        .iter()
        .map(|(name, partner)| {
            fake.seed(SeedUser::new(name, "Test", "t@example.com").partner_user_id(partner))
        })
        .collect();
    (fake, ids)
}

fn plain_client(fake: &FakeUpheal, retry: RetryPolicy) -> Client {
    fake.client_builder()
        .retry_policy(retry)
        .rate_limit(None)
        .build()
        .unwrap()
}

fn no_op() -> ProviderUserUpdate {
    ProviderUserUpdate::new()
}

#[tokio::test]
async fn retryable_failures_recover_within_the_policy() {
    let (fake, ids) = fake_with(&[("Ada", "ext-ada")]).await;
    let client = fake
        .client_builder()
        .retry_policy(quick_retries())
        .rate_limit(None)
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let id = ProviderUserId::upheal(ids[0]);
    let faults = [
        Fault::Status(502),
        Fault::Status(503),
        Fault::Status(504),
        Fault::RateLimited {
            retry_after_secs: 0,
        },
        Fault::DropConnection,
        Fault::TruncatedBody,
        Fault::Delay(Duration::from_secs(30)),
    ];
    for fault in faults {
        let before = fake.counters().requests;
        fake.inject(fault.clone(), 2);
        let user = client.update_provider_user(&id, &no_op()).await;
        assert!(user.is_ok(), "{fault:?}: {:?}", user.err());
        assert_eq!(
            fake.counters().requests - before,
            3,
            "{fault:?}: two failures, then success"
        );
    }
}

#[tokio::test]
async fn non_retryable_failures_fail_at_once() {
    let (fake, ids) = fake_with(&[("Ada", "ext-ada")]).await;
    let client = plain_client(&fake, quick_retries());
    let id = ProviderUserId::upheal(ids[0]);
    let cases = [
        (Fault::Status(400), ErrorKind::BadRequest),
        (Fault::Status(401), ErrorKind::Unauthorized),
        (Fault::Status(403), ErrorKind::Forbidden),
        (Fault::Status(404), ErrorKind::NotFound),
        (Fault::MalformedBody, ErrorKind::Decode),
    ];
    for (fault, kind) in cases {
        let before = fake.counters().requests;
        // One fault only: a retry would meet a healthy server and succeed.
        fake.inject(fault.clone(), 1);
        let error = client
            .update_provider_user(&id, &no_op())
            .await
            .unwrap_err();
        assert_eq!(error.kind(), kind, "{fault:?}");
        assert_eq!(error.attempts(), 1, "{fault:?}");
        assert_eq!(fake.counters().requests - before, 1, "{fault:?}: no retry");
    }
}

/// One truth for 500: transient by `is_transient`, retried by the policy,
/// as the README says.
#[tokio::test]
async fn a_500_is_transient_and_retried() {
    let (fake, ids) = fake_with(&[("Ada", "ext-ada")]).await;
    let client = plain_client(&fake, quick_retries());
    fake.inject(Fault::Status(500), 1);
    let user = client
        .update_provider_user(&ProviderUserId::upheal(ids[0]), &no_op())
        .await
        .unwrap();
    assert_eq!(user.user_id, ids[0].to_string());
    assert_eq!(fake.counters().requests, 2);

    let no_retries = plain_client(&fake, upheal_provider_users::RetryPolicy::none());
    fake.inject(Fault::Status(500), 1);
    let error = no_retries
        .update_provider_user(&ProviderUserId::upheal(ids[0]), &no_op())
        .await
        .unwrap_err();
    assert!(error.is_transient() && error.kind().is_transient());
}

#[tokio::test]
async fn the_final_error_says_how_many_attempts_were_made() {
    let (fake, ids) = fake_with(&[("Ada", "ext-ada")]).await;
    let client = plain_client(&fake, quick_retries().max_attempts(4));
    fake.inject(Fault::Status(503), 10);
    let error = client
        .update_provider_user(&ProviderUserId::upheal(ids[0]), &no_op())
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Server);
    assert_eq!(error.attempts(), 4);
    assert!(error.to_string().contains("after 4 attempts"), "{error}");
    assert_eq!(fake.counters().requests, 4);
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let (fake, ids) = fake_with(&[("Ada", "ext-ada")]).await;
    let client = plain_client(&fake, quick_retries());
    fake.inject(
        Fault::RateLimited {
            retry_after_secs: 1,
        },
        1,
    );
    let started = Instant::now();
    client
        .update_provider_user(&ProviderUserId::upheal(ids[0]), &no_op())
        .await
        .unwrap();
    // A lower bound only: the client must not retry before the server allows.
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(fake.counters().requests, 2);
}

#[tokio::test]
async fn a_retry_after_beyond_the_cap_or_deadline_is_returned_to_the_caller() {
    let (fake, ids) = fake_with(&[("Ada", "ext-ada")]).await;
    let id = ProviderUserId::upheal(ids[0]);

    let capped = plain_client(
        &fake,
        quick_retries().max_retry_after(Duration::from_secs(5)),
    );
    fake.inject(
        Fault::RateLimited {
            retry_after_secs: 30,
        },
        1,
    );
    let error = capped
        .update_provider_user(&id, &no_op())
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::RateLimited);
    assert_eq!(error.retry_after(), Some(Duration::from_secs(30)));
    assert_eq!(error.attempts(), 1);

    let hurried = plain_client(
        &fake,
        quick_retries().deadline(Some(Duration::from_secs(2))),
    );
    fake.inject(
        Fault::RateLimited {
            retry_after_secs: 3,
        },
        1,
    );
    let error = hurried
        .update_provider_user(&id, &no_op())
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::RateLimited);
    assert_eq!(error.attempts(), 1);
}

#[tokio::test]
async fn retries_can_be_turned_off() {
    let (fake, ids) = fake_with(&[("Ada", "ext-ada")]).await;
    let client = plain_client(&fake, RetryPolicy::none());
    fake.inject(Fault::Status(503), 1);
    let error = client
        .update_provider_user(&ProviderUserId::upheal(ids[0]), &no_op())
        .await
        .unwrap_err();
    assert_eq!(error.attempts(), 1);
    assert_eq!(fake.counters().requests, 1);
}

/// 600 updates at 50 per second through an 8-second window: the limiter
/// keeps every window within budget, so the server never answers 429. The
/// window is scaled down from Upheal's minute so the test takes seconds;
/// the pacing logic is the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulk_run_at_the_limit_sees_no_429_and_loses_no_result() {
    let budget = RateLimit::new(400, Duration::from_secs(8));
    let fake = FakeUpheal::builder()
        .rate_limit(Some(budget.clone()))
        .start()
        .await
        .unwrap();
    let ids: Vec<Uuid> = (0..600)
        .map(|i| fake.seed(SeedUser::new(&format!("P{i}"), "Test", "t@example.com")))
        .collect();
    let client = fake
        .client_builder()
        .rate_limit(Some(budget))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let items = ids.iter().enumerate().map(|(i, uuid)| {
        let licence = format!("LIC-{i}");
        (
            ProviderUserId::upheal(*uuid),
            ProviderUserUpdate::new().therapy_licence(licence),
        )
    });
    let results = client.update_many(items, 32).await;
    assert_eq!(results.len(), 600);
    for (i, (result, uuid)) in results.iter().zip(&ids).enumerate() {
        let user = result.as_ref().unwrap_or_else(|e| panic!("item {i}: {e}"));
        assert_eq!(user.user_id, uuid.to_string(), "results are in input order");
        assert_eq!(
            user.therapy_licence.as_deref(),
            Some(format!("LIC-{i}").as_str())
        );
    }
    assert_eq!(fake.counters().rate_limited, 0);
    assert_eq!(fake.counters().requests, 600);
}

/// The control for the test above: without the client's limiter the same
/// server does answer 429, so the zero above is the limiter's doing.
#[tokio::test]
async fn without_the_limiter_the_same_burst_is_rate_limited() {
    let fake = FakeUpheal::builder()
        .rate_limit(Some(RateLimit::new(100, Duration::from_secs(60))))
        .start()
        .await
        .unwrap();
    let uuid = fake.seed(SeedUser::new("Ada", "Lovelace", "ada@example.com"));
    let client = plain_client(&fake, RetryPolicy::none());
    let items = (0..150).map(|_| (ProviderUserId::upheal(uuid), no_op()));
    let results = client.update_many(items, 32).await;
    let limited = results
        .iter()
        .filter(|r| {
            r.as_ref()
                .is_err_and(|e| e.kind() == ErrorKind::RateLimited)
        })
        .count();
    assert_eq!(limited, 50);
}

#[tokio::test]
async fn bulk_results_keep_each_items_own_outcome() {
    let (fake, ids) = fake_with(&[("Ada", "ext-ada"), ("Bob", "ext-bob")]).await;
    let client = plain_client(&fake, RetryPolicy::none());
    let items = vec![
        (
            ProviderUserId::upheal(ids[0]),
            no_op().note_identifier(NoteIdentifier::Coach),
        ),
        (ProviderUserId::partner("ext-nobody").unwrap(), no_op()),
        (
            ProviderUserId::partner("ext-bob").unwrap(),
            no_op().therapy_licence(""),
        ),
        (
            ProviderUserId::partner("ext-bob").unwrap(),
            no_op().therapy_licence("B-1"),
        ),
    ];
    let results = client.update_many(items.clone(), 4).await;
    let keyed = client.update_many_with_ids(items.clone(), 4).await;
    let ids: Vec<_> = keyed.iter().map(|(id, _)| id.clone()).collect();
    let expected: Vec<_> = items.iter().map(|(id, _)| id.clone()).collect();
    assert_eq!(ids, expected, "each result names its item, in input order");
    assert_eq!(keyed[1].1.as_ref().unwrap_err().kind(), ErrorKind::NotFound);
    let user = keyed[0].1.as_ref().unwrap();
    assert_eq!(
        user.user_uuid().map(|u| u.to_string()),
        Some(user.user_id.clone())
    );
    assert!(results[0].is_ok());
    assert_eq!(results[1].as_ref().unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(
        results[2].as_ref().unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    assert_eq!(
        results[3].as_ref().unwrap().therapy_licence.as_deref(),
        Some("B-1")
    );
}

fn caching_client(fake: &FakeUpheal) -> Client {
    fake.client_builder()
        .rate_limit(None)
        .retry_policy(RetryPolicy::none())
        .partner_id_cache(NonZeroUsize::new(100).unwrap(), Duration::from_secs(600))
        .build()
        .unwrap()
}

#[tokio::test]
async fn the_cache_skips_the_partner_lookup_once_warm() {
    let (fake, ids) = fake_with(&[("Ada", "ext-ada")]).await;
    let client = caching_client(&fake);
    let id = ProviderUserId::partner("ext-ada").unwrap();
    for _ in 0..3 {
        client.update_provider_user(&id, &no_op()).await.unwrap();
    }
    assert_eq!(fake.counters().partner_lookups, 1);
    let paths: Vec<String> = fake.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(
        paths[0],
        upheal_provider_users::generated::operation_path("ext-ada")
    );
    assert_eq!(
        paths[1],
        upheal_provider_users::generated::operation_path(ids[0])
    );
    assert_eq!(
        paths[2],
        upheal_provider_users::generated::operation_path(ids[0])
    );

    let uncached = plain_client(&fake, RetryPolicy::none());
    uncached.update_provider_user(&id, &no_op()).await.unwrap();
    assert_eq!(fake.counters().partner_lookups, 2, "the cache is opt-in");
}

#[tokio::test]
async fn a_reassigned_partner_id_is_a_mismatch_and_the_entry_is_dropped() {
    let (fake, ids) = fake_with(&[("Ada", "ext-a")]).await;
    let client = caching_client(&fake);
    let id = ProviderUserId::partner("ext-a").unwrap();
    client.update_provider_user(&id, &no_op()).await.unwrap();

    // ext-a now belongs to Bob; Ada got a new partner id.
    assert!(fake.set_partner_user_id(ids[0], Some("ext-a-old")));
    let bob = fake.seed(SeedUser::new("Bob", "Test", "b@example.com").partner_user_id("ext-a"));

    let error = client
        .update_provider_user(&id, &no_op())
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::IdentityMismatch);
    let user = client.update_provider_user(&id, &no_op()).await.unwrap();
    assert_eq!(user.user_id, bob.to_string(), "the stale entry was dropped");
}

#[tokio::test]
async fn a_404_by_cached_uuid_falls_back_to_the_partner_id_once() {
    let (fake, ids) = fake_with(&[("Ada", "ext-a")]).await;
    let client = caching_client(&fake);
    let id = ProviderUserId::partner("ext-a").unwrap();
    client.update_provider_user(&id, &no_op()).await.unwrap();

    assert!(fake.remove(ids[0]));
    let bob = fake.seed(SeedUser::new("Bob", "Test", "b@example.com").partner_user_id("ext-a"));
    let user = client.update_provider_user(&id, &no_op()).await.unwrap();
    assert_eq!(user.user_id, bob.to_string());
    let statuses: Vec<u16> = fake.requests().into_iter().map(|r| r.status).collect();
    assert_eq!(statuses, [200, 404, 200]);

    assert!(fake.remove(bob));
    let error = client
        .update_provider_user(&id, &no_op())
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NotFound);
    assert_eq!(fake.counters().requests, 5, "one fallback, not a loop");
}

/// Waiting one's turn in a bulk run is not a failure: 200 rows at once
/// against a budget of 50 a second take about 4 s, far past each call's
/// 1.5 s deadline, and every row is applied (the deadline starts when the
/// limiter admits the row). Before: the rows the limiter reached last
/// failed with `Timeout`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulk_run_never_fails_a_row_for_waiting_its_turn() {
    let (fake, ids) = fake_with(&[("Ada", "ext-ada")]).await;
    let client = fake
        .client_builder()
        .rate_limit(Some(RateLimit::new(50, Duration::from_secs(1))))
        .retry_policy(RetryPolicy::default().deadline(Some(Duration::from_millis(1_500))))
        .build()
        .unwrap();
    let items = (0..200).map(|i| {
        (
            ProviderUserId::upheal(ids[0]),
            no_op().therapy_licence(format!("L-{i}")),
        )
    });
    let results = client.update_many(items, 200).await;
    let failed: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(
        failed.is_empty(),
        "{} failed, e.g. {:?}",
        failed.len(),
        failed.first()
    );
    assert_eq!(fake.counters().updates_applied, 200);
}

/// Items addressing the same provider never race: they go one after
/// another in input order, so the input's last word is what Upheal keeps
/// (the fake records the order in which bodies arrived).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_items_for_the_same_provider_apply_in_input_order() {
    let (fake, ids) = fake_with(&[("Ada", "ext-ada"), ("Bob", "ext-bob")]).await;
    let client = plain_client(&fake, RetryPolicy::none());
    // Interleaved: the same partner id 20 times, the other user between.
    let items = (0..40).map(|i| {
        let id = if i % 2 == 0 {
            ProviderUserId::partner("ext-ada").unwrap()
        } else {
            ProviderUserId::upheal(ids[1])
        };
        (id, no_op().therapy_licence(format!("L-{i}")))
    });
    let results = client.update_many(items, 40).await;
    assert!(results.iter().all(Result::is_ok));
    let arrived = |needle: &str| -> Vec<String> {
        fake.requests()
            .into_iter()
            .filter(|r| r.path.contains(needle))
            .map(|r| {
                let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
                body["therapyLicence"].as_str().unwrap().to_owned()
            })
            .collect()
    };
    let expected = |parity: usize| -> Vec<String> {
        (0..40)
            .filter(|i| i % 2 == parity)
            .map(|i| format!("L-{i}"))
            .collect()
    };
    assert_eq!(arrived("ext-ada"), expected(0));
    assert_eq!(arrived(&ids[1].to_string()), expected(1));
    let ada = fake.user(ids[0]).unwrap();
    assert_eq!(
        ada.therapy_licence.as_deref(),
        Some("L-38"),
        "the last word wins"
    );
}
