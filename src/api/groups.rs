//! `/api/v1/groups…`: groups and memberships.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::auth::ApiCaller;
use super::body::JsonBody;
use crate::admin::service::groups::{self, GroupDetail};
use crate::admin::service::users;
use crate::directory::Group;
use crate::error::AppError;
use crate::state::AppState;

pub async fn groups_get(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Vec<Group>>, AppError> {
    Ok(Json(groups::list(&state.db, &caller.authority).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateBody {
    name: String,
}

pub async fn groups_post(
    State(state): State<AppState>,
    caller: ApiCaller,
    JsonBody(body): JsonBody<CreateBody>,
) -> Result<(StatusCode, Json<Group>), AppError> {
    let group = groups::create(&state.db, &caller.authority, &body.name).await?;
    Ok((StatusCode::CREATED, Json(group)))
}

pub async fn group_get(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<GroupDetail>, AppError> {
    Ok(Json(groups::get(&state.db, &caller.authority, &id).await?))
}

pub async fn group_delete(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Group>, AppError> {
    Ok(Json(
        groups::remove(&state.db, &caller.authority, &id).await?,
    ))
}

#[derive(Serialize)]
pub struct Membership {
    group_id: String,
    user_id: String,
    member: bool,
    changed: bool,
}

async fn membership(
    state: &AppState,
    caller: &ApiCaller,
    group_id: String,
    user_id: String,
    member: bool,
) -> Result<Json<Membership>, AppError> {
    let user = users::get(&state.db, &caller.authority, &user_id).await?;
    let changed =
        groups::set_member(&state.db, &caller.authority, &group_id, &user, member).await?;
    Ok(Json(Membership {
        group_id,
        user_id,
        member,
        changed,
    }))
}

pub async fn member_put(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path((group_id, user_id)): Path<(String, String)>,
) -> Result<Json<Membership>, AppError> {
    membership(&state, &caller, group_id, user_id, true).await
}

pub async fn member_delete(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path((group_id, user_id)): Path<(String, String)>,
) -> Result<Json<Membership>, AppError> {
    membership(&state, &caller, group_id, user_id, false).await
}
