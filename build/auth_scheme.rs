//! How the operation carries the API key, read from the fragment's
//! `security` and `components.securitySchemes`: the client sends the key
//! that way, the fake server checks it that way, and both redact that
//! header. A scheme the client cannot follow stops the build with its
//! location, so a scheme change can never build green and then send the
//! key where the server no longer reads it.

use serde_json::Value;

/// The header that carries the key and the text before the key in it.
pub struct AuthScheme {
    /// The header's name, lower case (HTTP header names are case-insensitive).
    pub header: String,
    /// `"Bearer "` for HTTP bearer auth, empty for an API key header.
    pub prefix: String,
    /// The scheme's name in `components.securitySchemes`.
    pub name: String,
}

/// The operation's scheme (its own `security`, else the document's), or
/// located messages saying why the client cannot follow it.
pub fn auth_scheme(spec: &Value, operation: &Value, at: &str) -> Result<AuthScheme, String> {
    let (requirements, where_) = match operation.get("security") {
        Some(own) => (own, format!("{at}.security")),
        None => (&spec["security"], "security".to_owned()),
    };
    let only_one = requirements
        .as_array()
        .filter(|alternatives| alternatives.len() == 1)
        .and_then(|alternatives| alternatives[0].as_object())
        .filter(|schemes| schemes.len() == 1);
    let Some(requirement) = only_one else {
        return Err(refusal(
            &where_,
            "must name exactly one security scheme (the client sends one API key one way; \
             no security, alternatives or combined schemes cannot be followed)",
        ));
    };
    let name = requirement.keys().next().expect("one scheme").clone();
    let scheme_at = format!("components.securitySchemes.{name}");
    let scheme = spec
        .pointer(&format!("/components/securitySchemes/{name}"))
        .ok_or_else(|| {
            refusal(
                &where_,
                &format!("names `{name}`, but `{scheme_at}` is missing"),
            )
        })?;
    let kind = scheme["type"].as_str().unwrap_or_default();
    match kind {
        "http"
            if scheme["scheme"]
                .as_str()
                .is_some_and(|s| s.eq_ignore_ascii_case("bearer")) =>
        {
            Ok(AuthScheme {
                header: "authorization".to_owned(),
                prefix: "Bearer ".to_owned(),
                name,
            })
        }
        "apiKey" if scheme["in"] == "header" => {
            let header = scheme["name"].as_str().unwrap_or_default();
            let valid = !header.is_empty()
                && header
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
            if !valid {
                return Err(refusal(
                    &format!("{scheme_at}.name"),
                    &format!("`{header}` is not an HTTP header name"),
                ));
            }
            Ok(AuthScheme {
                header: header.to_ascii_lowercase(),
                prefix: String::new(),
                name,
            })
        }
        _ => Err(refusal(
            &scheme_at,
            &format!(
                "is {}: the client sends the key only as HTTP bearer auth or as an API key in \
                 a header",
                describe(scheme)
            ),
        )),
    }
}

fn describe(scheme: &Value) -> String {
    match (
        scheme["type"].as_str(),
        scheme["scheme"].as_str(),
        scheme["in"].as_str(),
    ) {
        (Some("http"), Some(how), _) => format!("HTTP `{how}` auth"),
        (Some("apiKey"), _, Some(place)) => format!("an API key in the {place}"),
        (Some(other), ..) => format!("of type `{other}`"),
        (None, ..) => "of no type".to_owned(),
    }
}

fn refusal(at: &str, what: &str) -> String {
    format!(
        "`{at}` {what}. Teach src/call/client_builder.rs (`default_headers`) and the fake \
         (src/fake/handler.rs, `admit`) the new way, then build/auth_scheme.rs; a key sent \
         another way is a major change (a server that reads the old way refuses every call)"
    )
}
