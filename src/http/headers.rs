//! Security headers on every response.

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     connect-src 'self'; form-action 'self' https: http://localhost:* http://127.0.0.1:*; \
     frame-ancestors 'none'; base-uri 'none'";

/// The policy of a page that frames these origins (the signed-out page's front-channel logout frames).
pub fn csp_with_frames(origins: &[String]) -> String {
    format!("{CSP}; frame-src {}", origins.join(" "))
}

pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let mut set = |name: HeaderName, value: &'static str| {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    };
    set(header::CONTENT_SECURITY_POLICY, CSP);
    set(header::X_FRAME_OPTIONS, "DENY");
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    // Nothing leaves for other sites (authorization URLs carry state and codes), while same-origin
    // form posts keep a real `Origin` header for the cross-site checks.
    set(header::REFERRER_POLICY, "same-origin");
    set(
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    response
}
