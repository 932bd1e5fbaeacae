//! What every form and every script call of a page shares: the cross-site request checks, and
//! `Cache-Control: no-store` for pages that carry tokens and personal data.

use axum::http::{HeaderMap, HeaderValue, header};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::config::Config;
use crate::error::AppError;
use crate::secrets;

fn refused() -> AppError {
    AppError::Forbidden(
        "the form has expired or did not come from this site; please try again".into(),
    )
}

/// A form's CSRF token against the session's (`expected`), in constant time.
pub fn check_token(expected: &str, token: &str) -> Result<(), AppError> {
    if secrets::constant_time_eq(expected, token) {
        Ok(())
    } else {
        Err(refused())
    }
}

/// A POST is accepted only with the session's CSRF token (`expected`) and, when the browser says where
/// the form came from (`Origin`, `Sec-Fetch-Site`), only from this site.
pub fn check_form(
    config: &Config,
    headers: &HeaderMap,
    expected: &str,
    token: &str,
) -> Result<(), AppError> {
    // Under `Referrer-Policy: no-referrer` browsers send `Origin: null` with same-origin form
    // posts: that says nothing, so `Sec-Fetch-Site` and the token decide.
    if let Some(origin) = headers
        .get(header::ORIGIN)
        .filter(|o| o.as_bytes() != b"null")
    {
        let expected_origin = config.issuer.origin().origin().ascii_serialization();
        if origin.as_bytes() != expected_origin.as_bytes() {
            return Err(refused());
        }
    }
    if let Some(site) = headers.get("sec-fetch-site") {
        if !matches!(site.as_bytes(), b"same-origin" | b"none") {
            return Err(refused());
        }
    }
    check_token(expected, token)
}

/// A script's call: the same checks, with the token in the `X-CSRF-Token` header.
pub fn check_script(config: &Config, headers: &HeaderMap, expected: &str) -> Result<(), AppError> {
    let token = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    check_form(config, headers, expected, token)
}

/// Sign-in, security-info and console pages are never cached (they carry tokens and personal data).
pub fn no_store() -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))
}
