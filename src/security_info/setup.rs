//! `/security-info/setup`: where a restricted (TAP) session registers its first method, and where
//! "Continue" then leads back to the application that asked for the sign-in.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;

use super::views::{self, MethodView};
use super::{SETUP_RETURN_TO, person};
use crate::directory::User;
use crate::error::AppError;
use crate::login::flow::{FlowParams, local_path};
use crate::login::see_other;
use crate::pages::PageError;
use crate::session;
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "security_info/setup.html")]
pub struct SetupView {
    csrf: String,
    username: String,
    /// Still restricted: no method registered in this session yet.
    restricted: bool,
    /// When the restricted session ends.
    ends: String,
    continue_to: String,
    methods: Vec<MethodView>,
}

pub async fn setup_get(
    State(state): State<AppState>,
    jar: CookieJar,
    Query(params): Query<FlowParams>,
) -> Result<Response, PageError> {
    let mut person = match person(&state, &jar, "/security-info/setup").await? {
        Ok(p) => p,
        Err(redirect) => return Ok(redirect),
    };
    if let Some(return_to) = params.return_to.as_deref().and_then(local_path) {
        person
            .session
            .data
            .insert(SETUP_RETURN_TO.into(), return_to.into());
        session::save_data(&state, &person.session).await?;
    }
    if !person.restricted() && !person.began_with_tap() {
        return Ok(see_other("/security-info"));
    }
    let continue_to = person
        .session
        .data
        .get(SETUP_RETURN_TO)
        .and_then(|v| v.as_str())
        .and_then(local_path)
        .unwrap_or_else(|| "/security-info".into());
    Ok(SetupView {
        csrf: person.session.csrf.clone(),
        username: person.user.username.clone(),
        restricted: person.restricted(),
        ends: views::when(person.session.expires_at),
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
