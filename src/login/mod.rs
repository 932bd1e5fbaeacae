//! Sign-in pages: identifier first (`/login`), then a choice (`/login/methods`) of passkey,
//! authenticator-app code (`/login/totp`) or Temporary Access Pass (`/login/tap`).
//!
//! What the pages show never depends on whether the username exists or what it has: the reasons go
//! to the audit trail.

pub mod complete;
pub mod flow;
pub mod guard;
mod identifier;
mod passkey;
mod tap;
pub mod throttle;
mod totp;

use axum::Router;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/login",
            get(identifier::login_get).post(identifier::login_post),
        )
        .route("/login/methods", get(identifier::methods_get))
        .route("/login/totp", get(totp::totp_get).post(totp::totp_post))
        .route("/login/tap", get(tap::tap_get).post(tap::tap_post))
        .route("/login/passkey/begin", post(passkey::begin))
        .route("/login/passkey/finish", post(passkey::finish))
        .layer(guard::no_store())
}

/// `303 See Other`: after a POST, the browser GETs the next page.
pub fn see_other(location: &str) -> Response {
    Redirect::to(location).into_response()
}
