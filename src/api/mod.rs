//! The admin JSON API under `/api/v1`, over the same service functions as the CLI and the console.

use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
}
