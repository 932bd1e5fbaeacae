//! Sign-in pages: identifier first, then passkey, authenticator-app code or Temporary Access Pass.

use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
}
