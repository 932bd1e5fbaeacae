//! `/login/tap`: sign in with a Temporary Access Pass. The session it opens is restricted (level
//! `tap`): it reaches only the setup pages, lasts the policy's enrollment window (never past the
//! pass's end), and continues at `/security-info/setup`.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use serde::Deserialize;
use time::Duration;

use super::complete::{self, Proof};
use crate::pages::{ClientAddress, Flow, FlowParams, PageError, see_other};
use crate::session::data::{SETUP_RETURN_TO, TAP_ENDS_AT};
use crate::session::{CurrentSession, Level};
use crate::state::AppState;
use crate::tap::{self, TapRefused};
use crate::throttle;

/// The one message for every refused pass, whatever the reason (that is in the audit trail).
const REFUSED: &str = "That did not work. Check the username and the Temporary Access Pass, \
     or ask your helpdesk for a new pass.";

#[derive(Template, WebTemplate)]
#[template(path = "login/tap.html")]
pub struct TapView {
    csrf: String,
    flow: Flow,
    username: String,
    error: Option<String>,
}

pub async fn tap_get(
    CurrentSession(session): CurrentSession,
    Query(params): Query<FlowParams>,
) -> Result<Response, PageError> {
    let flow = Flow::from_params(&params);
    let Some(session) = session else {
        return Ok(see_other(&flow.link("/login")));
    };
    let Some(username) = session.typed_username() else {
        return Ok(see_other(&flow.link("/login")));
    };
    if flow.passkey_only() {
        return Ok(see_other(&flow.link("/login/methods")));
    }
    Ok(TapView {
        csrf: session.csrf.clone(),
        flow,
        username,
        error: None,
    }
    .into_response())
}

#[derive(Deserialize)]
pub struct PassForm {
    csrf: String,
    passcode: String,
    #[serde(default)]
    return_to: Option<String>,
    #[serde(default)]
    level: Option<String>,
}

pub async fn tap_post(
    State(state): State<AppState>,
    jar: CookieJar,
    CurrentSession(session): CurrentSession,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    Form(form): Form<PassForm>,
) -> Result<Response, PageError> {
    let flow = Flow::from_params(&FlowParams {
        return_to: form.return_to,
        level: form.level,
        login_hint: None,
    });
    let Some(mut session) = session else {
        return Ok(see_other(&flow.link("/login")));
    };
    session.check_form(&state.config, &headers, &form.csrf)?;
    let Some(username) = session.typed_username() else {
        return Ok(see_other(&flow.link("/login")));
    };
    if flow.passkey_only() {
        return Ok(see_other(&flow.link("/login/methods")));
    }
    if let Err(e) = throttle::admit(
        &state.db,
        &state.config.throttle,
        address.as_deref(),
        Some(username.as_str()),
        throttle::Budget::Passcode,
    )
    .await
    {
        complete::failed(&state, &username, None, "tap", "rate_limited", address).await?;
        return Err(e.into());
    }

    // Argon2 takes 19 MiB and a core for a while: at most one check per core runs at once, the rest queue.
    let permit = state.passcode_checks.acquire().await;
    let checked = tap::check_passcode(&state.db, &username, &form.passcode, address.clone()).await;
    drop(permit);
    let signed_in = match checked {
        Ok(s) => s,
        Err(TapRefused::Refused) => {
            // The pass's own record (tap.failed, with the reason) is already written.
            let user = crate::directory::users::find_by_username(&state.db, &username).await?;
            let reason = "pass_refused";
            complete::failed(&state, &username, user.as_ref(), "tap", reason, address).await?;
            let view = TapView {
                csrf: session.csrf.clone(),
                flow,
                username,
                error: Some(REFUSED.into()),
            };
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, view).into_response());
        }
        Err(TapRefused::Error(e)) => return Err(e.into()),
    };

    let policy = tap::policy::load(&state.db).await?;
    let window = Duration::minutes(i64::from(policy.enrollment_window));
    let expires_at = (crate::db::now() + window).min(signed_in.ends_at);
    let continue_to = flow.destination();
    session
        .data
        .insert(SETUP_RETURN_TO.into(), continue_to.clone().into());
    session
        .data
        .insert(TAP_ENDS_AT.into(), crate::db::ts(signed_in.ends_at).into());
    let proof = Proof {
        level: Level::Tap,
        amr: vec!["tap".into()],
        method: "tap",
        method_id: None,
        tap_id: Some(signed_in.pass_id.clone()),
        expires_at: Some(expires_at),
    };
    let (_, jar) =
        complete::sign_in(&state, jar, Some(session), &signed_in.user, proof, address).await?;
    let setup = Flow {
        return_to: Some(continue_to),
        level: None,
    }
    .link("/security-info/setup");
    Ok((jar, see_other(&setup)).into_response())
}
