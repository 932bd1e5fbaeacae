//! `/login/passkey/begin` and `/login/passkey/finish`: the two halves of a passkey sign-in, called by
//! the page's script (JSON, CSRF token in the `X-CSRF-Token` header). With the username typed on the
//! first page, or without one (`mode: "discoverable"`, passkey autofill). Level `phr`.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use serde::Deserialize;
use serde_json::json;
use webauthn_rs::prelude::PublicKeyCredential;

use super::complete::{self, Proof};
use crate::error::AppError;
use crate::methods::passkey::{self, SignInState};
use crate::pages::{ClientAddress, Flow, FlowParams};
use crate::session::data::PASSKEY_SIGNIN as STATE_KEY;
use crate::session::{self, CurrentSession, Level, Session};
use crate::state::AppState;
use crate::throttle::Budget;

/// The one message for every failed passkey sign-in.
const FAILED: &str = "That passkey did not work. Try again, or choose another way to sign in.";

/// The session of a script's call, which must carry its CSRF token.
fn script_session(
    state: &AppState,
    session: Option<Session>,
    headers: &HeaderMap,
) -> Result<Session, AppError> {
    let session = session.ok_or_else(|| {
        AppError::Forbidden("the page has expired; please reload it and try again".into())
    })?;
    session.check_script(&state.config, headers)?;
    Ok(session)
}

#[derive(Deserialize)]
pub struct BeginRequest {
    #[serde(default)]
    mode: Option<String>,
}

pub async fn begin(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
    headers: HeaderMap,
    Json(request): Json<BeginRequest>,
) -> Result<Response, AppError> {
    let mut session = script_session(&state, session, &headers)?;
    let webauthn = passkey::webauthn(&state.config)?;
    let (options, ceremony) = if request.mode.as_deref() == Some("discoverable") {
        passkey::start_discoverable(&webauthn)?
    } else {
        let username = session
            .typed_username()
            .ok_or_else(|| AppError::invalid("enter your username first"))?;
        passkey::start_sign_in(&state.db, &webauthn, &username).await?
    };
    let value = serde_json::to_value(&ceremony)
        .map_err(|e| AppError::Internal(format!("passkey state: {e}")))?;
    session.data.insert(STATE_KEY.into(), value);
    session::save_data(&state.db, &session).await?;
    Ok(Json(options).into_response())
}

#[derive(Deserialize)]
pub struct FinishRequest {
    credential: PublicKeyCredential,
    #[serde(default)]
    return_to: Option<String>,
    #[serde(default)]
    level: Option<String>,
}

pub async fn finish(
    State(state): State<AppState>,
    jar: CookieJar,
    CurrentSession(session): CurrentSession,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    Json(request): Json<FinishRequest>,
) -> Result<Response, AppError> {
    let mut session = script_session(&state, session, &headers)?;
    let flow = Flow::from_params(&FlowParams {
        return_to: request.return_to,
        level: request.level,
        login_hint: None,
    });
    let ceremony = session
        .data
        .remove(STATE_KEY)
        .and_then(|v| serde_json::from_value::<SignInState>(v).ok());
    session::save_data(&state.db, &session).await?;
    let typed = match &ceremony {
        Some(SignInState::Username { .. }) => session.typed_username(),
        _ => None,
    };
    let label = typed.clone().unwrap_or_default();

    complete::admit(
        &state,
        typed.as_deref(),
        None,
        "passkey",
        &address,
        Budget::Passkey,
    )
    .await?;
    let Some(ceremony) = ceremony else {
        complete::failed(&state, &label, None, "passkey", "no_ceremony", address).await?;
        return Ok(refused());
    };
    let webauthn = passkey::webauthn(&state.config)?;
    match passkey::finish_sign_in(&state.db, &webauthn, &request.credential, ceremony).await? {
        Ok((user, method)) => {
            let proof = Proof {
                level: Level::PhishingResistant,
                amr: method.amr(),
                method: "passkey",
                method_id: Some(method.id.clone()),
                tap_id: None,
                expires_at: None,
                sid: None,
            };
            let (_, jar) =
                complete::sign_in(&state, jar, Some(session), &user, proof, address).await?;
            Ok((jar, Json(json!({ "redirect": flow.destination() }))).into_response())
        }
        Err(refusal) => {
            let name = refusal
                .user
                .as_ref()
                .map(|u| u.username.clone())
                .unwrap_or(label);
            complete::failed(
                &state,
                &name,
                refusal.user.as_ref(),
                "passkey",
                refusal.reason,
                address,
            )
            .await?;
            Ok(refused())
        }
    }
}

fn refused() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        Json(json!({ "error": "signin_failed", "message": FAILED })),
    )
        .into_response()
}
