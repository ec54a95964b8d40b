//! The fake's responses: one body type for a JSON answer, an empty one, or
//! a stream (the faults that send an endless or a broken body).

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use http::{HeaderValue, StatusCode, header};
use http_body_util::{BodyExt, Empty, Full, StreamBody, combinators::UnsyncBoxBody};
use hyper::body::Frame;

/// What every answer of the fake carries.
pub(crate) type Body = UnsyncBoxBody<Bytes, std::io::Error>;
/// An answer of the fake.
pub(crate) type Response = http::Response<Body>;

/// `body` (JSON text) with `status`.
pub(crate) fn json_text(status: StatusCode, body: String) -> Response {
    let mut response = http::Response::new(
        Full::new(Bytes::from(body))
            .map_err(|never| match never {})
            .boxed_unsync(),
    );
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// `value` as JSON with `status`.
pub(crate) fn json(status: StatusCode, value: &serde_json::Value) -> Response {
    json_text(status, value.to_string())
}

/// No body, with `status`.
pub(crate) fn empty(status: StatusCode) -> Response {
    let mut response =
        http::Response::new(Empty::new().map_err(|never| match never {}).boxed_unsync());
    *response.status_mut() = status;
    response
}

/// A 200 whose body is `chunks` as they come: a failing chunk breaks the
/// connection mid-body.
pub(crate) fn streamed(
    chunks: impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static,
) -> Response {
    http::Response::new(StreamBody::new(chunks.map(|chunk| chunk.map(Frame::data))).boxed_unsync())
}
