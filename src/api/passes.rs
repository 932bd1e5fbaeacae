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
use crate::tap::start::LocalStart;
use crate::tap::{self, IssueRequest, PassView};

/// What a caller may ask for when issuing; every field is optional (the policy's default).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssueBody {
    /// Minutes.
    pub lifetime_minutes: Option<u32>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub start: Option<OffsetDateTime>,
    /// The person's local date or date and time (no offset), read in `time_zone`; instead of `start`.
    pub start_local: Option<String>,
    /// IANA time zone name for `start_local`.
    pub time_zone: Option<String>,
    pub one_time: Option<bool>,
    pub length: Option<u32>,
    /// `passcode` (default): in this response; `reveal_link`: a one-time link that reveals it instead.
    pub deliver: Option<Deliver>,
    /// With `deliver: reveal_link`: mail the link to the `manager` or the `person` instead.
    pub send_to: Option<tap::reveal::SendTo>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Deliver {
    Passcode,
    RevealLink,
}

#[derive(Serialize)]
pub struct IssuedLinkBody<'a> {
    reveal_link: &'a tap::reveal::RevealLink,
    #[serde(flatten)]
    pass: &'a PassView,
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
        .ok_or_else(|| AppError::NotFound(format!("There is no user with the id {id}.")))
}

pub async fn pass_post(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<IssueBody>,
) -> Result<Response, AppError> {
    let target = user(&state, &id).await?;
    let start = match (
        body.start,
        body.start_local.as_deref(),
        body.time_zone.as_deref(),
    ) {
        (start, None, None) => start,
        (None, Some(local), zone) => Some(
            LocalStart::parse(local, zone.unwrap_or_default())
                .and_then(|s| s.instant())
                .map_err(AppError::Invalid)?,
        ),
        (None, None, Some(_)) => {
            return Err(AppError::invalid("time_zone needs start_local"));
        }
        (Some(_), _, _) => {
            return Err(AppError::invalid(
                "give either start (RFC 3339) or start_local with time_zone, not both",
            ));
        }
    };
    let request = IssueRequest {
        lifetime: body
            .lifetime_minutes
            .map(|m| time::Duration::minutes(m.into())),
        start,
        one_time: body.one_time,
        length: body.length,
    };
    if body.send_to.is_some() && body.deliver != Some(Deliver::RevealLink) {
        return Err(AppError::invalid("send_to needs deliver: reveal_link"));
    }
    if body.deliver == Some(Deliver::RevealLink) {
        let issued = tap::reveal::issue_with_link(
            &state.db,
            &state.sealer,
            &state.config,
            &caller.authority,
            &target.id,
            request,
            body.send_to,
            caller.address,
        )
        .await?;
        let body = IssuedLinkBody {
            reveal_link: &issued.link,
            pass: &issued.pass,
        };
        return Ok(no_store((StatusCode::CREATED, Json(body)).into_response()));
    }
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
    Ok(no_store((StatusCode::CREATED, Json(body)).into_response()))
}

/// The passcode (or the link) is in this response only: no cache may keep it.
fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

pub async fn link_delete(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, AppError> {
    let target = user(&state, &id).await?;
    let revoked =
        tap::reveal::revoke_links(&state.db, &caller.authority, &target, caller.address).await?;
    Ok(Json(serde_json::json!({ "revoked": revoked })))
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
