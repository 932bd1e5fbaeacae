//! One log line per request: method, path, status and duration. Never the query string (it carries
//! authorization parameters) and never a body.

use std::time::Instant;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

pub async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16();
    let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    if status >= 500 {
        tracing::warn!(%method, %path, status, duration_ms, "request");
    } else {
        tracing::info!(%method, %path, status, duration_ms, "request");
    }
    response
}
