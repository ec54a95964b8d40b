//! # Behaviour under load and faults
//!
//! What a partner syncing hundreds of providers over an unreliable network
//! gets by default, and how to change it.
//!
//! ## Retries and the call's deadline
//!
//! [`RetryPolicy`](crate::RetryPolicy): exactly the errors
//! [`Error::is_transient`](crate::Error::is_transient) calls transient are
//! retried (429, every 5xx, timeouts, connection failures), at most 3
//! attempts in all, with exponential backoff and full jitter (250 ms doubling
//! up to 8 s), `Retry-After` honoured up to 60 s (a longer one is returned in
//! [`Error::retry_after`](crate::Error::retry_after)). A 2-minute deadline
//! bounds the whole call, attempts in flight and the wait for a rate-budget
//! slot included: a call that cannot get a slot before its deadline ends at
//! once with `Timeout`, nothing sent and no retry. Retrying is safe because
//! the update sets absolute values. A refused certificate is not retried.
//!
//! ## Bulk runs
//!
//! [`Client::update_many`](crate::Client::update_many) and its siblings run
//! at most `concurrency` calls at once (0 is taken as 1), return every
//! result (a failure never loses the others), apply items for the same
//! provider (the same UUID, or the same partner id) one after another in
//! input order, and admit each item through the rate budget before its
//! deadline starts: 300 items at concurrency 300 against a budget of 10 a
//! second all go out, none with `Timeout`. Each item's tracing span carries
//! its `index` in the input.
//!
//! ## Timeouts and hostile servers
//!
//! 10 s to connect, 30 s per attempt, response bodies capped at 1 MiB
//! (`ResponseTooLarge`), error bodies kept up to 64 KiB, redirects never
//! followed (the key stays with the host you chose).
//!
//! **A server that sends endless `1xx` informational responses** (`103
//! Early Hints` for ever): each attempt still ends at its timeout, on a
//! current-thread and on a multi-thread runtime alike, and the call
//! retries it like any timeout. Measured (`cargo bench --features fake
//! --bench informational_flood`, 3 s attempt timeout): one attempt ends
//! after 3.0–3.3 s on either runtime; the default policy's three attempts
//! after 9.4–9.7 s; with `RetryPolicy::deadline` of 5 s, after 5.0–5.1 s.
//! To bound a call against such a server, set the call's deadline.
//!
//! ## Proxies
//!
//! An `https` base URL uses the proxies the environment names
//! (`HTTPS_PROXY`, `ALL_PROXY`, except hosts in `NO_PROXY`), always as a
//! CONNECT tunnel: the proxy sees the host name, never the key or the body.
//! A plain-`http` base URL (loopback only, unless you opted in with
//! `allow_insecure_http`) never goes through a proxy: the key would reach it
//! in clear. To turn proxies off for `https` too, set `NO_PROXY=*`.
//!
//! ## TLS
//!
//! Backends: `rustls` (default: reqwest's own rustls with the aws-lc-rs
//! provider, safe under cargo's feature unification), `rustls-ring` (with
//! `default-features = false`: `ring` configured per client, no C crypto
//! library to build; caveat: it turns on reqwest's `rustls-no-provider`
//! for the whole build, so a dependent's own `reqwest::Client::new()`
//! without a TLS feature of its own then panics unless the dependent calls
//! `rustls::crypto::ring::default_provider().install_default()` first),
//! `native-tls` (the platform's library; `ClientBuilder::use_native_tls`).
//! A shared budget in Redis over TLS (`rediss://`, feature `redis`) uses
//! the provider the TLS feature already compiles (aws-lc-rs with `rustls`,
//! `ring` with `rustls-ring`); with `native-tls` alone, install a rustls
//! provider first, or building the client fails naming `rate_limit.redis`.
//!
//! The platform's verifier by default; add a private CA with
//! [`ClientBuilder::add_root_certificate_pem`](crate::ClientBuilder::add_root_certificate_pem).
//! A refused certificate is
//! [`ErrorKind::Certificate`](crate::ErrorKind::Certificate), with the
//! problem named (unknown issuer, expired, issued for another host, a CA
//! certificate used as the server's own) and the fix.
//!
//! ## Partner-id cache
//!
//! Opt-in ([`ClientBuilder::partner_id_cache`](crate::ClientBuilder::partner_id_cache)):
//! after a call by `partnerUserId`, the client addresses that user by UUID,
//! sparing Upheal's extra lookup. Responses are still identity-checked.
//!
//! ## Tracing
//!
//! A `upheal.update_provider_user` span per call (operation, id form, cache
//! use, attempts and status, each recorded once), a debug event per HTTP
//! attempt (status, latency), a `upheal.bulk_item` span per bulk item (its
//! index), and warnings when the shared budget falls back. Never the key,
//! the id's value in a URL, or a body.
