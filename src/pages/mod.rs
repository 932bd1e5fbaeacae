//! What every server-rendered page shares, below every page family (sign-in, security info, console)
//! and the protocol's own pages: the redirect after a form ([`see_other`]), the sign-in flow parameters
//! ([`flow`]), the form checks and `no-store` ([`form`]), the client's address ([`address`]), the one
//! error page ([`error`]), times in the reader's zone ([`time`]), and the embedded stylesheet (its colour
//! schemes checked in [`palette`]), the deployment's brand stylesheet and the scripts.
//!
//! Nothing here knows the session, the protocol or any page family: they all build on this.

pub mod address;
pub mod application;
pub mod error;
pub mod flow;
pub mod form;
mod forwarded;
#[cfg(test)]
mod palette;
pub mod time;

use std::sync::Arc;

use axum::Router;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

use crate::config::BrandSettings;

pub use address::ClientAddress;
pub use application::Application;
pub use error::{ErrorView, PageError};
pub use flow::{Flow, FlowParams};

/// The Content-Security-Policy of every response (set by the HTTP layer, below every page).
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     connect-src 'self'; form-action 'self' https: http://localhost:* http://127.0.0.1:*; \
     frame-ancestors 'none'; base-uri 'none'";

/// The policy of a page that frames these origins (the signed-out page's front-channel logout frames).
pub fn csp_with_frames(origins: &[String]) -> String {
    format!("{CSP}; frame-src {}", origins.join(" "))
}

const STYLESHEET: &str = include_str!("../../static/tapid.css");
const SCRIPT: &str = include_str!("../../static/tapid.js");
const TIME_SCRIPT: &str = include_str!("../../static/time.js");

/// The embedded assets, and `/static/brand.css`: the deployment's brand (`brand.*`), built once at start
/// and linked from every page after tapid's own stylesheet (empty when nothing is branded).
pub fn router<S: Clone + Send + Sync + 'static>(brand: &BrandSettings) -> Router<S> {
    let brand_css: Arc<str> = brand.stylesheet_text().into();
    Router::new()
        .route("/static/tapid.css", get(stylesheet))
        .route(
            "/static/brand.css",
            get(move || brand_stylesheet(brand_css)),
        )
        .route("/static/tapid.js", get(script))
        .route("/static/time.js", get(time_script))
}

async fn brand_stylesheet(css: Arc<str>) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        css.to_string(),
    )
}

async fn stylesheet() -> impl IntoResponse {
    asset("text/css; charset=utf-8", STYLESHEET)
}

async fn script() -> impl IntoResponse {
    asset("text/javascript; charset=utf-8", SCRIPT)
}

async fn time_script() -> impl IntoResponse {
    asset("text/javascript; charset=utf-8", TIME_SCRIPT)
}

fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
}

/// `303 See Other`: after a POST, the browser GETs the next page.
pub fn see_other(location: &str) -> Response {
    Redirect::to(location).into_response()
}
