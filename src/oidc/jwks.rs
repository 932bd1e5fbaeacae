//! `/jwks`: the public signing keys, including retired ones still in their grace period.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::error::OAuthError;
use super::keys;
use crate::state::AppState;

pub async fn jwks_get(State(state): State<AppState>) -> Result<Response, OAuthError> {
    let set = keys::jwks(&state).await?;
    let mut response = Json(set).into_response();
    // Short: a relying party that meets an unknown kid after a rotation fetches again anyway.
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/jwk-set+json"),
    );
    Ok(response)
}
