//! The hooks every generated request goes through.
//!
//! `build.rs` makes [`Transport`] the generated client's inner value and asks
//! for these hooks (`HooksMode::Expected`), so the generated method stays
//! untouched while the hand-written layer decides how bytes move: each HTTP
//! attempt waits for the shared rate limiter within the call's deadline, is
//! traced, and has its response body capped.

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::HeaderName;
use tokio::time::Instant;

use crate::{
    call::{
        BulkStop,
        call_scope::{CALL, DEADLINE_PASSED, STOPPED},
        response_body::limit_body,
        response_error::retry_after,
        transport::Transport,
    },
    generated, telemetry,
};

/// Progenitor sends the fragment's `info.version` as an `api-version` header;
/// Upheal documents no such header, so it is not sent.
/// (A parsed name: removing by a `&str` would parse it on every request.)
const UNDOCUMENTED_VERSION_HEADER: HeaderName = HeaderName::from_static("api-version");

impl ClientHooks<Transport> for generated::Client {
    /// Waits for the rate limiter, then bounds the attempt by what is left
    /// of the call's deadline: the one timer reqwest already runs per
    /// request does it, so a call far from its deadline pays for no other.
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        request.headers_mut().remove(&UNDOCUMENTED_VERSION_HEADER);
        let call = CALL.try_with(Clone::clone).ok();
        let deadline = call.as_ref().and_then(|call| call.deadline);
        let passed = || progenitor_client::Error::Custom(DEADLINE_PASSED.to_owned());
        let stop = call.as_ref().and_then(|call| call.stop.clone());
        let stopped = || progenitor_client::Error::Custom(STOPPED.to_owned());
        if let Some(limiter) = &self.inner().limiter
            && !call.as_ref().is_some_and(|call| call.slot_taken)
        {
            let ticket = call.as_ref().and_then(|call| call.ticket);
            let waiting = telemetry::Stopwatch::start();
            let slot = limiter.acquire(deadline, ticket);
            let slot = match &stop {
                Some(stop) => stop.unless_stopped(slot).await.ok_or_else(stopped)?,
                None => slot.await,
            };
            slot.map_err(|_| passed())?;
            telemetry::waited_for_slot(waiting);
        }
        // The last moment before the request goes: a stopped run sends
        // nothing more.
        if stop.as_ref().is_some_and(BulkStop::is_stopped) {
            return Err(stopped());
        }
        if let Some(deadline) = deadline {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Err(passed());
            }
            if remaining < self.inner().attempt_timeout {
                *request.timeout_mut() = Some(remaining);
            }
        }
        #[cfg(feature = "traceparent")]
        if let Some(value) = telemetry::traceparent().and_then(|v| v.parse().ok()) {
            request.headers_mut().insert("traceparent", value);
        }
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        _info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        // Timed only when someone listens: a clock read per attempt is a
        // measurable share of a loopback call.
        let started = tracing::enabled!(tracing::Level::DEBUG).then(std::time::Instant::now);
        let attempt = telemetry::Stopwatch::start();
        let method = request.method().clone();
        let result = self.client().execute(request).await;
        let latency_ms = started.map_or(0, |started| started.elapsed().as_millis() as u64);
        let server = &self.inner().server_address;
        match &result {
            Ok(response) => {
                let status = response.status();
                tracing::Span::current().record("http.response.status_code", status.as_u16());
                telemetry::attempt_finished(attempt, &method, server, Some(status.as_u16()), "");
                tracing::debug!(status = status.as_u16(), latency_ms, "upheal http attempt");
                if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
                    telemetry::rate_limited(server);
                    if let Some(limiter) = &self.inner().limiter {
                        limiter.throttled(retry_after(response.headers()));
                    }
                }
            }
            // The error's text names the URL, and so the id: log its class
            // only. The attempt's `error.type` is recorded by the retry loop,
            // which sees every failure.
            Err(e) => {
                let class = if e.is_timeout() {
                    "timeout"
                } else if e.is_connect() {
                    "connect"
                } else {
                    "transport"
                };
                telemetry::attempt_finished(attempt, &method, server, None, class);
                tracing::debug!(
                    timeout = e.is_timeout(),
                    connect = e.is_connect(),
                    latency_ms,
                    "upheal http attempt failed"
                );
            }
        }
        Ok(limit_body(result?, self.inner().max_response_bytes))
    }
}
