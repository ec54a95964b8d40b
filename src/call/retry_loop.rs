//! The attempts of one call under the client's retry policy: each in its
//! own span and, when it has to wait for the rate limiter or is near the
//! call's deadline, in a scope the transport hooks read. What a call
//! carries through its attempts ([`Turn`], [`Route`]) lives here too, so
//! the client, `Client::request` and bulk runs depend on this file and it
//! depends on none of them.

use std::ops::ControlFlow;

use tokio::time::Instant;

use crate::{
    call::{
        BulkStop, RetryPolicy,
        call_scope::{CALL, CallScope},
        transport::Transport,
    },
    errors::{Error, ErrorKind},
    rate_limit::Ticket,
    telemetry,
};

/// How a call meets the rate limiter: its place in line and whether its
/// first attempt already has a slot.
#[derive(Clone, Debug, Default)]
pub(crate) struct Turn {
    pub(crate) ticket: Option<Ticket>,
    pub(crate) slot_taken: bool,
    /// The bulk run's stop, if the call is an item of one.
    pub(crate) stop: Option<BulkStop>,
    /// HTTP attempts made so far, for the call's span.
    pub(crate) attempts: u32,
}

/// What an attempt's span says of the request: its method and route.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Route<'a> {
    pub(crate) method: &'a str,
    /// The path with its `{parameters}` (`url.template`), or the path.
    pub(crate) template: &'a str,
}

/// The attempts of a client's calls: its retry policy over its transport
/// (whose limiter, attempt timeout and server address the attempts use).
#[derive(Clone, Copy)]
pub(crate) struct RetryLoop<'a> {
    pub(crate) policy: &'a RetryPolicy,
    pub(crate) transport: &'a Transport,
}

impl RetryLoop<'_> {
    /// The attempts of one call under the retry policy, each made by
    /// `attempt`; a failure is retried only when the policy would and
    /// `may_retry` allows it. The policy's deadline bounds the whole call,
    /// an attempt in flight included. The result and the attempts made.
    ///
    /// The first attempt is awaited here and the retries in a boxed future
    /// of their own: most calls succeed at once, and the retries' state (a
    /// timer, the errors kept) would otherwise sit in every call's future
    /// and be copied with it on every move.
    pub(crate) async fn run<T, F>(
        self,
        route: Route<'_>,
        turn: &mut Turn,
        may_retry: impl Fn(&Error) -> bool,
        mut attempt: impl FnMut() -> F,
    ) -> Result<(T, u32), Error>
    where
        F: Future<Output = Result<T, Error>>,
    {
        let started = Instant::now();
        let deadline = self.policy.deadline_after(started);
        if turn.stop.as_ref().is_some_and(BulkStop::is_stopped) {
            return Err(Error::stopped());
        }
        // The first attempt starts as the call does: no second clock read.
        let result = self
            .attempt_once(route, turn, deadline, started, 1, &mut attempt)
            .await;
        let error = match settle(result, turn, deadline, 1, None, self.policy) {
            ControlFlow::Break(outcome) => return outcome,
            ControlFlow::Continue(error) => error,
        };
        let retries = Retries {
            route,
            started,
            deadline,
        };
        Box::pin(self.retry(retries, turn, may_retry, attempt, error)).await
    }

    /// The attempts after a failed first one, while the policy and
    /// `may_retry` allow another.
    async fn retry<T, F>(
        self,
        retries: Retries<'_>,
        turn: &mut Turn,
        may_retry: impl Fn(&Error) -> bool,
        mut attempt: impl FnMut() -> F,
        mut error: Error,
    ) -> Result<(T, u32), Error>
    where
        F: Future<Output = Result<T, Error>>,
    {
        let mut attempts = 1;
        loop {
            if !may_retry(&error) {
                return Err(error);
            }
            let elapsed = retries.started.elapsed();
            let Some(delay) = self.policy.delay_before_retry(attempts, &error, elapsed) else {
                return Err(error);
            };
            tracing::warn!(kind = %error.kind(), status = error.status(), attempt = attempts, delay_ms = delay.as_millis() as u64, "retrying");
            // A stopped run sends no retry: this attempt's outcome stands.
            if sleep_unless_stopped(turn, delay).await {
                return Err(error);
            }
            attempts += 1;
            let result = self
                .attempt_once(
                    retries.route,
                    turn,
                    retries.deadline,
                    Instant::now(),
                    attempts,
                    &mut attempt,
                )
                .await;
            let settled = settle(
                result,
                turn,
                retries.deadline,
                attempts,
                Some(error),
                self.policy,
            );
            error = match settled {
                ControlFlow::Break(outcome) => return outcome,
                ControlFlow::Continue(error) => error,
            };
        }
    }

    /// One attempt, number `attempts` of the call, started at `now`, in
    /// its own span.
    async fn attempt_once<T, F>(
        &self,
        route: Route<'_>,
        turn: &mut Turn,
        deadline: Option<Instant>,
        now: Instant,
        attempts: u32,
        attempt: &mut impl FnMut() -> F,
    ) -> Result<T, Error>
    where
        F: Future<Output = Result<T, Error>>,
    {
        let slot_taken = std::mem::take(&mut turn.slot_taken);
        turn.attempts += 1;
        let span = self.attempt_span(route, attempts - 1);
        // The scope is built in the branch that uses it: built before,
        // it kept its own room in the call's future across the await
        // (48 bytes that every move of the future copies).
        let result = if self.attempt_needs_scope(deadline, now) {
            let call = CallScope {
                deadline,
                ticket: turn.ticket,
                slot_taken,
                stop: turn.stop.clone(),
            };
            telemetry::in_span(CALL.scope(call, attempt()), &span).await
        } else {
            telemetry::in_span(attempt(), &span).await
        };
        if let Err(error) = &result {
            match error.status() {
                Some(status) => span.record("error.type", status.to_string()),
                None => span.record("error.type", error.kind().name()),
            };
        }
        result
    }

    /// The span of one HTTP attempt, in OpenTelemetry's HTTP client
    /// conventions (the key is never a field).
    fn attempt_span(&self, route: Route<'_>, resends: u32) -> tracing::Span {
        tracing::info_span!(
            "upheal.http",
            otel.name = route.method,
            otel.kind = "client",
            http.request.method = route.method,
            url.template = route.template,
            server.address = self.transport.server_address.as_str(),
            http.request.resend_count = resends,
            http.response.status_code = tracing::field::Empty,
            error.type = tracing::field::Empty,
        )
    }

    /// Whether an attempt started at `now` needs the hooks to know of the call:
    /// it waits for a rate limiter (in line, within the deadline), or its
    /// own timeout ends after the deadline. Otherwise the scope would cost
    /// something and change nothing.
    fn attempt_needs_scope(&self, deadline: Option<Instant>, now: Instant) -> bool {
        let transport = self.transport;
        transport.limiter.is_some()
            || deadline.is_some_and(|deadline| {
                deadline.saturating_duration_since(now) < transport.attempt_timeout
            })
    }
}

