//! # Testing your integration: the fake Upheal server
//!
//! Partners cannot test against production, and the development host is not
//! public. The `fake` feature (off by default, so production builds pay
//! nothing) embeds a real HTTP server that behaves like the endpoint:
//!
//! ```toml
//! [dev-dependencies]
//! upheal-provider-users = { version = "0.2", features = ["fake"] }
//! ```
//!
//! ```no_run
//! # #[cfg(feature = "fake")]
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use upheal_provider_users::fake::{FakeUpheal, Fault, SeedUser};
//! use upheal_provider_users::{ErrorKind, ProviderUserId, ProviderUserUpdate};
//!
//! let fake = FakeUpheal::start().await?;               // 127.0.0.1, a free port
//! fake.seed(SeedUser::new("Ada", "Lovelace", "ada@example.com").partner_user_id("ext-1"));
//! let client = fake.client();                          // or point yours at fake.base_url()
//!
//! fake.inject(Fault::Status(503), 1);                  // the next request fails
//! let err = client
//!     .update_provider_user(&ProviderUserId::partner("ext-1")?, &ProviderUserUpdate::new())
//!     .await;
//! assert_eq!(err.unwrap_err().kind(), ErrorKind::Server);
//! # Ok(()) }
//! ```
//!
//! [`FakeUpheal`](crate::fake::FakeUpheal) serves the fragment's route and
//! method (`PATCH /users/providers/{providerUserId}`) with the fragment's
//! auth (bearer today, see [`AUTH_HEADER`](crate::generated::AUTH_HEADER); its
//! own key per instance, [`api_key`](crate::fake::FakeUpheal::api_key)),
//! lookup by UUID or `partnerUserId`, request bodies validated against the
//! fragment's JSON schema, absent fields left unchanged and `[]` clearing the
//! templates, 404 for unknown users and the fragment's deactivated-user
//! answer, a per-key rate limit (300 a minute by default, 429 with
//! `Retry-After`), a request log with the key redacted
//! ([`requests`](crate::fake::FakeUpheal::requests)) and
//! [`counters`](crate::fake::FakeUpheal::counters). It closes a connection
//! whose request headers do not arrive within 10 s and serves at most 128
//! connections at once, so it can run for hours beside a test suite.
//!
//! Every error kind can be made to happen with a [`Fault`](crate::fake::Fault):
//! a status, a 429 with `Retry-After`, a delay (for timeouts), a dropped
//! connection, a malformed, truncated or oversized body, an unknown enum
//! value, or [`Fault::WrongUser`](crate::fake::Fault::WrongUser) (a 200
//! naming another user: `IdentityMismatch`). A fault can be aimed at one
//! user ([`inject_for`](crate::fake::FakeUpheal::inject_for), by either id
//! form) or at a path ([`inject_at_path`](crate::fake::FakeUpheal::inject_at_path)).
//! A deactivated user is
//! [`SeedUser::deactivated`](crate::fake::SeedUser::deactivated).
//!
//! The fake's limit is Upheal's per-key one: **every request on the key
//! counts**, on every path and method, and a route the fake does not serve
//! (Upheal's create or get, called with
//! [`Client::request`](crate::Client::request)) answers 404 once admitted.
//! Each [`RecordedRequest`](crate::fake::RecordedRequest) has its
//! `received_at`, so pacing is read from the log, not from a stopwatch.
//! [`fake.client()`](crate::fake::FakeUpheal::client) paces by the fake's
//! own limit, so its [`budget`](crate::Client::budget) is `Some` as in
//! production; `fake.client_builder()` is not paced.
//!
//! The fake is **stricter than the published schema** in two ways, to catch
//! client bugs: a body not sent as `Content-Type: application/json` is
//! refused (400), and so is a property the schema does not name, with a
//! suggestion (`therapyLicense: unknown property …; did you mean
//! therapyLicence?`), where the real API might silently ignore it.
//!
//! ## Errors without a server
//!
//! [`Error::for_test`](crate::Error::for_test) makes an error of any kind, as
//! the client would report it, for unit tests of your own error handling;
//! its `with_` methods add what a branch reads
//! ([`with_retry_after`](crate::Error::with_retry_after),
//! [`with_field`](crate::Error::with_field),
//! [`with_api_message`](crate::Error::with_api_message),
//! [`with_returned_user`](crate::Error::with_returned_user),
//! [`with_status`](crate::Error::with_status),
//! [`with_attempts`](crate::Error::with_attempts)):
//! see [`guide::errors`](crate::guide::errors).
//!
//! ## For test suites in other languages
//!
//! ```sh
//! cargo install upheal-provider-users --features cli
//! upheal-provider-users fake-server --port 8080 --seed users.json \
//!     [--api-key KEY] [--rate-limit 300|off] [--partner-latency-ms 0]
//! ```
//!
//! It prints `fake Upheal server listening on http://127.0.0.1:PORT` and
//! `API key: KEY` (by default the fixed `fake-upheal-api-key`) on stdout and
//! serves until Ctrl-C. `--seed` takes a JSON array of users in the API's
//! field names plus `"active": false` for deactivated ones.
//!
//! ### Steering it over HTTP: `/__admin/`
//!
//! Beside the fake routes, a control API under `/__admin/` (WireMock's
//! convention) needs no key and is neither counted nor logged:
//!
//! ```sh
//! BASE=http://127.0.0.1:8080
//! # seed users (one object or a list; "active": false for deactivated ones)
//! curl -s -X POST $BASE/__admin/users \
//!   -d '[{"partnerUserId": "ext-1", "firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.com"}]'
//! # {"userIds":["…"]}
//! # the next update of ext-1 (by either id form) answers 503; "times" defaults to 1
//! curl -s -X POST $BASE/__admin/faults \
//!   -d '{"fault": {"kind": "status", "status": 503}, "providerUserId": "ext-1", "times": 1}'
//! # or at a path, on any route: {"fault": {"kind": "rateLimited", "retryAfterSecs": 2}, "path": "/users/check"}
//! # kinds: status, rateLimited, delay {ms}, dropConnection, malformedBody,
//! #        truncatedBody, oversizedBody {bytes}, unknownNoteIdentifier {value}, wrongUser
//! curl -s $BASE/__admin/requests   # [{"method","path","headers","body","status","receivedAtMs"}, …]
//! curl -s $BASE/__admin/counters   # {"requests","partnerLookups","updatesApplied","rateLimited","byStatus"}
//! curl -s -X POST $BASE/__admin/reset   # forgets requests, counters, faults and the rate window; users stay
//! ```
