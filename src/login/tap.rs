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

use super::complete::{self, Proof};
use super::identifier::typed;
use crate::pages::application::allow_logo;
use crate::pages::form::Parsed;
use crate::pages::time::Moment;
use crate::pages::{Application, ClientAddress, Flow, FlowParams, PageError, see_other};
use crate::session::data::{SETUP_RETURN_TO, TAP_ENDS_AT};
use crate::session::{Amr, CurrentSession, Level};
use crate::state::AppState;
use crate::tap::signin::Truth;
use crate::tap::{self, Passcode, TapRefused};
use crate::throttle::Budget;

/// The one message for a refusal before the passcode matched, whatever the reason (that is in the
/// audit trail): a stranger learns nothing about the username.
const REFUSED: &str = "That did not work. Check the username and the Temporary Access Pass, \
     or ask your helpdesk for a new pass.";

#[derive(Template, WebTemplate)]
#[template(path = "login/tap.html")]
pub struct TapView {
    csrf: String,
    flow: Flow,
    username: String,
    /// How many wrong passcodes lock a pass (the policy's, the same for everyone).
    max_failed_attempts: u32,
    error: Option<Said>,
    application: Option<Application>,
}

/// A refusal as the page says it: a sentence, perhaps with the time that explains it in the middle.
pub struct Said {
    before: &'static str,
    at: Option<Moment>,
    after: &'static str,
}

impl Said {
    fn plain(text: &'static str) -> Self {
        Self {
            before: text,
            at: None,
            after: "",
        }
    }

    fn timed(before: &'static str, at: time::OffsetDateTime, after: &'static str) -> Self {
        Self {
            before,
            at: Some(Moment::new(at)),
            after,
        }
    }

    /// What the holder of the right passcode is told.
    fn truth(truth: Truth) -> Self {
        const NEW_ONE: &str = ". Ask your helpdesk for a new one.";
        match truth {
            Truth::Expired { at } => {
                Self::timed("This Temporary Access Pass expired at", at, NEW_ONE)
            }
            Truth::OneTimeUsed { at: Some(at) } => Self::timed(
                "This one-time Temporary Access Pass was already used, at",
                at,
                NEW_ONE,
            ),
            Truth::OneTimeUsed { at: None } => Self::plain(
                "This one-time Temporary Access Pass was already used. Ask your helpdesk for a new one.",
            ),
            Truth::NotYetValid { starts_at } => Self::timed(
                "This Temporary Access Pass is not valid yet: it starts at",
                starts_at,
                ". Come back then.",
            ),
            Truth::Locked => Self::plain(
                "This Temporary Access Pass is locked after too many wrong tries. \
                 Ask your helpdesk for a new one.",
            ),
            Truth::UserDisabled => {
                Self::plain("Your account is disabled, so it cannot sign in. Ask your helpdesk.")
            }
            Truth::Revoked => Self::plain(
                "This Temporary Access Pass was revoked. Ask your helpdesk for a new one.",
            ),
            Truth::DisabledByPolicy => Self::plain(
                "Your organisation's policy does not allow this Temporary Access Pass now. \
                 Ask your helpdesk.",
            ),
            Truth::NotInScope => Self::plain(
                "Your organisation's policy does not let your account use a Temporary Access Pass. \
                 Ask your helpdesk.",
            ),
            Truth::InUse { until } => Self::timed(
                "This one-time Temporary Access Pass is in use in another sign-in that has not set \
                 anything up yet. If that sign-in ends without setting anything up, the pass works \
                 again; at the latest at",
                until,
                ". If that was not you, tell your helpdesk.",
            ),
        }
    }
}

pub async fn tap_get(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
    Query(params): Query<FlowParams>,
) -> Result<Response, PageError> {
    let flow = Flow::from_params(&params);
    let (session, username) = match typed(session, &flow, true) {
        Ok(typed) => typed,
        Err(elsewhere) => return Ok(see_other(&elsewhere)),
    };
    let policy = tap::policy::load(&state.db).await?;
    let application = Application::of_flow(&state.db, &flow).await?;
    let view = TapView {
        csrf: session.csrf.clone(),
        flow,
        username,
        max_failed_attempts: policy.max_failed_attempts,
        error: None,
        application: application.clone(),
    };
    Ok(allow_logo(view.into_response(), application.as_ref()))
}

#[derive(Deserialize)]
pub struct PassForm {
    csrf: String,
    passcode: Parsed<Passcode>,
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
    // The form's token is checked before anything else is said about the session.
    let Some(session) = session else {
        return Ok(see_other(&flow.link("/login")));
    };
    session.check_form(&state.config, &headers, &form.csrf)?;
    let (mut session, username) = match typed(Some(session), &flow, true) {
        Ok(typed) => typed,
        Err(elsewhere) => return Ok(see_other(&elsewhere)),
    };
    complete::admit(
        &state,
        Some(&username),
        None,
        "tap",
        &address,
        Budget::Passcode,
    )
    .await?;

    // Argon2 takes 19 MiB and a core for a while: at most one check per core runs at once, the rest queue.
    let permit = state.passcode_checks.acquire().await;
    let entry = form.passcode.valid();
    let checked = tap::spend_passcode(&state.db, &username, entry, address.clone()).await;
    drop(permit);
    let (signed_in, mut tx) = match checked {
        Ok(s) => s,
        Err(TapRefused::Error(e)) => return Err(e.into()),
        Err(refused) => {
            // The pass's own record (tap.failed, with the reason) is already written.
            let user = crate::directory::users::find_by_username(&state.db, &username).await?;
            let (reason, said) = match refused {
                TapRefused::Told(truth) => ("pass_not_usable", Said::truth(truth)),
                _ => ("pass_refused", Said::plain(REFUSED)),
            };
            complete::failed(&state, &username, user.as_ref(), "tap", reason, address).await?;
            let policy = tap::policy::load(&state.db).await?;
            let application = Application::of_flow(&state.db, &flow).await?;
            let view = TapView {
                csrf: session.csrf.clone(),
                flow,
                username,
                max_failed_attempts: policy.max_failed_attempts,
                error: Some(said),
                application: application.clone(),
            };
            let response = (StatusCode::UNPROCESSABLE_ENTITY, view).into_response();
            return Ok(allow_logo(response, application.as_ref()));
        }
    };

    let continue_to = flow.destination();
    session
        .data
        .insert(SETUP_RETURN_TO.into(), continue_to.clone().into());
    session
        .data
        .insert(TAP_ENDS_AT.into(), crate::db::ts(signed_in.ends_at).into());
    let proof = Proof {
        level: Level::Tap,
        amr: Amr::new(["tap"]),
        method: "tap",
        method_id: None,
        tap_id: Some(signed_in.pass_id.clone()),
        expires_at: Some(signed_in.enrollment_ends_at),
        sid: Some(signed_in.sid.clone()),
    };
    // The pass is spent, the sign-in recorded and the session opened in one transaction.
    let (_, jar) = complete::sign_in_in(
        &mut tx,
        &state.config,
        jar,
        Some(session),
        &signed_in.user,
        proof,
        address,
    )
    .await?;
    tx.commit().await?;
    // The flow goes on through setup: where it was going, and whether only a passkey will do there.
    let setup = Flow {
        return_to: Some(continue_to),
        level: flow.level.filter(|l| *l == Level::PhishingResistant),
    }
    .link("/security-info/setup");
    Ok((jar, see_other(&setup)).into_response())
}
