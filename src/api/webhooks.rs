//! `/api/v1/webhooks…`: endpoints of the security team's event stream (admin only).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use super::auth::ApiCaller;
use super::body::JsonBody;
use crate::error::AppError;
use crate::state::AppState;
use crate::webhooks::endpoints::{self, Created, Endpoint, NewEndpoint};

pub async fn webhooks_get(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Vec<Endpoint>>, AppError> {
    Ok(Json(endpoints::list(&state.db, &caller.authority).await?))
}

pub async fn webhooks_post(
    State(state): State<AppState>,
    caller: ApiCaller,
    JsonBody(body): JsonBody<NewEndpoint>,
) -> Result<(StatusCode, Json<Created>), AppError> {
    let created = endpoints::create(&state.db, &state.sealer, &caller.authority, body).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

pub async fn webhook_get(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Endpoint>, AppError> {
    Ok(Json(
        endpoints::get(&state.db, &caller.authority, &id).await?,
    ))
}

pub async fn webhook_delete(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Endpoint>, AppError> {
    Ok(Json(
        endpoints::remove(&state.db, &caller.authority, &id).await?,
    ))
}
