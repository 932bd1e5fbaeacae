//! `/api/v1/users…`: find, read, create, change and remove users; their methods (the lost-phone flow).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::auth::ApiCaller;
use super::body::{ApiQuery, JsonBody, present};
use crate::admin::service::users::{UserDetail, UserEdit, UserInput, UserPage, UserQuery};
use crate::admin::service::{self, methods, users};
use crate::directory::{Role, User};
use crate::error::AppError;
use crate::methods::Method;
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    search: Option<String>,
    /// `admin`, `helpdesk` or `none`.
    role: Option<String>,
    enabled: Option<bool>,
    usable_pass: Option<bool>,
    has_methods: Option<bool>,
    limit: Option<i64>,
    offset: Option<i64>,
}

pub async fn users_get(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<UserPage>, AppError> {
    let limit = service::page_size(query.limit, 50);
    let filter = UserQuery {
        search: query.search,
        role: query.role.as_deref().map(str::parse).transpose()?,
        enabled: query.enabled,
        usable_pass: query.usable_pass,
        has_methods: query.has_methods,
    };
    let page = users::list(
        &state.db,
        &caller.authority,
        &filter,
        limit,
        query.offset.unwrap_or(0),
    )
    .await?;
    Ok(Json(page))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateBody {
    username: String,
    display_name: Option<String>,
    email: Option<String>,
    #[serde(default)]
    email_verified: bool,
    #[serde(default)]
    roles: Vec<Role>,
    #[serde(default)]
    groups: Vec<String>,
}

pub async fn users_post(
    State(state): State<AppState>,
    caller: ApiCaller,
    JsonBody(body): JsonBody<CreateBody>,
) -> Result<(StatusCode, Json<User>), AppError> {
    let input = UserInput {
        username: body.username,
        display_name: body.display_name,
        email: body.email,
        email_verified: body.email_verified,
        roles: body.roles,
        groups: body.groups,
    };
    let user = users::create(&state.db, &caller.authority, input).await?;
    Ok((StatusCode::CREATED, Json(user)))
}

pub async fn user_get(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<UserDetail>, AppError> {
    Ok(Json(
        users::detail(&state.db, &caller.authority, &id).await?,
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EditBody {
    #[serde(default, deserialize_with = "present")]
    display_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    email: Option<Option<String>>,
    email_verified: Option<bool>,
    roles: Option<Vec<Role>>,
    groups: Option<Vec<String>>,
    enabled: Option<bool>,
}

pub async fn user_patch(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<EditBody>,
) -> Result<Json<User>, AppError> {
    let edit = UserEdit {
        display_name: body.display_name,
        email: body.email,
        email_verified: body.email_verified,
        roles: body.roles,
        groups: body.groups,
        enabled: body.enabled,
    };
    Ok(Json(
        users::update(&state.db, &caller.authority, &id, edit).await?,
    ))
}

pub async fn user_delete(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<User>, AppError> {
    Ok(Json(
        users::remove(&state.db, &caller.authority, &id).await?,
    ))
}

pub async fn methods_get(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Vec<Method>>, AppError> {
    let user = users::get(&state.db, &caller.authority, &id).await?;
    Ok(Json(
        methods::list(&state.db, &caller.authority, &user).await?,
    ))
}

#[derive(Serialize)]
pub struct RemovedMethods {
    removed: Vec<Method>,
}

pub async fn methods_delete(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<RemovedMethods>, AppError> {
    let user = users::get(&state.db, &caller.authority, &id).await?;
    let removed = methods::remove_all(&state.db, &caller.authority, &user).await?;
    Ok(Json(RemovedMethods { removed }))
}

pub async fn method_delete(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path((id, method_id)): Path<(String, String)>,
) -> Result<Json<Method>, AppError> {
    let user = users::get(&state.db, &caller.authority, &id).await?;
    let method = methods::remove(
        &state.db,
        &caller.authority,
        &user,
        &method_id,
        caller.address.clone(),
    )
    .await?;
    Ok(Json(method))
}

/// `DELETE /api/v1/users/{id}/sessions`: signs the person out everywhere.
pub async fn sessions_delete(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<crate::directory::users::SignedOut>, AppError> {
    Ok(Json(
        users::sign_out(&state.db, &caller.authority, &id).await?,
    ))
}
