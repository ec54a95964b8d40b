//! Which handler answers a request: the control API under `/__admin/`, the
//! fragment's operation (its method and path, read off the fragment), or
//! the answer for a route the fake does not serve.

use std::{convert::Infallible, sync::Arc};

use http::{Method, Request, StatusCode};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use hyper::body::Incoming;

use super::{admin, handler, response::Response, state::FakeState};
use crate::fragment;

/// The largest request body the fake reads; a larger one is answered 413
/// before it is counted or logged.
const MAX_REQUEST_BODY_BYTES: usize = 2 * 1024 * 1024;

/// Answers one request; never fails (every problem is an HTTP answer).
pub(crate) async fn route(
    state: Arc<FakeState>,
    request: Request<Incoming>,
) -> Result<Response, Infallible> {
    let (parts, body) = request.into_parts();
    let body = match Limited::new(body, MAX_REQUEST_BODY_BYTES).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.is::<LengthLimitError>() => {
            let why = format!("the request body exceeds {MAX_REQUEST_BODY_BYTES} bytes");
            return Ok(handler::error(StatusCode::PAYLOAD_TOO_LARGE, &why));
        }
        Err(_) => {
            let why = "the request body broke off";
            return Ok(handler::error(StatusCode::BAD_REQUEST, why));
        }
    };
    if let Some(answer) = admin::answer(&state, &parts.method, parts.uri.path(), &body) {
        return Ok(answer);
    }
    let answer = match operation_id(&parts.method, parts.uri.path()) {
        Some(Ok(id)) => handler::update_provider_user(&state, &parts, &id, &body).await,
        Some(Err(why)) => handler::error(StatusCode::BAD_REQUEST, &why),
        // Another method on the operation's path (Upheal's GET of a
        // provider user) is a route the fake does not serve either.
        None => handler::not_routed(&state, &parts, &body).await,
    };
    Ok(answer)
}

/// The provider user id a request for the fragment's operation carries,
/// percent-decoded; `None` for any other request.
fn operation_id(method: &Method, path: &str) -> Option<Result<String, String>> {
    // Both are upper case (build.rs writes the method so); comparing text
    // spares parsing the fragment's method on every request.
    if method.as_str() != fragment::OPERATION_METHOD {
        return None;
    }
    let segment = path_parameter(fragment::OPERATION_PATH, path)?;
    Some(
        percent_encoding::percent_decode_str(segment)
            .decode_utf8()
            .map(|id| id.into_owned())
            .map_err(|_| format!("the path segment {segment:?} is not UTF-8 once decoded")),
    )
}

/// The raw path segment in place of `template`'s one `{parameter}`, when
/// `path` has the template's shape (a parameter is one non-empty segment).
fn path_parameter<'a>(template: &str, path: &'a str) -> Option<&'a str> {
    let mut wanted = template.split('/');
    let mut given = path.split('/');
    let mut parameter = None;
    loop {
        match (wanted.next(), given.next()) {
            (None, None) => return parameter,
            (Some(part), Some(segment)) if part.starts_with('{') && part.ends_with('}') => {
                if segment.is_empty() || parameter.is_some() {
                    return None;
                }
                parameter = Some(segment);
            }
            (Some(part), Some(segment)) if part == segment => {}
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::path_parameter;

    #[test]
    fn a_path_matches_the_template_with_one_non_empty_segment_in_place() {
        let template = "/users/providers/{providerUserId}";
        assert_eq!(
            path_parameter(template, "/users/providers/ext-1"),
            Some("ext-1")
        );
        assert_eq!(
            path_parameter(template, "/users/providers/a%2Fb"),
            Some("a%2Fb")
        );
        for other in [
            "/users/providers/",
            "/users/providers",
            "/users/providers/a/b",
            "/users/providers/a/",
            "/users/provider/a",
            "/__admin/users",
        ] {
            assert_eq!(path_parameter(template, other), None, "{other}");
        }
    }
}
