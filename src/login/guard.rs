//! What every sign-in and security-info form shares: the client's address, the cross-site request
//! checks, and `Cache-Control: no-store`.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::error::AppError;
use crate::session::Session;
use crate::state::AppState;

/// The address a request came from, as recorded in the audit trail and used for throttling.
#[derive(Clone, Debug)]
pub struct ClientAddress(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(addr)| addr.ip().to_string()),
        ))
    }
}

/// A POST is accepted only with this session's CSRF token and, when the browser says where the form
/// came from (`Origin`, `Sec-Fetch-Site`), only from this site.
pub fn check_form(
    state: &AppState,
    headers: &HeaderMap,
    session: &Session,
    token: &str,
) -> Result<(), AppError> {
    let refused = || {
        AppError::Forbidden(
            "the form has expired or did not come from this site; please try again".into(),
        )
    };
    // Under `Referrer-Policy: no-referrer` browsers send `Origin: null` with same-origin form
    // posts: that says nothing, so `Sec-Fetch-Site` and the token decide.
    if let Some(origin) = headers
        .get(header::ORIGIN)
        .filter(|o| o.as_bytes() != b"null")
    {
        let expected = state.config.issuer.origin().origin().ascii_serialization();
        if origin.as_bytes() != expected.as_bytes() {
            return Err(refused());
        }
    }
    if let Some(site) = headers.get("sec-fetch-site") {
        if !matches!(site.as_bytes(), b"same-origin" | b"none") {
            return Err(refused());
        }
    }
    session.verify_csrf(token)
}

/// Sign-in and security-info pages are never cached (they carry tokens and personal data).
pub fn no_store() -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))
}
