//! Who reaches the console: a person signed in with a passkey (level `phr`) who holds the admin or
//! helpdesk role. A session below `phr` is sent to step up through the sign-in pages
//! (`/login?level=phr&return_to=…`); a restricted (pass) session is sent to `/security-info/setup`.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::directory::{Role, User};
use crate::error::AppError;
use crate::pages::{ClientAddress, PageError, see_other};
use crate::session::{Phr, Refusal, Session};
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
        self.session
            .check_form(&state.config, headers, csrf)
            .map_err(PageError)
    }
}

/// The console's door: [`Phr`] (a passkey sign-in), and then the admin or helpdesk role.
impl<S> FromRequestParts<S> for Admin
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Refusal> {
        let state = AppState::from_ref(state);
        let Phr(person) = Phr::from_request_parts(parts, &state).await?;
        if person.user.roles.is_empty() {
            return Err(Refusal::error(AppError::Forbidden(
                "the admin console is open to the admin and helpdesk roles only".into(),
            )));
        }
        let Ok(ClientAddress(address)) = ClientAddress::from_request_parts(parts, &state).await;
        Ok(Self {
            authority: Authority::User(person.user.clone()),
            session: person.session,
            user: person.user,
            address,
        })
    }
}

/// `303 See Other` to a console page after a change, with a note of what was done.
pub fn done(path: &str, what: &str) -> Response {
    let sep = if path.contains('?') { '&' } else { '?' };
    see_other(&format!("{path}{sep}done={what}"))
}

/// A page with a status other than 200.
pub fn with_status(status: StatusCode, page: impl IntoResponse) -> Response {
    (status, page).into_response()
}
