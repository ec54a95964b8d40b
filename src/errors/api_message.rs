//! The API's own words in an error body: what a program can show a person
//! or match on, without parsing a body format Upheal does not publish.

use serde_json::Value;

/// The most characters of the API's message an error keeps: a message, not
/// a document.
pub(crate) const MAX_API_MESSAGE_CHARS: usize = 300;

/// The fields a JSON error body commonly carries its message in, in the
/// order they are tried (`{"message": …}`, `{"error": …}`, RFC 9457's
/// `detail` and `title`).
const MESSAGE_FIELDS: [&str; 4] = ["message", "error", "detail", "title"];

/// The message in `body`: a JSON object's first string among
/// [`MESSAGE_FIELDS`] (also `{"error": {"message": …}}`), else a short body
/// of plain text (one line, not JSON, not HTML). Bounded to
/// [`MAX_API_MESSAGE_CHARS`].
pub(crate) fn api_message(body: &str) -> Option<String> {
    let body = body.trim();
    let message = match serde_json::from_str::<Value>(body) {
        Ok(Value::Object(object)) => {
            MESSAGE_FIELDS
                .iter()
                .find_map(|field| match object.get(*field)? {
                    Value::String(text) => Some(text.clone()),
                    Value::Object(inner) => inner.get("message")?.as_str().map(str::to_owned),
                    _ => None,
                })?
        }
        Ok(_) => return None,
        Err(_) if looks_like_plain_text(body) => body.to_owned(),
        Err(_) => return None,
    };
    let message = message.trim();
    (!message.is_empty()).then(|| message.chars().take(MAX_API_MESSAGE_CHARS).collect())
}

fn looks_like_plain_text(body: &str) -> bool {
    !body.is_empty()
        && !body.starts_with('<')
        && !body.contains('\n')
        && body.chars().count() <= MAX_API_MESSAGE_CHARS
}

#[cfg(test)]
mod tests {
    use super::{MAX_API_MESSAGE_CHARS, api_message};

    #[test]
    fn the_message_is_found_where_apis_put_it() {
        let cases = [
            (r#"{"statusCode":400,"message":"bad npi"}"#, Some("bad npi")),
            (r#"{"error":"nope"}"#, Some("nope")),
            (r#"{"error":{"code":7,"message":"inner"}}"#, Some("inner")),
            (r#"{"type":"x","title":"T","detail":"D"}"#, Some("D")),
            (r#"{"statusCode":400}"#, None),
            ("Service Unavailable", Some("Service Unavailable")),
            ("<html><body>502</body></html>", None),
            ("[1,2]", None),
            ("", None),
        ];
        for (body, expected) in cases {
            assert_eq!(api_message(body).as_deref(), expected, "{body}");
        }
        let long = format!(r#"{{"message":"{}"}}"#, "x".repeat(10_000));
        assert_eq!(api_message(&long).unwrap().len(), MAX_API_MESSAGE_CHARS);
    }
}
