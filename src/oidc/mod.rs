//! The OpenID Connect provider: one file per endpoint, grants/ with one file per grant type.

use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
}