/// What the retries of a call keep from its first attempt.
#[derive(Clone, Copy)]
struct Retries<'a> {
    route: Route<'a>,
    started: Instant,
    deadline: Option<Instant>,
}

/// An attempt's outcome: the call's (`Break`), or an error that a retry
/// may follow (`Continue`). `last_error` is the previous attempt's, which
/// stands when the run is stopped while this one waited for its slot.
fn settle<T>(
    result: Result<T, Error>,
    turn: &mut Turn,
    deadline: Option<Instant>,
    attempts: u32,
    last_error: Option<Error>,
    policy: &RetryPolicy,
) -> ControlFlow<Result<(T, u32), Error>, Error> {
    let error = match result {
        Ok(value) => return ControlFlow::Break(Ok((value, attempts))),
        Err(error) => error,
    };
    // Waiting longer would not make a slot come sooner: the call ends
    // without retrying into the same wall.
    if error.is_no_slot_before_deadline() {
        turn.attempts -= 1;
        return ControlFlow::Break(Err(error.with_attempts(attempts - 1)));
    }
    // Stopped while waiting for this attempt's slot: the last attempt's
    // outcome stands (none, for the first).
    if error.kind() == ErrorKind::Stopped {
        turn.attempts -= 1;
        return ControlFlow::Break(Err(last_error.unwrap_or(error)));
    }
    if error.kind() == ErrorKind::Timeout && deadline.is_some_and(|at| Instant::now() >= at) {
        return ControlFlow::Break(Err(policy.deadline_passed(attempts)));
    }
    ControlFlow::Continue(error.with_attempts(attempts))
}

/// Waits `delay` before a retry; true if the bulk run was stopped meanwhile.
async fn sleep_unless_stopped(turn: &Turn, delay: std::time::Duration) -> bool {
    match &turn.stop {
        Some(stop) => {
            let slept = stop.unless_stopped(tokio::time::sleep(delay)).await;
            slept.is_none() || stop.is_stopped()
        }
        None => {
            tokio::time::sleep(delay).await;
            false
        }
    }
}
