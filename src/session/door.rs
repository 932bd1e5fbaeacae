//! The doors: who may call a handler, said in its signature. Each extractor loads the session and the
//! person signed in, and refuses with the response that moves them on — to sign in, to step up to a
//! passkey, or to register a method first.
//!
//! | extractor | who passes | who is refused, and where to |
//! |---|---|---|
//! | [`SignedIn`] | anyone signed in, a pass session included | nobody (or a disabled user) → `/login` |
//! | [`FullSession`] | `1fa` or `phr`: may sign in to applications | a pass session → `/security-info/setup` |
//! | [`RestrictedSession`] | a session that began with a pass | any other → `/security-info` |
//! | [`Phr`] | a passkey sign-in (`phr`) | below it → `/login?level=phr`; a pass session → setup |
//!
//! A refused GET comes back to the same page afterwards; a refused POST to the start of its section.
//! A script's call (JSON) is answered 401 instead of a redirect.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{Method, header};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;

use super::{Level, Session, load};
use crate::config::Config;
use crate::db::Db;
use crate::directory::{self, User};
use crate::error::AppError;
use crate::pages::flow::{Flow, local_path};
use crate::pages::{PageError, see_other};

/// A signed-in person (at any level, `tap` included) and their session.
pub struct SignedIn {
    pub session: Session,
    pub user: User,
}

impl SignedIn {
    pub fn level(&self) -> Level {
        self.session.level().unwrap_or(Level::Tap)
    }

    /// A pass session that has not registered a method yet: it may only enrol.
    pub fn restricted(&self) -> bool {
        !self.level().may_get_tokens()
    }

    /// The session began with a pass (restricted, or renewed after registering a method).
    pub fn began_with_tap(&self) -> bool {
        self.tap_id().is_some()
    }

    /// The pass the session began with: a method registered in it records this id.
    pub fn tap_id(&self) -> Option<String> {
        self.session.sign_in.as_ref().and_then(|s| s.tap_id.clone())
    }
}

/// A session that may sign in to applications (`1fa` or `phr`).
pub struct FullSession(pub SignedIn);

/// A session that began with a Temporary Access Pass (still restricted, or renewed at `1fa` after
/// registering a method): the setup pages.
pub struct RestrictedSession(pub SignedIn);

/// A phishing-resistant sign-in (a passkey with user verification).
pub struct Phr(pub SignedIn);

/// Why a door refused, and how the response moves the person on.
#[derive(Debug)]
pub struct Refusal {
    why: Why,
    /// The call came from a page's script: answer 401, not a redirect.
    script: bool,
}

#[derive(Debug)]
enum Why {
    /// Sign in (at `level`, as `hint` when known), then come back to `return_to`.
    SignIn {
        return_to: Option<String>,
        level: Option<Level>,
        hint: Option<String>,
    },
    /// A restricted session: register a method first.
    Setup {
        return_to: Option<String>,
        level: Option<Level>,
    },
    /// This page is not for this session: go to `location` instead.
    Elsewhere(&'static str),
    Error(AppError),
}

impl Refusal {
    pub fn error(error: AppError) -> Self {
        Self {
            why: Why::Error(error),
            script: false,
        }
    }
}

impl From<AppError> for Refusal {
    fn from(error: AppError) -> Self {
        Self::error(error)
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match (self.why, self.script) {
            (Why::Error(e), true) => e.into_response(),
            (Why::Error(e), false) => PageError(e).into_response(),
            (_, true) => AppError::Unauthenticated.into_response(),
            (
                Why::SignIn {
                    return_to,
                    level,
                    hint,
                },
                false,
            ) => {
                let mut location = Flow { return_to, level }.link("/login");
                if let Some(name) = hint {
                    let sep = if location.contains('?') { '&' } else { '?' };
                    let pair = url::form_urlencoded::Serializer::new(String::new())
                        .append_pair("login_hint", &name)
                        .finish();
                    location = format!("{location}{sep}{pair}");
                }
                see_other(&location)
            }
            (Why::Setup { return_to, level }, false) => {
                let flow = Flow { return_to, level };
                see_other(&flow.link("/security-info/setup"))
            }
            (Why::Elsewhere(location), false) => see_other(location),
        }
    }
}

/// Where a refused request comes back to: the page itself for a GET, its section's start otherwise.
fn here(parts: &Parts) -> Option<String> {
    if parts.method == Method::GET {
        return parts
            .uri
            .path_and_query()
            .and_then(|p| local_path(p.as_str()));
    }
    let section = parts.uri.path().split('/').nth(1).unwrap_or_default();
    local_path(&format!("/{section}"))
}

fn is_script(parts: &Parts) -> bool {
    let json = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    json || parts.headers.contains_key("x-csrf-token")
}

impl<S> FromRequestParts<S> for SignedIn
where
    Db: FromRef<S>,
    Arc<Config>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Refusal> {
        let (db, config) = (Db::from_ref(state), Arc::<Config>::from_ref(state));
        let script = is_script(parts);
        let refuse = |why| Refusal { why, script };
        let to_login = || {
            refuse(Why::SignIn {
                return_to: here(parts),
                level: None,
                hint: None,
            })
        };
        let jar = CookieJar::from_headers(&parts.headers);
        let Some(session) = load(&db, &config, &jar).await.map_err(Refusal::error)? else {
            return Err(to_login());
        };
        let Some(user_id) = session.user_id() else {
            return Err(to_login());
        };
        match directory::users::find_by_id(&db, user_id).await? {
            Some(user) if user.enabled => Ok(Self { session, user }),
            _ => Err(to_login()),
        }
    }
}

impl<S> FromRequestParts<S> for FullSession
where
    Db: FromRef<S>,
    Arc<Config>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Refusal> {
        let person = SignedIn::from_request_parts(parts, state).await?;
        if person.restricted() {
            // No return_to: setup keeps leading to where the pass sign-in was going.
            return Err(Refusal {
                why: Why::Setup {
                    return_to: None,
                    level: None,
                },
                script: is_script(parts),
            });
        }
        Ok(Self(person))
    }
}

impl<S> FromRequestParts<S> for RestrictedSession
where
    Db: FromRef<S>,
    Arc<Config>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Refusal> {
        let person = SignedIn::from_request_parts(parts, state).await?;
        if !person.restricted() && !person.began_with_tap() {
            return Err(Refusal {
                why: Why::Elsewhere("/security-info"),
                script: is_script(parts),
            });
        }
        Ok(Self(person))
    }
}

impl<S> FromRequestParts<S> for Phr
where
    Db: FromRef<S>,
    Arc<Config>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Refusal> {
        let (script, return_to) = (is_script(parts), here(parts));
        let step_up = |hint: Option<String>| Refusal {
            why: Why::SignIn {
                return_to: return_to.clone(),
                level: Some(Level::PhishingResistant),
                hint,
            },
            script,
        };
        let person = match SignedIn::from_request_parts(parts, state).await {
            Ok(p) => p,
            Err(Refusal {
                why: Why::SignIn { .. },
                ..
            }) => return Err(step_up(None)),
            Err(other) => return Err(other),
        };
        match person.level() {
            Level::PhishingResistant => Ok(Self(person)),
            // A restricted session may only register methods: it goes to setup, and comes back here
            // afterwards (to be stepped up to a passkey then).
            Level::Tap => Err(Refusal {
                why: Why::Setup {
                    return_to: return_to.clone(),
                    level: Some(Level::PhishingResistant),
                },
                script,
            }),
            Level::OneFactor => Err(step_up(Some(person.user.username))),
        }
    }
}
