//! Where requests go, and the rule that keeps the API key off plain HTTP.

use std::net::IpAddr;

use url::{Host, Url};

use crate::errors::Error;

const FIELD: &str = "base_url";
/// Upheal's published production host: the fragment's `servers[0].url`.
pub const DEFAULT_BASE_URL: &str = crate::fragment::SERVER_URL;

/// Parses and normalises a base URL: `https` anywhere, `http` only to a
/// loopback host (the fake server, a local proxy) unless `allow_http` says
/// the caller accepts sending the key in clear text. A trailing `/` is
/// dropped because the generated code appends `/users/...` itself.
pub(crate) fn parse(text: &str, allow_http: bool) -> Result<String, Error> {
    let url = Url::parse(text)
        .map_err(|e| Error::invalid_setting(FIELD, format!("`{text}` is not a URL ({e})")))?;
    match url.scheme() {
        "https" => {}
        "http" if allow_http || is_loopback(&url) => {}
        "http" => {
            return Err(Error::invalid_setting(
                FIELD,
                format!(
                    "`{text}` uses plain http to a non-loopback host, which would send the API \
                     key in clear text; use https, or opt in with `allow_insecure_http(true)`"
                ),
            ));
        }
        other => {
            return Err(Error::invalid_setting(
                FIELD,
                format!("`{text}` has scheme `{other}`; only https (and http to loopback) work"),
            ));
        }
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::invalid_setting(
            FIELD,
            format!("`{text}` must not have a query or fragment"),
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::invalid_setting(
            FIELD,
            "must not carry credentials; the API key is set with `api_key`",
        ));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}
