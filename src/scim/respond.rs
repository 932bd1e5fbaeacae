//! What every SCIM handler shares: reading a JSON body, answering with `application/scim+json` and
//! an `ETag`, and checking `If-Match`.

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::CONTENT_TYPE;
use super::error::ScimError;
use super::resource::version;

/// Parses a request body as JSON, or refuses it with `invalidSyntax`.
pub fn json_body(body: &Bytes) -> Result<Value, ScimError> {
    serde_json::from_slice(body)
        .map_err(|_| ScimError::invalid_syntax("the body is not valid JSON"))
}

/// A SCIM answer: the status, the JSON, and for a single resource its `ETag` (and `Location` when
/// created).
pub fn resource(status: StatusCode, body: Value) -> Response {
    let etag = version(&body);
    let location = body["meta"]["location"].as_str().map(str::to_string);
    let mut response = document(status, &body);
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&etag) {
        if !etag.is_empty() {
            headers.insert(header::ETAG, value);
        }
    }
    if status == StatusCode::CREATED {
        if let Some(value) = location.and_then(|l| HeaderValue::from_str(&l).ok()) {
            headers.insert(header::LOCATION, value);
        }
    }
    response
}

/// Any SCIM JSON document.
pub fn document(status: StatusCode, body: &Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    response
}

fn opaque(tag: &str) -> &str {
    tag.trim().trim_start_matches("W/")
}

/// Refuses the request with 412 unless `If-Match` is absent, `*`, or names the current version.
pub fn check_if_match(headers: &HeaderMap, current: &Value) -> Result<(), ScimError> {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Ok(());
    };
    let value = value
        .to_str()
        .map_err(|_| ScimError::invalid_syntax("If-Match is not readable"))?;
    let now = version(current);
    let matches = value
        .split(',')
        .any(|tag| tag.trim() == "*" || opaque(tag) == opaque(&now));
    if matches {
        Ok(())
    } else {
        Err(ScimError::precondition_failed())
    }
}

/// Answers 304 when `If-None-Match` names the current version.
pub fn not_modified(headers: &HeaderMap, current: &Value) -> Option<Response> {
    let value = headers.get(header::IF_NONE_MATCH)?.to_str().ok()?;
    let now = version(current);
    value
        .split(',')
        .any(|tag| opaque(tag) == opaque(&now))
        .then(|| {
            let mut response = StatusCode::NOT_MODIFIED.into_response();
            if let Ok(v) = HeaderValue::from_str(&now) {
                response.headers_mut().insert(header::ETAG, v);
            }
            response
        })
}
