//! `/login`: the username page, and `/login/methods`: the choice of how to sign in.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use serde::Deserialize;

use super::complete::LOGIN_USERNAME;
use super::flow::{Flow, FlowParams};
use super::{guard, see_other};
use crate::directory::Username;
use crate::pages::PageError;
use crate::session;
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "login/username.html")]
pub struct UsernameView {
    csrf: String,
    flow: Flow,
    username: String,
    error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "login/methods.html")]
pub struct MethodsView {
    csrf: String,
    flow: Flow,
    username: String,
}

pub async fn login_get(
    State(state): State<AppState>,
    jar: CookieJar,
    Query(params): Query<FlowParams>,
) -> Result<Response, PageError> {
    let (session, jar) = session::load_or_start(&state, jar).await?;
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
    let view = UsernameView {
        csrf: session.csrf.clone(),
        flow: Flow::from_params(&params),
        username,
        error: None,
    };
    Ok((jar, view).into_response())
}

#[derive(Deserialize)]
pub struct UsernameForm {
    csrf: String,
    username: String,
    #[serde(default)]
    return_to: Option<String>,
    #[serde(default)]
    level: Option<String>,
}

pub async fn login_post(
    State(state): State<AppState>,
    jar: CookieJar,
    headers: HeaderMap,
    Form(form): Form<UsernameForm>,
) -> Result<Response, PageError> {
    let flow = Flow::from_params(&FlowParams {
        return_to: form.return_to,
        level: form.level,
        login_hint: None,
    });
    let Some(mut session) = session::load(&state, &jar).await? else {
        return Ok(see_other(&flow.link("/login")));
    };
    guard::check_form(&state, &headers, &session, &form.csrf)?;
    let username = match Username::parse(&form.username) {
        Ok(u) => u,
        Err(_) => {
            let view = UsernameView {
                csrf: session.csrf.clone(),
                flow,
                username: form.username.chars().take(64).collect(),
                error: Some("Enter your username: letters, digits, '.', '_', '-' or '@'.".into()),
            };
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, view).into_response());
        }
    };
    session
        .data
        .insert(LOGIN_USERNAME.into(), username.as_str().into());
    session::save_data(&state, &session).await?;
    Ok(see_other(&flow.link("/login/methods")))
}

/// The username typed on the first page, if this session has one.
pub(crate) fn typed_username(session: &session::Session) -> Option<String> {
    session
        .data
        .get(LOGIN_USERNAME)
        .and_then(|v| v.as_str())
        .map(String::from)
}

pub async fn methods_get(
    State(state): State<AppState>,
    jar: CookieJar,
    Query(params): Query<FlowParams>,
) -> Result<Response, PageError> {
    let flow = Flow::from_params(&params);
    let Some(session) = session::load(&state, &jar).await? else {
        return Ok(see_other(&flow.link("/login")));
    };
    let Some(username) = typed_username(&session) else {
        return Ok(see_other(&flow.link("/login")));
    };
    Ok(MethodsView {
        csrf: session.csrf.clone(),
        flow,
        username,
    }
    .into_response())
}
