//! Administration: the service functions that enforce who may do what ([`service`]), shared by the
//! admin console at `/admin` and the JSON API under `/api/v1`.

pub mod service;

use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
}
