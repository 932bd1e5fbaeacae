//! `/security-info/passkey/begin` and `/finish`: registering a passkey, called by the page's script
//! (JSON, CSRF token in the `X-CSRF-Token` header).

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use serde::Deserialize;
use serde_json::json;
use webauthn_rs::prelude::{PasskeyRegistration, RegisterPublicKeyCredential};

use super::after_registration;
use crate::error::AppError;
use crate::methods::{NewMethod, passkey, passkey_name};
use crate::pages::{ClientAddress, Flow, FlowParams};
use crate::session::data::PASSKEY_REGISTRATION as STATE_KEY;
use crate::session::{self, SignedIn};
use crate::state::AppState;

pub async fn begin(
    State(state): State<AppState>,
    mut person: SignedIn,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    person.session.check_script(&state.config, &headers)?;
    let webauthn = passkey::webauthn(&state.config)?;
    let (options, ceremony) =
        passkey::start_registration(&state.db, &webauthn, &person.user).await?;
    let value = serde_json::to_value(&ceremony)
        .map_err(|e| AppError::Internal(format!("passkey state: {e}")))?;
    person.session.data.insert(STATE_KEY.into(), value);
    session::save_data(&state.db, &person.session).await?;
    Ok(Json(options).into_response())
}

#[derive(Deserialize)]
pub struct FinishRequest {
    credential: RegisterPublicKeyCredential,
    #[serde(default)]
    name: Option<String>,
    /// The sign-in flow the page belongs to, carried back to setup.
    #[serde(default)]
    return_to: Option<String>,
    #[serde(default)]
    level: Option<String>,
}

pub async fn finish(
    State(state): State<AppState>,
    jar: CookieJar,
    mut person: SignedIn,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    Json(request): Json<FinishRequest>,
) -> Result<Response, AppError> {
    person.session.check_script(&state.config, &headers)?;
    let ceremony: PasskeyRegistration = person
        .session
        .data
        .remove(STATE_KEY)
        .and_then(|v| serde_json::from_value(v).ok())
        .ok_or_else(|| AppError::invalid("no passkey registration is in progress; start again"))?;
    session::save_data(&state.db, &person.session).await?;
    // The page registers at once, without asking for a name: the passkey is named after its
    // authenticator or the browser it was added from, and can be renamed on /security-info.
    let user_agent = headers
        .get(axum::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    let name = request
        .name
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| passkey_name::default_name(&request.credential, user_agent));
    let webauthn = passkey::webauthn(&state.config)?;
    let actor = person.user.actor();
    let new = NewMethod {
        actor: &actor,
        user: &person.user,
        name: &name,
        tap_id: person.tap_id(),
        address: address.clone(),
    };
    let method =
        passkey::finish_registration(&state.db, &webauthn, new, &request.credential, &ceremony)
            .await?;
    let flow = Flow::from_params(&FlowParams {
        return_to: request.return_to.clone(),
        level: request.level.clone(),
        login_hint: None,
    });
    let next = if person.began_with_tap() {
        flow.link("/security-info/setup")
    } else {
        "/security-info".into()
    };
    let jar = after_registration(&state, jar, person, &method, address).await?;
    Ok((
        jar,
        Json(json!({ "redirect": next, "method_id": method.id })),
    )
        .into_response())
}
