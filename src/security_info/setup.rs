//! `/security-info/setup`: where a restricted (TAP) session registers its first method, and where
//! "Continue" then leads back to the application that asked for the sign-in.
//!
//! The continuation belongs to the flow, not to the session: `?return_to=…&level=…` is carried through
//! the pages that add a method and back here, so two tabs (an application in one, `/admin` in the
//! other) and side trips each end where they began. Without one, the page leads to where the pass
//! sign-in itself was going (kept in the session when it signed in).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};

use super::views::{self, MethodView};
use crate::directory::User;
use crate::error::AppError;
use crate::pages::application::allow_logo;
use crate::pages::flow::{Flow, FlowParams, local_path};
use crate::pages::time::Moment;
use crate::pages::{Application, PageError};
use crate::session::RestrictedSession;
use crate::session::data::SETUP_RETURN_TO;
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
    /// This flow, carried by the links and forms that add a method.
    pub(super) add: AddFlow,
    /// Only a passkey will do where this flow goes (`level=phr`).
    passkey_only: bool,
    methods: Vec<MethodView>,
    /// The application this flow continues to, if it is an authorization request.
    application: Option<Application>,
}

/// How the "add a method" choices carry the flow they belong to.
pub struct AddFlow {
    /// The authenticator-app page, with the flow.
    pub totp_link: String,
    /// The flow's fields for the passkey script (it sends them back with the new passkey).
    pub return_to: String,
    pub level: String,
    /// Offer an authenticator app (not when only a passkey will do: the app would not get there).
    pub offer_app: bool,
}

impl AddFlow {
    pub fn new(flow: &Flow) -> Self {
        Self {
            totp_link: flow.link("/security-info/totp"),
            return_to: flow.return_to_field().to_string(),
            level: flow.level_field().to_string(),
            offer_app: !flow.passkey_only(),
        }
    }
}

pub async fn setup_get(
    State(state): State<AppState>,
    RestrictedSession(person): RestrictedSession,
    Query(params): Query<FlowParams>,
) -> Result<Response, PageError> {
    // This flow's continuation, or the one the pass sign-in began with.
    let continue_to = params
        .return_to
        .as_deref()
        .and_then(local_path)
        .or_else(|| {
            person
                .session
                .text(SETUP_RETURN_TO)
                .as_deref()
                .and_then(local_path)
        })
        .unwrap_or_else(|| "/security-info".into());
    let flow = Flow {
        return_to: Some(continue_to.clone()),
        level: Flow::from_params(&params).level,
    };
    let pass = match crate::tap::show(&state.db, &person.user).await {
        Ok(pass) if Some(&pass.id) == person.tap_id().as_ref() => Some(pass),
        Ok(_) | Err(AppError::NotFound(_)) => None,
        Err(e) => return Err(e.into()),
    };
    let sign_in_again = flow.link("/login");
    let application = Application::of_flow(&state.db, &flow).await?;
    let view = SetupView {
        csrf: person.session.csrf.clone(),
        username: person.user.username.clone(),
        restricted: person.restricted(),
        ends: Moment::new(person.session.expires_at),
        pass_one_time: pass.as_ref().is_some_and(|p| p.one_time),
        pass_ends: pass.as_ref().map(|p| Moment::new(p.end)),
        sign_in_again,
        continue_to,
        add: AddFlow::new(&flow),
        passkey_only: flow.passkey_only(),
        methods: views::methods_of(&state.db, &person.user.id).await?,
        application: application.clone(),
    };
    Ok(allow_logo(view.into_response(), application.as_ref()))
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
