//! `/security-info/totp`: add an authenticator app. The page shows a QR code and the secret as text;
//! one valid code finishes the setup, after which the secret is never shown again. Until then it is
//! kept sealed in the session, bound to that session.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use serde::Deserialize;

use super::after_registration;
use crate::error::AppError;
use crate::methods::{self, NewMethod};
use crate::pages::{ClientAddress, Flow, FlowParams, PageError, see_other};
use crate::session::data::TOTP_PENDING as PENDING;
use crate::session::{self, SignedIn};
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "security_info/totp.html")]
pub struct TotpSetupView {
    csrf: String,
    qr_png_base64: String,
    /// The key in groups of four, to read and type.
    secret: String,
    /// The key as one word, for the copy button.
    secret_plain: String,
    /// `otpauth://…`: opens the authenticator app on the phone showing this page (which cannot scan
    /// its own screen).
    otpauth_url: String,
    name: String,
    /// The sign-in flow this page is part of (carried back to setup).
    flow: Flow,
    error: Option<String>,
}

fn context(person: &SignedIn) -> String {
    format!("totp-pending:{}", person.session.sid)
}

/// The secret being set up in this session (created on first use).
async fn pending_secret(state: &AppState, person: &mut SignedIn) -> Result<Vec<u8>, AppError> {
    let existing = person
        .session
        .data
        .get(PENDING)
        .and_then(|v| v.as_str())
        .and_then(|sealed| state.sealer.open(sealed, &context(person)));
    if let Some(secret) = existing {
        return Ok(secret);
    }
    let secret = methods::totp::generate_secret();
    let sealed = state.sealer.seal(&secret, &context(person));
    person.session.data.insert(PENDING.into(), sealed.into());
    session::save_data(&state.db, &person.session).await?;
    Ok(secret)
}

async fn render(
    state: &AppState,
    person: &mut SignedIn,
    status: StatusCode,
    name: String,
    flow: Flow,
    error: Option<String>,
) -> Result<Response, PageError> {
    let secret = pending_secret(state, person).await?;
    let enrolment = methods::totp::enrolment(&secret, &person.user.username)?;
    let grouped = enrolment
        .secret_base32
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ");
    let view = TotpSetupView {
        csrf: person.session.csrf.clone(),
        qr_png_base64: enrolment.qr_png_base64,
        secret: grouped,
        secret_plain: enrolment.secret_base32.clone(),
        otpauth_url: enrolment.otpauth_url.clone(),
        name,
        flow,
        error,
    };
    Ok((status, view).into_response())
}

pub async fn totp_get(
    State(state): State<AppState>,
    mut person: SignedIn,
    Query(params): Query<FlowParams>,
) -> Result<Response, PageError> {
    render(
        &state,
        &mut person,
        StatusCode::OK,
        "Authenticator app".into(),
        Flow::from_params(&params),
        None,
    )
    .await
}

#[derive(Deserialize)]
pub struct TotpForm {
    csrf: String,
    #[serde(default)]
    name: String,
    code: String,
    #[serde(default)]
    return_to: Option<String>,
    #[serde(default)]
    level: Option<String>,
}

pub async fn totp_post(
    State(state): State<AppState>,
    jar: CookieJar,
    mut person: SignedIn,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    Form(form): Form<TotpForm>,
) -> Result<Response, PageError> {
    person
        .session
        .check_form(&state.config, &headers, &form.csrf)?;
    let flow = Flow::from_params(&FlowParams {
        return_to: form.return_to.clone(),
        level: form.level.clone(),
        login_hint: None,
    });
    let secret = pending_secret(&state, &mut person).await?;
    let name = if form.name.trim().is_empty() {
        "Authenticator app".to_string()
    } else {
        form.name.clone()
    };
    let actor = person.user.actor();
    let new = NewMethod {
        actor: &actor,
        user: &person.user,
        name: &name,
        tap_id: person.tap_id(),
        address: address.clone(),
    };
    let method =
        match methods::totp::register(&state.db, &state.sealer, new, &secret, &form.code).await {
            Ok(m) => m,
            Err(e @ AppError::Invalid(_)) => {
                return render(
                    &state,
                    &mut person,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    name,
                    flow,
                    Some(e.page_message()),
                )
                .await;
            }
            Err(e) => return Err(e.into()),
        };
    person.session.data.remove(PENDING);
    session::save_data(&state.db, &person.session).await?;
    let next = if person.began_with_tap() {
        flow.link("/security-info/setup")
    } else {
        "/security-info".into()
    };
    let jar = after_registration(&state, jar, person, &method, address).await?;
    Ok((jar, see_other(&next)).into_response())
}
