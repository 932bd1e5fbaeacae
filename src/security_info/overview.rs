//! `/security-info`: a fully signed-in person's methods (rename, remove), how to add more, and their
//! recent sign-ins. And sign-out.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use serde::Deserialize;
use time::Duration;

use super::setup::AddFlow;
use super::views::{self, MethodView, SignInView};
use crate::directory::Role;
use crate::error::AppError;
use crate::methods;
use crate::pages::Flow;
use crate::pages::time::Moment;
use crate::pages::{ClientAddress, PageError, see_other};
use crate::session::{self, CurrentSession, FullSession, Level, SignedIn};
use crate::state::AppState;

/// How recent a sign-in must be to remove a method.
const RECENT: Duration = Duration::minutes(10);

#[derive(Template, WebTemplate)]
#[template(path = "security_info/overview.html")]
pub struct OverviewView {
    csrf: String,
    username: String,
    methods: Vec<MethodView>,
    sign_ins: Vec<SignInView>,
    pass: Option<PassInfo>,
    /// The "add a method" choices, outside any sign-in flow.
    add: AddFlow,
    /// The person holds a console role: link the console (it asks for a passkey sign-in itself).
    console: Option<ConsoleLink>,
    error: Option<String>,
}

/// The person's own pass: its state, never its value.
pub struct PassInfo {
    state: String,
    usable: bool,
    start: Moment,
    end: Moment,
    one_time: bool,
}

/// A pass's state in words a person reads.
fn pass_state(reason: &str) -> &'static str {
    match reason {
        "NotYetValid" => "Not valid yet",
        "Expired" => "Expired",
        "OneTimeUsed" => "Used (it was valid once)",
        "Locked" => "Locked after too many wrong attempts",
        "Revoked" => "Deleted",
        "DisabledByPolicy" => "Passes are turned off",
        "NotInScope" => "Not available to you",
        "InUse" => "In use by a sign-in that has not set anything up yet",
        _ => "Not usable",
    }
}

async fn own_pass(state: &AppState, person: &SignedIn) -> Result<Option<PassInfo>, AppError> {
    match crate::tap::show(&state.db, &person.user).await {
        Ok(p) if p.revoked_at.is_none() => Ok(Some(PassInfo {
            state: if p.usable {
                "Usable".into()
            } else {
                pass_state(p.reason.as_str()).into()
            },
            usable: p.usable,
            start: views::when(p.start),
            end: views::when(p.end),
            one_time: p.one_time,
        })),
        Ok(_) | Err(AppError::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The way to the console for a person who may use it.
pub struct ConsoleLink {
    /// "administrator" or "helpdesk".
    role: &'static str,
    /// The session is not a passkey sign-in: the console will ask for one.
    needs_passkey: bool,
}

fn console_link(person: &SignedIn) -> Option<ConsoleLink> {
    let role = if person.user.has_role(Role::Admin) {
        "an administrator"
    } else if person.user.has_role(Role::Helpdesk) {
        "helpdesk staff"
    } else {
        return None;
    };
    Some(ConsoleLink {
        role,
        needs_passkey: person.level() != Level::PhishingResistant,
    })
}

async fn render(
    state: &AppState,
    person: &SignedIn,
    status: StatusCode,
    error: Option<String>,
) -> Result<Response, PageError> {
    let view = OverviewView {
        csrf: person.session.csrf.clone(),
        username: person.user.username.clone(),
        methods: views::methods_of(&state.db, &person.user.id).await?,
        sign_ins: views::recent_sign_ins(&state.db, &person.user.id).await?,
        pass: own_pass(state, person).await?,
        add: AddFlow::new(&Flow {
            return_to: None,
            level: None,
        }),
        console: console_link(person),
        error,
    };
    Ok((status, view).into_response())
}

pub async fn overview_get(
    State(state): State<AppState>,
    FullSession(person): FullSession,
) -> Result<Response, PageError> {
    render(&state, &person, StatusCode::OK, None).await
}

#[derive(Deserialize)]
pub struct RenameForm {
    csrf: String,
    name: String,
}

pub async fn rename_post(
    State(state): State<AppState>,
    FullSession(person): FullSession,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    Path(id): Path<String>,
    Form(form): Form<RenameForm>,
) -> Result<Response, PageError> {
    person
        .session
        .check_form(&state.config, &headers, &form.csrf)?;
    let actor = person.user.actor();
    match methods::rename(&state.db, &actor, &person.user, &id, &form.name, address).await {
        Ok(_) => Ok(see_other("/security-info")),
        Err(e @ AppError::Invalid(_)) => {
            render(
                &state,
                &person,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(e.page_message()),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

/// Why this session may not remove a method now, if it may not.
async fn removal_refused(state: &AppState, person: &SignedIn) -> Result<Option<String>, AppError> {
    let Some(sign_in) = person.session.sign_in.as_ref() else {
        return Ok(Some("Sign in first.".into()));
    };
    let with_pass = sign_in.tap_id.is_some() || sign_in.amr.contains("tap");
    if with_pass || crate::db::now() - sign_in.auth_time > RECENT {
        return Ok(Some(
            "To remove a method, sign in again with a method you already had, then remove it \
             within 10 minutes."
                .into(),
        ));
    }
    if methods::count(&state.db, &person.user.id).await? <= 1
        && !super::setup::has_usable_pass(state, &person.user).await?
    {
        return Ok(Some(
            "This is your only way to sign in, so it cannot be removed. Add another method first, \
             or ask your helpdesk for a Temporary Access Pass."
                .into(),
        ));
    }
    Ok(None)
}

pub async fn remove_post(
    State(state): State<AppState>,
    FullSession(person): FullSession,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    person
        .session
        .check_form(&state.config, &headers, &form.csrf)?;
    // The method must be this person's before any rule is explained.
    methods::get(&state.db, &person.user.id, &id).await?;
    if let Some(reason) = removal_refused(&state, &person).await? {
        return render(&state, &person, StatusCode::FORBIDDEN, Some(reason)).await;
    }
    let actor = person.user.actor();
    methods::remove(&state.db, &actor, &person.user, &id, address).await?;
    Ok(see_other("/security-info"))
}

pub async fn signout_post(
    State(state): State<AppState>,
    jar: CookieJar,
    CurrentSession(session): CurrentSession,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    let Some(session) = session else {
        return Ok(see_other("/login"));
    };
    session.check_form(&state.config, &headers, &form.csrf)?;
    let frames = crate::oidc::logout::front_channel_frames(&state.oidc, &session.sid).await?;
    let jar = session::end(&state.db, &state.config, jar, &session, "signout").await?;
    if frames.is_empty() {
        return Ok((jar, see_other("/login")).into_response());
    }
    let page = crate::oidc::logout::LoggedOutView::with_frames(frames, Some("/login".into()));
    Ok((jar, page).into_response())
}

/// Deletes (revokes) the person's own pass; sessions that began with it end too.
pub async fn pass_delete_post(
    State(state): State<AppState>,
    FullSession(person): FullSession,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    person
        .session
        .check_form(&state.config, &headers, &form.csrf)?;
    let authority = crate::tap::Authority::User(person.user.clone());
    crate::tap::revoke(&state.db, &authority, &person.user, address).await?;
    Ok(see_other("/security-info"))
}
