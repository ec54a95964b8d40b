//! The hooks every generated request goes through.
//!
//! `build.rs` makes [`Transport`] the generated client's inner value and asks
//! for these hooks (`HooksMode::Expected`), so the generated method stays
//! untouched while the hand-written layer decides how bytes move: each HTTP
//! attempt waits for the shared rate limiter, is traced, and has its response
//! body capped.

use std::{sync::Arc, time::Instant};

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};

use crate::{
    generated, key_redactor::KeyRedactor, rate_limit::Pacer, response_body::limit_body,
    response_error::retry_after,
};

/// Progenitor sends the fragment's `info.version` as an `api-version` header;
/// Upheal documents no such header, so it is not sent.
const UNDOCUMENTED_VERSION_HEADER: &str = "api-version";

/// Per-client settings the hooks apply to every HTTP attempt. Shared by all
/// clones of a [`crate::Client`], including the limiter.
#[derive(Clone, Debug)]
pub struct Transport {
    pub(crate) max_response_bytes: usize,
    pub(crate) limiter: Option<Arc<Pacer>>,
    /// Removes this client's key from what errors keep.
    pub(crate) redactor: KeyRedactor,
}

impl ClientHooks<Transport> for generated::Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        request.headers_mut().remove(UNDOCUMENTED_VERSION_HEADER);
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        _info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let limiter = self.inner().limiter.as_deref();
        if let Some(limiter) = limiter {
            limiter.acquire().await;
        }
        let started = Instant::now();
        let result = self.client().execute(request).await;
        if let (Some(limiter), Ok(response)) = (limiter, &result)
            && response.status() == reqwest::StatusCode::TOO_MANY_REQUESTS
        {
            limiter.throttled(retry_after(response.headers()));
        }
        let latency_ms = started.elapsed().as_millis() as u64;
        match &result {
            Ok(response) => tracing::debug!(
                status = response.status().as_u16(),
                latency_ms,
                "upheal http attempt"
            ),
            // The error's text names the URL, and so the id: log its class only.
            Err(e) => tracing::debug!(
                timeout = e.is_timeout(),
                connect = e.is_connect(),
                latency_ms,
                "upheal http attempt failed"
            ),
        }
        Ok(limit_body(result?, self.inner().max_response_bytes))
    }
}
