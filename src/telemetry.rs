//! What the client tells a service's telemetry: metrics through the
//! [`metrics`](https://docs.rs/metrics) facade (feature `metrics`) and the
//! W3C `traceparent` of the current span (feature `traceparent`). Without
//! those features every function here is empty and costs nothing, not even
//! a clock read.
//!
//! The `metrics` facade, rather than OpenTelemetry's metrics API: like
//! `log` and `tracing` it is a facade with nothing to configure in the
//! library, it costs nothing without a recorder, it has not broken its API
//! in years (OpenTelemetry's Rust metrics API is still 0.x and changes with
//! each SDK release, which every dependent would have to match), and
//! recorders exist for Prometheus, StatsD and OTLP.
//!
//! Names and labels follow OpenTelemetry's semantic conventions where one
//! exists (`http.client.request.duration`, `http.request.method`,
//! `server.address`, `http.response.status_code`, `error.type`).

/// Metric names, for dashboards and tests.
pub mod names {
    /// Histogram, seconds: one HTTP attempt, labelled `http.request.method`,
    /// `server.address`, and `http.response.status_code` or `error.type`.
    pub const HTTP_REQUEST_DURATION: &str = "http.client.request.duration";
    /// Histogram, seconds: one call, its retries and waits included,
    /// labelled `operation` and `outcome` (`ok` or the `ErrorKind`).
    pub const CALL_DURATION: &str = "upheal.client.call.duration";
    /// Histogram: HTTP attempts per call, labelled `operation`.
    pub const CALL_ATTEMPTS: &str = "upheal.client.call.attempts";
    /// Counter: 429 answers met, labelled `server.address`.
    pub const RATE_LIMITED: &str = "upheal.client.rate_limited";
    /// Histogram, seconds: time an attempt waited for a slot of the budget.
    pub const BUDGET_WAIT: &str = "upheal.client.budget.wait";
    /// Gauge: 1 while the shared budget's Redis answers, 0 while apart.
    pub const REDIS_ANSWERING: &str = "upheal.client.redis.answering";
    /// Counter, milliseconds: time spent pacing on the fallback share,
    /// added when Redis answers again.
    pub const REDIS_FALLBACK_MS: &str = "upheal.client.redis.fallback";
}

/// A clock reading, taken only when metrics are on.
#[derive(Clone, Copy)]
pub(crate) struct Stopwatch(#[cfg(feature = "metrics")] std::time::Instant);

impl Stopwatch {
    pub(crate) fn start() -> Self {
        Self(
            #[cfg(feature = "metrics")]
            std::time::Instant::now(),
        )
    }

    #[cfg(feature = "metrics")]
    fn seconds(self) -> f64 {
        self.0.elapsed().as_secs_f64()
    }
}

/// `future` inside `span`, or on its own when no subscriber records the
/// span: `Instrumented` enters and leaves its span on every poll and adds
/// a layer to the call's future, which under load costs more than a
/// disabled span is worth.
pub(crate) fn in_span<F: std::future::Future>(
    future: F,
    span: &tracing::Span,
) -> futures_util::future::Either<F, tracing::instrument::Instrumented<F>> {
    use tracing::Instrument;
    if span.is_disabled() {
        futures_util::future::Either::Left(future)
    } else {
        futures_util::future::Either::Right(future.instrument(span.clone()))
    }
}

/// One HTTP attempt ended: with a status, or with `error` (its class).
#[allow(unused_variables)]
pub(crate) fn attempt_finished(
    started: Stopwatch,
    method: &reqwest::Method,
    server: &str,
    status: Option<u16>,
    error: &'static str,
) {
    #[cfg(feature = "metrics")]
    {
        let method = method.as_str().to_owned();
        let server = server.to_owned();
        let histogram = match status {
            Some(status) => metrics::histogram!(names::HTTP_REQUEST_DURATION,
                "http.request.method" => method, "server.address" => server,
                "http.response.status_code" => status.to_string()),
            None => metrics::histogram!(names::HTTP_REQUEST_DURATION,
                "http.request.method" => method, "server.address" => server,
                "error.type" => error),
        };
        histogram.record(started.seconds());
    }
}

/// A 429 was met.
#[allow(unused_variables)]
pub(crate) fn rate_limited(server: &str) {
    #[cfg(feature = "metrics")]
    metrics::counter!(names::RATE_LIMITED, "server.address" => server.to_owned()).increment(1);
}

/// An attempt waited this long for its slot.
#[allow(unused_variables)]
pub(crate) fn waited_for_slot(started: Stopwatch) {
    #[cfg(feature = "metrics")]
    metrics::histogram!(names::BUDGET_WAIT).record(started.seconds());
}

/// A call ended after `attempts` attempts: `outcome` is `ok` or the kind.
#[allow(unused_variables)]
pub(crate) fn call_finished(
    started: Stopwatch,
    operation: &'static str,
    outcome: &'static str,
    attempts: u32,
) {
    #[cfg(feature = "metrics")]
    {
        metrics::histogram!(names::CALL_DURATION, "operation" => operation, "outcome" => outcome)
            .record(started.seconds());
        metrics::histogram!(names::CALL_ATTEMPTS, "operation" => operation)
            .record(f64::from(attempts));
    }
}

/// The shared budget's Redis answers (again), or stopped answering.
#[allow(unused_variables)]
#[cfg(feature = "redis")]
pub(crate) fn redis_answering(answering: bool) {
    #[cfg(feature = "metrics")]
    metrics::gauge!(names::REDIS_ANSWERING).set(if answering { 1.0 } else { 0.0 });
}

/// Redis answers again after this long on the fallback share.
#[allow(unused_variables)]
#[cfg(feature = "redis")]
pub(crate) fn redis_fallback_ended(apart: std::time::Duration) {
    #[cfg(feature = "metrics")]
    metrics::counter!(names::REDIS_FALLBACK_MS).increment(apart.as_millis() as u64);
}

/// The W3C `traceparent` of the current span, when it belongs to an
/// OpenTelemetry trace (through `tracing-opentelemetry`).
#[cfg(feature = "traceparent")]
pub(crate) fn traceparent() -> Option<String> {
    use opentelemetry::trace::TraceContextExt;
    use tracing_opentelemetry::OpenTelemetrySpanExt;
    let context = tracing::Span::current().context();
    let span = context.span();
    let span_context = span.span_context();
    span_context.is_valid().then(|| {
        format!(
            "00-{}-{}-{:02x}",
            span_context.trace_id(),
            span_context.span_id(),
            span_context.trace_flags().to_u8()
        )
    })
}
