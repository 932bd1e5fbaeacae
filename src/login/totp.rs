//! `/login/totp`: sign in with a code from an authenticator app (level `1fa`, amr `otp`).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use serde::Deserialize;

use super::complete::{self, Proof};
use super::identifier::typed;
use crate::directory;
use crate::error::AppError;
use crate::methods;
use crate::pages::application::allow_logo;
use crate::pages::{Application, ClientAddress, Flow, FlowParams, PageError, see_other};
use crate::session::{CurrentSession, Level};
use crate::state::AppState;
use crate::throttle;
use crate::throttle::Budget;

/// The one message for every wrong code, whatever the reason.
const WRONG_CODE: &str = "That code did not work. Check the username and the code, then try again.";

#[derive(Template, WebTemplate)]
#[template(path = "login/totp.html")]
pub struct TotpView {
    csrf: String,
    flow: Flow,
    username: String,
    error: Option<String>,
    application: Option<Application>,
}

pub async fn totp_get(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
    Query(params): Query<FlowParams>,
) -> Result<Response, PageError> {
    let flow = Flow::from_params(&params);
    let (session, username) = match typed(session, &flow, false) {
        Ok(typed) => typed,
        Err(elsewhere) => return Ok(see_other(&elsewhere)),
    };
    let application = Application::of_flow(&state.db, &flow).await?;
    let view = TotpView {
        csrf: session.csrf.clone(),
        flow,
        username,
        error: None,
        application: application.clone(),
    };
    Ok(allow_logo(view.into_response(), application.as_ref()))
}

#[derive(Deserialize)]
pub struct CodeForm {
    csrf: String,
    code: String,
    #[serde(default)]
    return_to: Option<String>,
    #[serde(default)]
    level: Option<String>,
}

pub async fn totp_post(
    State(state): State<AppState>,
    jar: CookieJar,
    CurrentSession(session): CurrentSession,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    Form(form): Form<CodeForm>,
) -> Result<Response, PageError> {
    let flow = Flow::from_params(&FlowParams {
        return_to: form.return_to,
        level: form.level,
        login_hint: None,
    });
    // The form's token is checked before anything else is said about the session.
    let Some(session) = session else {
        return Ok(see_other(&flow.link("/login")));
    };
    session.check_form(&state.config, &headers, &form.csrf)?;
    let (session, username) = match typed(Some(session), &flow, false) {
        Ok(typed) => typed,
        Err(elsewhere) => return Ok(see_other(&elsewhere)),
    };
    let user = directory::users::find_by_username(&state.db, &username).await?;
    let fail = |reason: &'static str| {
        complete::failed(
            &state,
            &username,
            user.as_ref(),
            "otp",
            reason,
            address.clone(),
        )
    };

    complete::admit(
        &state,
        Some(&username),
        user.as_ref(),
        "otp",
        &address,
        Budget::Code,
    )
    .await?;
    let code_state = throttle::code_state(&state.db, &username).await?;
    if let throttle::CodeState::Locked(retry) = code_state {
        fail("locked").await?;
        return Err(AppError::TooManyRequests(retry).into());
    }

    let accepted = match user.as_ref().filter(|u| u.enabled) {
        Some(u) => methods::totp::verify(&state.db, &state.sealer, &u.id, &form.code).await?,
        None => {
            methods::totp::verify_nothing(&form.code);
            None
        }
    };
    let (Some(user), Some(method)) = (user.as_ref(), accepted) else {
        let reason = match &user {
            None => "unknown_user",
            Some(u) if !u.enabled => "user_disabled",
            Some(_) => "wrong_code",
        };
        fail(reason).await?;
        // Every refused code counts towards the lock, whatever the reason, so that they look alike.
        if throttle::code_failed(&state.db, &username).await? {
            fail("locked").await?;
        }
        let application = Application::of_flow(&state.db, &flow).await?;
        let view = TotpView {
            csrf: session.csrf.clone(),
            flow,
            username,
            error: Some(WRONG_CODE.into()),
            application: application.clone(),
        };
        let response = (StatusCode::UNPROCESSABLE_ENTITY, view).into_response();
        return Ok(allow_logo(response, application.as_ref()));
    };

    throttle::code_succeeded(&state.db, &username, code_state).await?;
    let proof = Proof {
        level: Level::OneFactor,
        amr: method.amr(),
        method: "otp",
        method_id: Some(method.id.clone()),
        tap_id: None,
        expires_at: None,
        sid: None,
    };
    let (_, jar) = complete::sign_in(&state, jar, Some(session), user, proof, address).await?;
    Ok((jar, see_other(&flow.destination())).into_response())
}
