//! Who reaches the console: a person signed in with a passkey (level `phr`) who holds the admin or
//! helpdesk role. A session below `phr` is sent to step up through the sign-in pages
//! (`/login?level=phr&return_to=…`); a restricted (pass) session is refused outright.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;

use crate::directory::{self, Role, User};
use crate::error::AppError;
use crate::login::flow::Flow;
use crate::login::guard::{self, ClientAddress};
use crate::pages::PageError;
use crate::session::{self, Level, Session};
use crate::state::AppState;
use crate::tap::Authority;

/// The signed-in console user: their session, their account, and their authority for the services.
pub struct Admin {
    pub session: Session,
    pub user: User,
    pub authority: Authority,
    pub address: Option<String>,
}

/// What every console page shows in its navigation.
#[derive(Clone, Debug)]
pub struct Nav {
    pub username: String,
    pub is_admin: bool,
    pub csrf: String,
    pub section: &'static str,
}

impl Admin {
    pub fn is_admin(&self) -> bool {
        self.user.has_role(Role::Admin)
    }

    pub fn nav(&self, section: &'static str) -> Nav {
        Nav {
            username: self.user.username.clone(),
            is_admin: self.is_admin(),
            csrf: self.session.csrf.clone(),
            section,
        }
    }

    /// Every console form: this session's CSRF token, and this site as the Origin.
    pub fn check_form(
        &self,
        state: &AppState,
        headers: &HeaderMap,
        csrf: &str,
    ) -> Result<(), PageError> {
        guard::check_form(state, headers, &self.session, csrf).map_err(PageError)
    }
}

/// Sends the browser to sign in with a passkey and come back to `here`.
fn step_up(here: &str, username: Option<&str>) -> Response {
    let flow = Flow {
        return_to: crate::login::flow::local_path(here),
        level: Some(Level::PhishingResistant),
    };
    let mut location = flow.link("/login");
    if let Some(name) = username {
        location.push_str(&format!(
            "&{}",
            url::form_urlencoded::Serializer::new(String::new())
                .append_pair("login_hint", name)
                .finish()
        ));
    }
    crate::login::see_other(&location)
}

impl<S> FromRequestParts<S> for Admin
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        let state = AppState::from_ref(state);
        let refuse = |e: AppError| PageError(e).into_response();
        let jar = CookieJar::from_headers(&parts.headers);
        // A form posted from a session too weak comes back to the console's start, not to the POST.
        let here = if parts.method == Method::GET {
            parts
                .uri
                .path_and_query()
                .map(|p| p.as_str().to_string())
                .unwrap_or_else(|| "/admin".into())
        } else {
            "/admin".to_string()
        };
        let session = session::load(&state, &jar).await.map_err(refuse)?;
        let Some(session) = session else {
            return Err(step_up(&here, None));
        };
        let Some(user_id) = session.user_id().map(String::from) else {
            return Err(step_up(&here, None));
        };
        let user = directory::users::find_by_id(&state.db, &user_id)
            .await
            .map_err(refuse)?;
        let Some(user) = user.filter(|u| u.enabled) else {
            return Err(step_up(&here, None));
        };
        match session.level() {
            Some(Level::PhishingResistant) => {}
            Some(Level::Tap) => {
                return Err(refuse(AppError::Forbidden(
                    "a session that began with a Temporary Access Pass can only register sign-in \
                     methods; finish that at /security-info/setup, then sign in with a passkey"
                        .into(),
                )));
            }
            _ => return Err(step_up(&here, Some(&user.username))),
        }
        if user.roles.is_empty() {
            return Err(refuse(AppError::Forbidden(
                "the admin console is open to the admin and helpdesk roles only".into(),
            )));
        }
        let ClientAddress(address) = ClientAddress::from_request_parts(parts, &state)
            .await
            .unwrap_or(ClientAddress(None));
        Ok(Self {
            authority: Authority::User(user.clone()),
            session,
            user,
            address,
        })
    }
}

/// `303 See Other` to a console page after a change, with a note of what was done.
pub fn done(path: &str, what: &str) -> Response {
    let sep = if path.contains('?') { '&' } else { '?' };
    crate::login::see_other(&format!("{path}{sep}done={what}"))
}

/// A page with a status other than 200.
pub fn with_status(status: StatusCode, page: impl IntoResponse) -> Response {
    (status, page).into_response()
}
