//! One log line per request: method, path, status, duration, the client's address (through trusted
//! proxies, as everywhere) and a request id. Never the query string (it carries authorization
//! parameters) and never a body.
//!
//! The request id is the `X-Request-Id` a trusted proxy sent (when it is a plain token), or a new
//! one; it is returned in `X-Request-Id`, and every line logged while the request is served carries
//! it (the `request` span), so one sign-in's lines can be found together. With traces on
//! (`crate::traces`), the span is exported too, named by method and route template, as a child of
//! the caller's `traceparent`; the log line then also names its `trace_id`.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

use crate::config::Config;
use crate::pages::address;
use crate::traces;

pub const REQUEST_ID: &str = "x-request-id";

pub async fn log_request(
    State(config): State<Arc<Config>>,
    request: Request,
    next: Next,
) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let (client, via_proxy) = address::of_request(&config, &request);
    let client = client.map(|ip| ip.to_string()).unwrap_or_default();
    let forwarded_id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|id| via_proxy && is_plain_token(id))
        .map(str::to_owned);
    let request_id = forwarded_id.unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        otel.kind = "server",
        http.request.method = %method,
        url.path = %path,
        http.response.status_code = tracing::field::Empty,
    );
    traces::continue_trace(&span, request.headers());
    let started = Instant::now();
    let mut response = next.run(request).instrument(span.clone()).await;
    let status = response.status().as_u16();
    let route = response
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str);
    traces::rename(&span, format!("{method} {route}"));
    span.record("http.response.status_code", status);
    let trace_id = traces::trace_id(&span).unwrap_or_default();
    let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    if status >= 500 {
        tracing::warn!(%method, %path, status, duration_ms, %client, %request_id, %trace_id, "request");
    } else {
        tracing::info!(%method, %path, status, duration_ms, %client, %request_id, %trace_id, "request");
    }
    response
}

/// 1–64 characters of letters, digits, `-`, `_`, `.`: nothing a log reader could mistake for more.
fn is_plain_token(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}
