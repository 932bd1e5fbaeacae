//! The admin JSON API under `/api/v1`, over the same service functions as the CLI and the console.
//! Callers present a bearer access token issued by tapid ([`auth::ApiCaller`]); errors are
//! `{"error", "message"}` bodies; `/api/openapi.json` describes every route.

pub mod auth;
mod body;
pub mod openapi;
mod passes;

use axum::Json;
use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::json;

use crate::state::AppState;

/// Every route of the API and its methods; the OpenAPI document must describe each (tested).
pub const ROUTES: &[(&str, &[&str])] = &[
    (
        "/api/v1/users/{id}/temporary-access-pass",
        &["get", "post", "delete"],
    ),
    ("/api/openapi.json", &["get"]),
];

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/users/{id}/temporary-access-pass",
            get(passes::pass_get)
                .post(passes::pass_post)
                .delete(passes::pass_delete)
                .fallback(method_not_allowed),
        )
        .route(
            "/api/openapi.json",
            get(openapi::document_get).fallback(method_not_allowed),
        )
}

/// The API's error body for a method a route does not serve.
async fn method_not_allowed() -> impl IntoResponse {
    (
        StatusCode::METHOD_NOT_ALLOWED,
        Json(json!({
            "error": "method_not_allowed",
            "message": "this route does not serve that method; see /api/openapi.json"
        })),
    )
}
