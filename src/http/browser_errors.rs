//! A 404 or 405 that reaches a person's browser is a readable page with a way back, not the JSON a
//! script gets; so is a form the page's handler could not even read (the framework's plain-text
//! refusal, which quotes field names and internals). API clients keep JSON (and the protocol's own
//! form): requests under `/api/` and `/scim/`, the protocol's machine endpoints, and anything that
//! does not ask for HTML.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::pages::error::page;

/// Paths whose callers are programs, whatever they send as `Accept`.
const MACHINE_PREFIXES: &[&str] = &["/api/", "/scim/", "/.well-known/"];
const MACHINE_PATHS: &[&str] = &["/token", "/userinfo", "/revoke", "/introspect", "/jwks"];

/// Whether the request comes from a person's browser: it asks for HTML before JSON, for a path that
/// people open.
pub fn wants_page(path: &str, headers: &HeaderMap) -> bool {
    if MACHINE_PREFIXES.iter().any(|p| path.starts_with(p))
        || MACHINE_PATHS.contains(&path)
        || path == "/api"
        || path == "/scim"
    {
        return false;
    }
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    match (accept.find("text/html"), accept.find("application/json")) {
        (Some(html), Some(json)) => html < json,
        (Some(_), None) => true,
        _ => false,
    }
}

fn content_type(response: &Response) -> &str {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

pub async fn browser_errors(request: Request<Body>, next: Next) -> Response {
    let wants_page = wants_page(request.uri().path(), request.headers());
    let response = next.run(request).await;
    let status = response.status();
    let kind = content_type(&response);
    if !wants_page || kind.starts_with("text/html") {
        return response;
    }
    let plain = kind.is_empty() || kind.starts_with("text/plain");
    let (title, message) = match status {
        StatusCode::NOT_FOUND => (
            "Page not found",
            "There is no page at this address. Check the link, or go back to where you came from.",
        ),
        StatusCode::METHOD_NOT_ALLOWED => (
            "This page cannot do that",
            "This address exists, but not for what the browser just asked of it (a form sent to a \
             page that only shows, for example). Go back and try again from the page itself.",
        ),
        StatusCode::BAD_REQUEST
        | StatusCode::UNPROCESSABLE_ENTITY
        | StatusCode::UNSUPPORTED_MEDIA_TYPE
        | StatusCode::PAYLOAD_TOO_LARGE
            if plain =>
        {
            (
                "That did not work",
                "The page sent something this address cannot read: the form may have changed on \
                 the way, or be from an older version of the page. Go back, reload the page and try \
                 again.",
            )
        }
        _ => return response,
    };
    let mut shown = page(status, title, message.into());
    if let Some(allow) = response.headers().get(header::ALLOW) {
        shown.headers_mut().insert(header::ALLOW, allow.clone());
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn accepting(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn a_browser_navigation_wants_a_page_and_a_script_wants_json() {
        let browser = accepting("text/html,application/xhtml+xml,*/*;q=0.8");
        assert!(wants_page("/nowhere", &browser));
        assert!(!wants_page("/api/v1/nowhere", &browser));
        assert!(!wants_page("/scim/v2/Nowhere", &browser));
        assert!(!wants_page("/token", &browser));
        assert!(!wants_page("/nowhere", &accepting("application/json")));
        assert!(!wants_page(
            "/nowhere",
            &accepting("application/json, text/html")
        ));
        assert!(!wants_page("/nowhere", &HeaderMap::new()));
    }
}
