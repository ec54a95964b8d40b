//! Turns what the generated method returns on failure into an [`Error`]
//! whose kind a caller can act on.

use std::time::{Duration, SystemTime};

use progenitor_client::{ByteStream, Error as RawError};
use reqwest::{StatusCode, header::HeaderMap};

use crate::{
    call::{
        call_scope::{DEADLINE_PASSED, STOPPED},
        response_body::{find_too_large, kept_text, read_kept_body},
    },
    errors::{Error, ErrorKind, key_redactor::KeyRedactor},
    fragment::DOCUMENTED_STATUSES,
};

/// The status of every response whose body progenitor reads itself: the
/// fragment's only success status. A body that breaks off, is too large or
/// does not decode came with it, and the error says so.
const SUCCESS_STATUS: u16 = 200;

/// The error for a failed generated call, with the API key redacted from
/// everything it keeps.
pub(crate) async fn from_raw(raw: RawError<ByteStream>, redactor: &KeyRedactor) -> Error {
    classify(raw).await.without_key(redactor)
}

async fn classify(raw: RawError<ByteStream>) -> Error {
    match raw {
        RawError::ErrorResponse(value) => {
            let status = value.status();
            let headers = value.headers().clone();
            let body = read_kept_body(value.into_inner().into_inner()).await;
            from_status(status, &headers, body)
        }
        RawError::UnexpectedResponse(response) => {
            let status = response.status();
            let headers = response.headers().clone();
            let body = read_kept_body(response.bytes_stream()).await;
            from_status(status, &headers, body)
        }
        RawError::CommunicationError(e) => from_reqwest(e),
        RawError::ResponseBodyError(e) => from_reqwest(e).with_status(SUCCESS_STATUS),
        RawError::InvalidResponsePayload(bytes, e) => Error::new(
            ErrorKind::Decode,
            format!("the success response is not a provider user ({e})"),
        )
        .with_status(SUCCESS_STATUS)
        .with_body(kept_text(&bytes))
        .with_source(e),
        RawError::Custom(message) if message == DEADLINE_PASSED => {
            Error::no_slot_before_deadline(format!("{message}; nothing was sent for it"))
        }
        RawError::Custom(message) if message == STOPPED => Error::stopped(),
        RawError::InvalidRequest(message) | RawError::Custom(message) => {
            Error::new(ErrorKind::InvalidInput, message)
        }
        RawError::InvalidUpgrade(e) => from_reqwest(e),
    }
}

fn from_reqwest(e: reqwest::Error) -> Error {
    if let Some(too_large) = find_too_large(&e) {
        return Error::new(ErrorKind::ResponseTooLarge, too_large.to_string());
    }
    if let Some(problem) = certificate_problem(&e) {
        return Error::new(ErrorKind::Certificate, problem).with_source(e);
    }
    let kind = if e.is_timeout() {
        ErrorKind::Timeout
    } else {
        ErrorKind::Transport
    };
    let what = if e.is_timeout() {
        "the request timed out"
    } else if e.is_connect() {
        "could not connect to Upheal"
    } else if e.is_body() || e.is_decode() {
        "the response broke off"
    } else {
        "the request failed"
    };
    // reqwest's own Display may name the URL, never a header: the key is safe.
    Error::new(kind, format!("{what} ({e})")).with_source(e)
}

pub(crate) fn from_status(status: StatusCode, headers: &HeaderMap, body: Option<String>) -> Error {
    let code = status.as_u16();
    let (kind, what) = match code {
        400 => (
            ErrorKind::BadRequest,
            "Upheal refused the request parameters",
        ),
        401 => (ErrorKind::Unauthorized, "Upheal did not accept the API key"),
        403 => (
            ErrorKind::Forbidden,
            "the API key is not allowed to do this",
        ),
        404 => (ErrorKind::NotFound, "no provider user has this id"),
        429 => (ErrorKind::RateLimited, "rate limited by Upheal"),
        500..=599 => (ErrorKind::Server, "Upheal failed to handle the request"),
        _ => return other_status(code, headers, body),
    };
    Error::new(kind, what)
        .with_status(code)
        .with_body(body)
        .with_retry_after_header(retry_after(headers))
}

/// A status with no kind of its own: documented by the fragment (its
/// words quoted) or not.
fn other_status(code: u16, headers: &HeaderMap, body: Option<String>) -> Error {
    let documented = DOCUMENTED_STATUSES
        .iter()
        .find(|(status, _)| *status == code);
    let error = match documented {
        Some((_, meaning)) => Error::new(
            ErrorKind::DocumentedStatus,
            format!("Upheal answered {code}, documented as \"{meaning}\""),
        ),
        None => Error::new(
            ErrorKind::UnexpectedStatus,
            "Upheal answered with an undocumented status",
        ),
    };
    error
        .with_status(code)
        .with_body(body)
        .with_retry_after_header(retry_after(headers))
}

/// `Retry-After` as delay-seconds or an HTTP date (RFC 9110 §10.2.3).
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(
        at.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// What is wrong with the server's certificate, and the fix, when `e` is a
/// refused certificate. Read from the error chain's text, the one thing
/// every TLS backend shares: rustls says `invalid peer certificate:
/// UnknownIssuer` (or `Expired`, `NotValidForName`, `CaUsedAsEndEntity`),
/// OpenSSL `certificate verify failed` with its own reason.
fn certificate_problem(e: &reqwest::Error) -> Option<String> {
    let mut chain = String::new();
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(error) = next {
        chain.push_str(&error.to_string());
        chain.push('\n');
        next = error.source();
    }
    let lower = chain.to_ascii_lowercase();
    if !(lower.contains("invalid peer certificate")
        || lower.contains("certificate verify failed")
        || lower.contains("invalidcertificate"))
    {
        return None;
    }
    let (what, fix) = if lower.contains("notvalidforname")
        || lower.contains("hostname mismatch")
        || lower.contains("not valid for name")
    {
        (
            "is issued for another host name",
            "use a base URL with the host name the certificate names",
        )
    } else if lower.contains("expired") || lower.contains("notvalidyet") {
        (
            "has expired or is not valid yet",
            "renew the server's certificate, or check this machine's clock",
        )
    } else if lower.contains("causedasendentity")
        || lower.contains("unsupported certificate purpose")
    {
        (
            "is a CA certificate used as the server's own",
            "the server must present a certificate issued by that CA, not the CA itself",
        )
    } else if lower.contains("unknownissuer")
        || lower.contains("unable to get local issuer")
        || lower.contains("self-signed")
        || lower.contains("self signed")
    {
        (
            "is signed by an authority this client does not trust",
            "trust that authority with `ClientBuilder::add_root_certificate_pem` or in the \
             system's certificate store",
        )
    } else {
        (
            "was refused",
            "check the server's certificate chain and `ClientBuilder::add_root_certificate_pem`",
        )
    };
    Some(format!(
        "the TLS certificate of the server {what}: {fix} (from the TLS library: {})",
        chain.lines().last().unwrap_or_default()
    ))
}
