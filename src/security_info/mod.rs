//! The user's own methods: register, list, rename, remove. The only place a restricted (TAP) session may go.

use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
}
