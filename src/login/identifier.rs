//! `/login`: the username page, and `/login/methods`: the choice of how to sign in.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use serde::Deserialize;

use crate::directory::Username;
use crate::pages::application::allow_logo;
use crate::pages::form::Parsed;
use crate::pages::{Application, Flow, FlowParams, PageError, see_other};
use crate::session::data::LOGIN_USERNAME;
use crate::session::{self, CurrentSession, Session};
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "login/username.html")]
pub struct UsernameView {
    csrf: String,
    flow: Flow,
    username: String,
    error: Option<String>,
    application: Option<Application>,
}

#[derive(Template, WebTemplate)]
#[template(path = "login/methods.html")]
pub struct MethodsView {
    csrf: String,
    flow: Flow,
    username: String,
    application: Option<Application>,
    /// Nobody has signed in on this browser with a method yet (a first day, most likely): the pass
    /// comes first. Never from the account typed, which the page must not reveal anything about.
    pass_first: bool,
}

pub async fn login_get(
    State(state): State<AppState>,
    jar: CookieJar,
    Query(params): Query<FlowParams>,
) -> Result<Response, PageError> {
    let (session, jar) = session::load_or_start(&state.db, &state.config, jar).await?;
    let hinted = params
        .login_hint
        .as_deref()
        .and_then(|h| Username::parse(h).ok())
        .map(|u| u.as_str().to_string());
    // A step-up or a fresh sign-in of someone already signed in: their name is already known.
    let signed_in = match session.user_id() {
        Some(id) => crate::directory::users::find_by_id(&state.db, id)
            .await?
            .map(|u| u.username),
        None => None,
    };
    let username = hinted.or(signed_in).unwrap_or_default();
    let flow = Flow::from_params(&params);
    let application = Application::of_flow(&state.db, &flow).await?;
    let view = UsernameView {
        csrf: session.csrf.clone(),
        flow,
        username,
        error: None,
        application: application.clone(),
    };
    Ok(allow_logo(
        (jar, view).into_response(),
        application.as_ref(),
    ))
}

#[derive(Deserialize)]
pub struct UsernameForm {
    csrf: String,
    username: Parsed<Username>,
    #[serde(default)]
    return_to: Option<String>,
    #[serde(default)]
    level: Option<String>,
}

pub async fn login_post(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
    headers: HeaderMap,
    Form(form): Form<UsernameForm>,
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
    let username = match form.username {
        Parsed::Valid(u) => u,
        Parsed::Invalid(typed) => {
            let application = Application::of_flow(&state.db, &flow).await?;
            let view = UsernameView {
                csrf: session.csrf.clone(),
                flow,
                username: typed.chars().take(64).collect(),
                error: Some("Enter your username: letters, digits, '.', '_', '-' or '@'.".into()),
                application: application.clone(),
            };
            let response = (StatusCode::UNPROCESSABLE_ENTITY, view).into_response();
            return Ok(allow_logo(response, application.as_ref()));
        }
    };
    session
        .data
        .insert(LOGIN_USERNAME.into(), username.as_str().into());
    session::save_data(&state.db, &session).await?;
    Ok(see_other(&flow.link("/login/methods")))
}

/// The session and the username typed on the first page, for the code and pass pages; or where to go
/// instead: back to the username page, or to the choice of methods when only a passkey will do and
/// this page cannot lead to one (`leads_to_passkey`: the pass page can, since a pass session may add a
/// passkey and then sign in with it).
pub(super) fn typed(
    session: Option<Session>,
    flow: &Flow,
    leads_to_passkey: bool,
) -> Result<(Session, String), String> {
    let to_login = || flow.link("/login");
    let session = session.ok_or_else(to_login)?;
    let username = session.typed_username().ok_or_else(to_login)?;
    if flow.passkey_only() && !leads_to_passkey {
        return Err(flow.link("/login/methods"));
    }
    Ok((session, username))
}

pub async fn methods_get(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
    jar: CookieJar,
    Query(params): Query<FlowParams>,
) -> Result<Response, PageError> {
    let flow = Flow::from_params(&params);
    let Some(session) = session else {
        return Ok(see_other(&flow.link("/login")));
    };
    let Some(username) = session.typed_username() else {
        return Ok(see_other(&flow.link("/login")));
    };
    let application = Application::of_flow(&state.db, &flow).await?;
    let view = MethodsView {
        csrf: session.csrf.clone(),
        flow,
        username,
        application: application.clone(),
        pass_first: !session::returning_browser(&state.config, &jar),
    };
    Ok(allow_logo(view.into_response(), application.as_ref()))
}
