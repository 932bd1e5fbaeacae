//! `/device`: the person, signed in as usual (a pass session enrols a method first: the door sends it
//! to setup, and setup back here), types the user code their device shows, sees which application asks
//! for what, and approves or denies. A pass-only session never gets past the door. Typed codes are
//! throttled per address and per account like every other credential; the confirmation's forms carry
//! the code's public id, never the code.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{UserCode, awaiting, awaiting_decision};
use crate::audit::{self, Event};
use crate::db::devices::{self, Decision, DeviceRow};
use crate::db::{self};
use crate::error::AppError;
use crate::level::Level;
use crate::oidc::OidcState;
use crate::oidc::clients::{self, Client};
use crate::oidc::scope::{self, Scope};
use crate::pages::{ClientAddress, Flow, PageError, see_other};
use crate::session::{FullSession, SignedIn};
use crate::throttle::{self, Budget};

/// The one answer for a code that is wrong, expired, already decided or never existed.
const UNKNOWN: &str = "That code is not right, or it has expired. Check the code on your device's \
     screen, or start again on the device to get a new one.";

#[derive(Template, WebTemplate)]
#[template(path = "oidc/device.html")]
pub struct DeviceView {
    csrf: String,
    username: String,
    user_code: String,
    error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "oidc/device_confirm.html")]
pub struct ConfirmView {
    csrf: String,
    id: String,
    username: String,
    user_code: String,
    client_name: String,
    asks: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "oidc/device_done.html")]
pub struct DoneView {
    approved: bool,
    client_name: String,
}

#[derive(Deserialize)]
pub struct DeviceQuery {
    #[serde(default)]
    user_code: Option<String>,
}

/// The entry form, filled in from `verification_uri_complete` (`?user_code=…`) when the device
/// showed a link or a QR code. Nothing is looked up until the person continues.
pub async fn device_get(
    FullSession(person): FullSession,
    Query(query): Query<DeviceQuery>,
) -> Response {
    let user_code = query
        .user_code
        .as_deref()
        .and_then(UserCode::parse)
        .map(|c| c.display())
        .unwrap_or_default();
    entry(&person, user_code, None)
}

fn entry(person: &SignedIn, user_code: String, error: Option<&str>) -> Response {
    let view = DeviceView {
        csrf: person.session.csrf.clone(),
        username: person.user.username.clone(),
        user_code,
        error: error.map(String::from),
    };
    match error {
        Some(_) => (StatusCode::UNPROCESSABLE_ENTITY, view).into_response(),
        None => view.into_response(),
    }
}

#[derive(Deserialize)]
pub struct CodeForm {
    csrf: String,
    #[serde(default)]
    user_code: String,
}

pub async fn device_post(
    State(state): State<OidcState>,
    FullSession(person): FullSession,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Result<Response, PageError> {
    person
        .session
        .check_form(&state.config, &headers, &form.csrf)?;
    throttle::admit(
        &state.db,
        &state.config.throttle,
        address.as_deref(),
        Some(&person.user.username),
        Budget::UserCode,
    )
    .await?;
    let Some(code) = UserCode::parse(&form.user_code) else {
        return Ok(entry(&person, form.user_code.clone(), Some(UNKNOWN)));
    };
    let Some(row) = awaiting(&state.db, &state.sealer, &code).await? else {
        return Ok(entry(&person, code.display(), Some(UNKNOWN)));
    };
    let required = level_of(&row)?;
    if person.level() < required {
        let back = format!("/device?user_code={}", code.display());
        return Ok(step_up(back, required));
    }
    let client = client_of(&state, &row).await?;
    Ok(ConfirmView {
        csrf: person.session.csrf.clone(),
        id: row.id.clone(),
        username: person.user.username.clone(),
        user_code: code.display(),
        client_name: display_name(&client),
        asks: asks(&Scope::stored(&row.scope, "a device code")?),
    }
    .into_response())
}

#[derive(Deserialize)]
pub struct DecideForm {
    csrf: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    decision: String,
}

pub async fn decide_post(
    State(state): State<OidcState>,
    FullSession(person): FullSession,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Form(form): Form<DecideForm>,
) -> Result<Response, PageError> {
    person
        .session
        .check_form(&state.config, &headers, &form.csrf)?;
    let approve = match form.decision.as_str() {
        "approve" => true,
        "deny" => false,
        _ => return Err(AppError::invalid("choose Allow or Deny").into()),
    };
    let now = db::ts(db::now());
    let row = match uuid::Uuid::parse_str(&form.id) {
        Ok(_) => devices::find(state.db.pool(), &form.id).await?,
        Err(_) => None,
    };
    let Some(row) = row.filter(|r| awaiting_decision(r, now)) else {
        return Ok(entry(&person, String::new(), Some(UNKNOWN)));
    };
    let required = level_of(&row)?;
    // The door lets no pass-only session in; the level the application asked for is checked here.
    if !person.level().may_get_tokens() || (approve && person.level() < required) {
        return Ok(step_up("/device".into(), required));
    }
    let client = client_of(&state, &row).await?;
    let sign_in = person
        .session
        .sign_in
        .as_ref()
        .ok_or(AppError::Unauthenticated)?;
    let amr = sign_in.amr.to_stored();
    let decision = Decision {
        status: if approve {
            devices::APPROVED
        } else {
            devices::DENIED
        },
        user_id: &person.user.id,
        sid: &person.session.sid,
        acr: sign_in.level.acr(),
        amr: &amr,
        auth_time: db::ts(sign_in.auth_time),
        tap_id: sign_in.tap_id.as_deref(),
        session_expires_at: db::ts(person.session.expires_at),
    };
    let action = if approve {
        "device.approved"
    } else {
        "device.denied"
    };
    let mut tx = state.db.begin().await?;
    if !devices::decide(&mut tx, &row.id, &decision, now).await? {
        return Ok(entry(&person, String::new(), Some(UNKNOWN)));
    }
    audit::record(
        &mut tx,
        Event::new(person.user.actor(), action)
            .target(client.target())
            .address(address)
            .detail("client_id", &client.id)
            .detail("scope", &row.scope)
            .detail("acr", sign_in.level.acr()),
    )
    .await?;
    tx.commit().await?;
    Ok(DoneView {
        approved: approve,
        client_name: display_name(&client),
    }
    .into_response())
}

fn level_of(row: &DeviceRow) -> Result<Level, AppError> {
    Level::from_acr(&row.level)
        .ok_or_else(|| AppError::Internal(format!("device code {}: unknown level", row.id)))
}

/// Sign in again at `level`, then come back to `back`.
fn step_up(back: String, level: Level) -> Response {
    see_other(
        &Flow {
            return_to: Some(back),
            level: Some(level),
        }
        .link("/login"),
    )
}

async fn client_of(state: &OidcState, row: &DeviceRow) -> Result<Client, AppError> {
    clients::find(&state.db, &row.client_id)
        .await?
        .ok_or_else(|| AppError::NotFound("There is no such application.".into()))
}

fn display_name(client: &Client) -> String {
    client.application().name
}

/// What each scope lets the application have, in words.
fn asks(scope: &Scope) -> Vec<String> {
    scope
        .iter()
        .map(|s| {
            match s {
                scope::OPENID => "To know who you are (your user id here)",
                scope::PROFILE => "Your name and username",
                scope::EMAIL => "Your email address",
                scope::GROUPS => "The groups you belong to",
                scope::OFFLINE_ACCESS => "To stay signed in while you are away (a refresh token)",
                other => return format!("The scope “{other}”"),
            }
            .to_string()
        })
        .collect()
}
