//! `/api/v1/users/{id}/temporary-access-pass`: issue (POST), read (GET) and revoke (DELETE) a user's
//! pass, with the roles of the caller enforced.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::auth::ApiCaller;
use super::body::JsonBody;
use crate::directory::{self, User};
use crate::error::AppError;
use crate::state::AppState;
use crate::tap::{self, IssueRequest, PassView};

/// What a caller may ask for when issuing; every field is optional (the policy's default).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssueBody {
    /// Minutes.
    pub lifetime_minutes: Option<u32>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub start: Option<OffsetDateTime>,
    pub one_time: Option<bool>,
    pub length: Option<u32>,
}

#[derive(Serialize)]
pub struct IssuedBody<'a> {
    /// Shown this once, grouped for reading; entry ignores case, spaces and dashes.
    passcode: String,
    #[serde(flatten)]
    pass: &'a PassView,
}

#[derive(Serialize)]
pub struct RevokedBody {
    revoked: bool,
    sessions_ended: u64,
    tokens_revoked: u64,
}

async fn user(state: &AppState, id: &str) -> Result<User, AppError> {
    directory::users::find_by_id(&state.db, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("user `{id}`")))
}

pub async fn pass_post(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<IssueBody>,
) -> Result<Response, AppError> {
    let target = user(&state, &id).await?;
    let request = IssueRequest {
        lifetime: body
            .lifetime_minutes
            .map(|m| time::Duration::minutes(m.into())),
        start: body.start,
        one_time: body.one_time,
        length: body.length,
    };
    let issued = tap::issue(
        &state.db,
        &caller.authority,
        &target.id,
        request,
        caller.address,
    )
    .await?;
    let body = IssuedBody {
        passcode: issued.passcode.grouped(),
        pass: &issued.pass,
    };
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    // The passcode is in this response only: no cache may keep it.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

pub async fn pass_get(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<PassView>, AppError> {
    let target = user(&state, &id).await?;
    caller.authority.may_read(&target)?;
    Ok(Json(tap::show(&state.db, &target).await?))
}

pub async fn pass_delete(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<RevokedBody>, AppError> {
    let target = user(&state, &id).await?;
    let ended = tap::revoke(&state.db, &caller.authority, &target, caller.address).await?;
    Ok(Json(RevokedBody {
        revoked: true,
        sessions_ended: ended.sessions,
        tokens_revoked: ended.tokens,
    }))
}
