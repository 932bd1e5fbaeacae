//! Text that no input of tapid's has a use for is refused at the edge, before any handler or the
//! database sees it: a NUL byte anywhere (PostgreSQL cannot store one in text, and nothing typed has
//! one), and other control characters in the path or query (ids, search strings, protocol
//! parameters). Bodies may hold tabs and line breaks (lists of redirect URIs are typed one a line),
//! no other control character.
//!
//! The refusal comes in the form of the part of tapid that was asked: a 404 when the path itself is
//! unusable (it names nothing), otherwise a 400 — OAuth's `{"error","error_description"}` from the
//! protocol's back-channel endpoints, the API's `{"error","message"}` under `/api`, a page elsewhere.

use axum::Json;
use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::oidc::error::OAuthError;
use crate::pages::ErrorView;

/// The most a body may hold; the body limit layer outside refuses more first.
const MAX_BODY: usize = 1 << 20;

pub async fn reject_control_characters(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    if decoded(&path).is_some_and(|p| p.chars().any(is_control)) {
        return refuse(&path, StatusCode::NOT_FOUND);
    }
    if let Some(query) = request.uri().query() {
        let bad = url::form_urlencoded::parse(query.as_bytes())
            .any(|(k, v)| k.chars().any(is_control) || v.chars().any(is_control));
        if bad {
            return refuse(&path, StatusCode::BAD_REQUEST);
        }
    }
    if !may_have_body(&request) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let bytes = match to_bytes(body, MAX_BODY).await {
        Ok(bytes) => bytes,
        Err(e) if super::body_deadline::is_body_timeout(&e) => {
            return (
                StatusCode::REQUEST_TIMEOUT,
                "the request body did not arrive in time",
            )
                .into_response();
        }
        Err(_) => return (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response(),
    };
    let form = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if body_is_hostile(&bytes, form) {
        return refuse(&path, StatusCode::BAD_REQUEST);
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

fn may_have_body(request: &Request) -> bool {
    !matches!(
        *request.method(),
        axum::http::Method::GET | axum::http::Method::HEAD | axum::http::Method::OPTIONS
    )
}

/// Controls no path or query value has a use for: all of C0, DEL, and C1.
fn is_control(c: char) -> bool {
    c.is_control()
}

/// Controls no body has a use for: all but tab, line feed and carriage return.
fn is_body_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

fn decoded(path: &str) -> Option<String> {
    percent_decode(path.as_bytes()).map(|b| String::from_utf8_lossy(&b).into_owned())
}

fn percent_decode(input: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        if input[i] == b'%' && i + 2 < input.len() {
            let hex = std::str::from_utf8(&input[i + 1..i + 3]).ok()?;
            match u8::from_str_radix(hex, 16) {
                Ok(byte) => {
                    out.push(byte);
                    i += 3;
                    continue;
                }
                Err(_) => out.push(b'%'),
            }
        } else {
            out.push(input[i]);
        }
        i += 1;
    }
    Some(out)
}

/// A NUL or a stray control character in a body: raw, percent-encoded (forms) or escaped (JSON).
fn body_is_hostile(bytes: &[u8], form: bool) -> bool {
    let text = String::from_utf8_lossy(bytes);
    if text.chars().any(is_body_control) {
        return true;
    }
    if form {
        return url::form_urlencoded::parse(bytes)
            .any(|(k, v)| k.chars().any(is_body_control) || v.chars().any(is_body_control));
    }
    // JSON writes a control character as \u00XX (or \u007F); a body that is not JSON is its
    // handler's to refuse, and holds no raw control character by now.
    let lower = text.to_ascii_lowercase();
    lower.match_indices("\\u00").any(|(at, _)| {
        let escaped_backslash =
            lower[..at].chars().rev().take_while(|&c| c == '\\').count() % 2 == 1;
        let code = lower
            .get(at + 4..at + 6)
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        !escaped_backslash && code.is_some_and(|c| is_body_control(char::from(c)))
    })
}

/// The protocol's back-channel endpoints: they answer OAuth errors.
fn is_oauth_endpoint(path: &str) -> bool {
    matches!(path, "/token" | "/revoke" | "/introspect" | "/userinfo")
}

fn refuse(path: &str, status: StatusCode) -> Response {
    let what = if status == StatusCode::NOT_FOUND {
        "the address holds a character that no name or id can hold"
    } else {
        "the request holds a control character (such as NUL) that no input accepts"
    };
    let mut response = if is_oauth_endpoint(path) {
        let mut response = OAuthError::invalid_request(what).into_response();
        *response.status_mut() = status;
        response
    } else if path.starts_with("/api/") {
        let code = if status == StatusCode::NOT_FOUND {
            "not_found"
        } else {
            "invalid_request"
        };
        (status, Json(json!({ "error": code, "message": what }))).into_response()
    } else {
        let title = if status == StatusCode::NOT_FOUND {
            "Not found"
        } else {
            "That did not work"
        };
        let view = ErrorView {
            title: title.into(),
            message: what.into(),
        };
        (status, view).into_response()
    };
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_and_controls_are_found_however_they_are_written() {
        assert!(body_is_hostile(b"name=%00", true));
        assert!(body_is_hostile(b"name=a%01b", true));
        assert!(!body_is_hostile(b"uris=a%0D%0Ab", true));
        assert!(body_is_hostile(br#"{"name":"\u0000"}"#, false));
        assert!(body_is_hostile(br#"{"name":"\u001B"}"#, false));
        assert!(!body_is_hostile(br#"{"name":"\\u0000"}"#, false));
        assert!(!body_is_hostile(br#"{"name":"line\nbreak \u00e9"}"#, false));
        assert!(body_is_hostile(b"raw\0nul", false));
        assert_eq!(decoded("/api/v1/users/%00").unwrap(), "/api/v1/users/\0");
        assert_eq!(decoded("/a%zz%4").unwrap(), "/a%zz%4");
    }
}
