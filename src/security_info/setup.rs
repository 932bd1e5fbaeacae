//! `/security-info/setup`: where a restricted (TAP) session registers its first method, and where
//! "Continue" then leads back to the application that asked for the sign-in.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};

use super::views::{self, MethodView};
use crate::directory::User;
use crate::error::AppError;
use crate::pages::PageError;
use crate::pages::flow::{Flow, FlowParams, local_path};
use crate::pages::time::Moment;
use crate::session::data::SETUP_RETURN_TO;
use crate::session::{self, RestrictedSession};
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "security_info/setup.html")]
pub struct SetupView {
    csrf: String,
    username: String,
    /// Still restricted: no method registered in this session yet.
    restricted: bool,
    /// When the restricted session (the setup window) ends.
    ends: Moment,
    /// The pass this session began with: one-time or not, and when it ends (for the words shown when
    /// the window closes with nothing set up).
    pass_one_time: bool,
    pass_ends: Option<Moment>,
    /// Where "Sign in again" leads once the window is over: the same flow, from the start.
    sign_in_again: String,
    continue_to: String,
    methods: Vec<MethodView>,
}

pub async fn setup_get(
    State(state): State<AppState>,
    RestrictedSession(mut person): RestrictedSession,
    Query(params): Query<FlowParams>,
) -> Result<Response, PageError> {
    if let Some(return_to) = params.return_to.as_deref().and_then(local_path) {
        person
            .session
            .data
            .insert(SETUP_RETURN_TO.into(), return_to.into());
        session::save_data(&state.db, &person.session).await?;
    }
    let continue_to = person
        .session
        .text(SETUP_RETURN_TO)
        .as_deref()
        .and_then(local_path)
        .unwrap_or_else(|| "/security-info".into());
    let pass = match crate::tap::show(&state.db, &person.user).await {
        Ok(pass) if Some(&pass.id) == person.tap_id().as_ref() => Some(pass),
        Ok(_) | Err(AppError::NotFound(_)) => None,
        Err(e) => return Err(e.into()),
    };
    let sign_in_again = Flow {
        return_to: Some(continue_to.clone()),
        level: None,
    }
    .link("/login");
    Ok(SetupView {
        csrf: person.session.csrf.clone(),
        username: person.user.username.clone(),
        restricted: person.restricted(),
        ends: Moment::new(person.session.expires_at),
        pass_one_time: pass.as_ref().is_some_and(|p| p.one_time),
        pass_ends: pass.as_ref().map(|p| Moment::new(p.end)),
        sign_in_again,
        continue_to,
        methods: views::methods_of(&state.db, &person.user.id).await?,
    }
    .into_response())
}

/// Whether the user holds a pass that can still be used (then their last method may go: the pass
/// lets them back in).
pub(crate) async fn has_usable_pass(state: &AppState, user: &User) -> Result<bool, AppError> {
    match crate::tap::show(&state.db, user).await {
        Ok(pass) => Ok(pass.usable),
        Err(AppError::NotFound(_)) => Ok(false),
        Err(e) => Err(e),
    }
}
