//! Reading response bodies with bounded memory, whatever the server sends.

use std::{error::Error as StdError, future::ready};

use bytes::Bytes;
use futures_util::{Stream, StreamExt};

use crate::errors::error::MAX_KEPT_BODY_BYTES;

/// Ends a response body that grew past the client's cap. It travels inside
/// the `reqwest::Error` the generated code sees and is recognised again by
/// [`find_too_large`].
#[derive(Debug, thiserror::Error)]
#[error("the response body exceeds the client's cap of {limit} bytes")]
pub(crate) struct BodyTooLarge {
    pub(crate) limit: usize,
}

/// Wraps the body so that reading more than `limit` bytes fails instead of
/// buffering without bound (progenitor reads success bodies whole).
///
/// A body with a `Content-Length` within the limit is left as it is: hyper
/// never reads past the announced length, so the common case pays nothing.
pub(crate) fn limit_body(response: reqwest::Response, limit: usize) -> reqwest::Response {
    if response
        .content_length()
        .is_some_and(|announced| announced <= limit as u64)
    {
        return response;
    }
    let mut builder = http::Response::builder()
        .status(response.status())
        .version(response.version());
    if let Some(headers) = builder.headers_mut() {
        *headers = response.headers().clone();
    }
    let mut seen = 0usize;
    let limited = response.bytes_stream().map(move |chunk| {
        let chunk = chunk.map_err(|e| Box::new(e) as Box<dyn StdError + Send + Sync>)?;
        seen = seen.saturating_add(chunk.len());
        if seen > limit {
            return Err(Box::new(BodyTooLarge { limit }) as Box<dyn StdError + Send + Sync>);
        }
        Ok(chunk)
    });
    let response = builder
        .body(reqwest::Body::wrap_stream(limited))
        .expect("status, version and headers come from a valid response");
    reqwest::Response::from(response)
}

/// Finds the cap violation anywhere in an error's source chain.
pub(crate) fn find_too_large<'a>(error: &'a (dyn StdError + 'static)) -> Option<&'a BodyTooLarge> {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(found) = e.downcast_ref::<BodyTooLarge>() {
            return Some(found);
        }
        current = e.source();
    }
    None
}

/// Keeps at most [`MAX_KEPT_BODY_BYTES`] of an error body as text and stops
/// reading there; a body that breaks off keeps what arrived.
pub(crate) async fn read_kept_body<S>(stream: S) -> Option<String>
where
    S: Stream<Item = reqwest::Result<Bytes>>,
{
    let mut kept = Vec::new();
    let mut stream = std::pin::pin!(stream.take_while(|chunk| ready(chunk.is_ok())));
    while let Some(Ok(chunk)) = stream.next().await {
        let room = MAX_KEPT_BODY_BYTES - kept.len();
        kept.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if kept.len() == MAX_KEPT_BODY_BYTES {
            break;
        }
    }
    kept_text(&kept)
}

/// At most [`MAX_KEPT_BODY_BYTES`] of `bytes` as text (invalid UTF-8
/// replaced), or `None` for an empty body.
pub(crate) fn kept_text(bytes: &[u8]) -> Option<String> {
    let kept = &bytes[..bytes.len().min(MAX_KEPT_BODY_BYTES)];
    (!kept.is_empty()).then(|| String::from_utf8_lossy(kept).into_owned())
}
