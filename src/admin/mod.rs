//! Administration: the console at `/admin` (server-rendered pages, one file per page family) and the
//! service functions ([`service`]) that enforce who may do what, shared with the JSON API under
//! `/api/v1`. The console asks for a passkey sign-in (`phr`) and the admin or helpdesk role
//! ([`guard`]); every form carries the session's CSRF token and is checked for this site's Origin.

mod audit;
mod bulk;
mod clients;
mod form;
mod groups;
pub mod guard;
mod methods;
mod passes;
mod policy;
mod sentences;
pub mod service;
mod shown_once;
mod user_list;
mod users;
mod views;
mod webhooks;

use axum::Router;
use axum::response::Redirect;
use axum::routing::{get, post};

use crate::pages::form::no_store;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin", get(|| async { Redirect::to("/admin/users") }))
        .route(
            "/admin/users",
            get(user_list::users_get).post(users::users_post),
        )
        .route("/admin/users/new", get(users::new_user_get))
        .route(
            "/admin/users/{id}",
            get(users::user_get).post(users::user_post),
        )
        .route(
            "/admin/users/{id}/pass",
            get(passes::issue_get).post(passes::issue_post),
        )
        .route("/admin/users/{id}/pass/issued", get(passes::issued_get))
        .route("/admin/users/{id}/pass/revoke", post(passes::revoke_post))
        .route(
            "/admin/passes/bulk",
            get(bulk::bulk_get).post(bulk::bulk_post),
        )
        .route("/admin/passes/bulk/confirm", post(bulk::confirm_post))
        .route("/admin/users/{id}/sign-out", post(users::sign_out_post))
        .route(
            "/admin/users/{id}/methods/remove",
            get(methods::remove_get).post(methods::remove_post),
        )
        .route(
            "/admin/groups",
            get(groups::groups_get).post(groups::groups_post),
        )
        .route("/admin/groups/{id}", get(groups::group_get))
        .route("/admin/groups/{id}/members", post(groups::members_post))
        .route("/admin/groups/{id}/remove", post(groups::group_remove_post))
        .route(
            "/admin/clients",
            get(clients::clients_get).post(clients::clients_post),
        )
        .route(
            "/admin/clients/{id}",
            get(clients::client_get).post(clients::client_post),
        )
        .route("/admin/clients/{id}/secret", get(clients::secret_get))
        .route(
            "/admin/clients/{id}/remove",
            post(clients::client_remove_post),
        )
        .route(
            "/admin/policy",
            get(policy::policy_get).post(policy::policy_post),
        )
        .route("/admin/audit", get(audit::audit_get))
        .route("/admin/audit/export", get(audit::export_get))
        .route(
            "/admin/webhooks",
            get(webhooks::webhooks_get).post(webhooks::webhooks_post),
        )
        .route("/admin/webhooks/{id}/secret", get(webhooks::secret_get))
        .route(
            "/admin/webhooks/{id}/remove",
            post(webhooks::webhook_remove_post),
        )
        .layer(no_store())
}
