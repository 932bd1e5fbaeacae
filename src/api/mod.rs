//! The admin JSON API under `/api/v1`, over the same service functions as the console
//! (`admin::service`) and the CLI. Callers present a bearer access token issued by tapid
//! ([`auth::ApiCaller`]); errors are `{"error", "message"}` bodies; `/api/openapi.json` describes every
//! route.

mod audit;
pub mod auth;
mod body;
mod clients;
mod groups;
pub mod openapi;
mod passes;
mod passes_bulk;
mod policy;
mod users;
mod webhooks;

use axum::Json;
use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{MethodRouter, get};
use serde_json::json;

use crate::state::AppState;

/// Every route of the API and its methods; the OpenAPI document must describe each (tested).
pub const ROUTES: &[(&str, &[&str])] = &[
    ("/api/v1/users", &["get", "post"]),
    ("/api/v1/users/{id}", &["get", "patch", "delete"]),
    ("/api/v1/users/{id}/methods", &["get", "delete"]),
    ("/api/v1/users/{id}/methods/{method_id}", &["delete"]),
    ("/api/v1/users/{id}/sessions", &["delete"]),
    (
        "/api/v1/users/{id}/temporary-access-pass",
        &["get", "post", "delete"],
    ),
    (
        "/api/v1/users/{id}/temporary-access-pass/reveal-link",
        &["delete"],
    ),
    ("/api/v1/temporary-access-passes/bulk", &["post"]),
    ("/api/v1/groups", &["get", "post"]),
    ("/api/v1/groups/{id}", &["get", "delete"]),
    ("/api/v1/groups/{id}/members/{user_id}", &["put", "delete"]),
    ("/api/v1/clients", &["get", "post"]),
    ("/api/v1/clients/{id}", &["get", "patch", "delete"]),
    ("/api/v1/policy", &["get", "patch"]),
    ("/api/v1/audit-events", &["get"]),
    ("/api/v1/webhooks", &["get", "post"]),
    ("/api/v1/webhooks/{id}", &["get", "delete"]),
    ("/api/openapi.json", &["get"]),
];

fn route(methods: MethodRouter<AppState>) -> MethodRouter<AppState> {
    methods.fallback(method_not_allowed)
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/users",
            route(get(users::users_get).post(users::users_post)),
        )
        .route(
            "/api/v1/users/{id}",
            route(
                get(users::user_get)
                    .patch(users::user_patch)
                    .delete(users::user_delete),
            ),
        )
        .route(
            "/api/v1/users/{id}/methods",
            route(get(users::methods_get).delete(users::methods_delete)),
        )
        .route(
            "/api/v1/users/{id}/sessions",
            route(axum::routing::delete(users::sessions_delete)),
        )
        .route(
            "/api/v1/users/{id}/methods/{method_id}",
            route(axum::routing::delete(users::method_delete)),
        )
        .route(
            "/api/v1/users/{id}/temporary-access-pass",
            route(
                get(passes::pass_get)
                    .post(passes::pass_post)
                    .delete(passes::pass_delete),
            ),
        )
        .route(
            "/api/v1/users/{id}/temporary-access-pass/reveal-link",
            route(axum::routing::delete(passes::link_delete)),
        )
        .route(
            "/api/v1/temporary-access-passes/bulk",
            route(axum::routing::post(passes_bulk::bulk_post)),
        )
        .route(
            "/api/v1/groups",
            route(get(groups::groups_get).post(groups::groups_post)),
        )
        .route(
            "/api/v1/groups/{id}",
            route(get(groups::group_get).delete(groups::group_delete)),
        )
        .route(
            "/api/v1/groups/{id}/members/{user_id}",
            route(axum::routing::put(groups::member_put).delete(groups::member_delete)),
        )
        .route(
            "/api/v1/clients",
            route(get(clients::clients_get).post(clients::clients_post)),
        )
        .route(
            "/api/v1/clients/{id}",
            route(
                get(clients::client_get)
                    .patch(clients::client_patch)
                    .delete(clients::client_delete),
            ),
        )
        .route(
            "/api/v1/policy",
            route(get(policy::policy_get).patch(policy::policy_patch)),
        )
        .route("/api/v1/audit-events", route(get(audit::events_get)))
        .route(
            "/api/v1/webhooks",
            route(get(webhooks::webhooks_get).post(webhooks::webhooks_post)),
        )
        .route(
            "/api/v1/webhooks/{id}",
            route(get(webhooks::webhook_get).delete(webhooks::webhook_delete)),
        )
        .route("/api/openapi.json", route(get(openapi::document_get)))
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
