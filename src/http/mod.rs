//! The HTTP surface: each area contributes a router; `app` merges them and adds the layers every
//! response needs.

mod body_deadline;
mod browser_errors;
pub mod connections;
mod cors;
mod headers;
mod health;
mod input;
mod limits;
mod logging;

use axum::Router;
use axum::middleware;
use tower_http::limit::RequestBodyLimitLayer;

use crate::state::AppState;

/// Largest request body accepted anywhere (forms, token requests, API calls).
const MAX_BODY_BYTES: usize = 64 * 1024;

pub fn app(state: AppState) -> Router {
    let metrics = state.metrics.clone();
    Router::new()
        .merge(health::router())
        .merge(crate::pages::router::<AppState>(&state.config.brand))
        .merge(
            crate::oidc::browser_router()
                .layer(middleware::from_fn_with_state(
                    state.oidc.clone(),
                    cors::cors,
                ))
                .with_state(state.oidc.clone()),
        )
        .merge(crate::oidc::router().with_state(state.oidc.clone()))
        .merge(crate::login::router())
        .merge(crate::security_info::router())
        .merge(crate::reveal::router())
        .merge(crate::api::router())
        .merge(crate::scim::router())
        .merge(crate::admin::router())
        .route_layer(middleware::from_fn(crate::metrics::http::route_template))
        .fallback(not_found)
        .layer(middleware::from_fn(browser_errors::browser_errors))
        .layer(middleware::from_fn(input::reject_control_characters))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(middleware::from_fn(limits::limit_request_size))
        .layer(middleware::from_fn(headers::security_headers))
        .layer(middleware::from_fn_with_state(
            state.config.clone(),
            logging::log_request,
        ))
        .layer(middleware::from_fn_with_state(
            metrics,
            crate::metrics::http::track,
        ))
        .with_state(state)
}

async fn not_found() -> crate::error::AppError {
    crate::error::AppError::NotFound("There is no page at this address.".into())
}
