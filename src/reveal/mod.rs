//! The reveal page at `/reveal/{token}`: a one-time link shows a pass's passcode once, to whoever
//! opens it first and confirms who they are as the organisation chose (`reveal.confirm`) — the
//! holder's manager signed in with their own passkey, or the last four digits of the holder's
//! employee number. It says so when the link was already opened, expired or was revoked; wrong
//! confirmations are counted (the link locks) and throttled per address like every credential.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum_extra::extract::CookieJar;
use serde::Deserialize;
use time::OffsetDateTime;

use crate::config::RevealConfirm;
use crate::error::AppError;
use crate::pages::time::Moment;
use crate::pages::{ClientAddress, PageError};
use crate::session::{self, Phr, Refusal};
use crate::state::AppState;
use crate::tap::reveal::{self, Link, LinkState, Proof, Revealed};
use crate::throttle::{self, Budget};

pub fn router() -> Router<AppState> {
    Router::new().route("/reveal/{token}", get(reveal_get).post(reveal_post))
}

/// A time as these pages show it: in UTC, rewritten in the reader's zone by `static/time.js`.
fn when(at: OffsetDateTime) -> Moment {
    Moment::new(at)
}

#[derive(Template, WebTemplate)]
#[template(path = "reveal/confirm.html")]
struct ConfirmView {
    token: String,
    username: String,
    csrf: String,
    manager: bool,
    signed_in: String,
    error: Option<String>,
    expires: Moment,
}

#[derive(Template, WebTemplate)]
#[template(path = "reveal/shown.html")]
struct ShownView {
    username: String,
    passcode: String,
    groups: Vec<String>,
    ends: Moment,
}

#[derive(Template, WebTemplate)]
#[template(path = "reveal/closed.html")]
struct ClosedView {
    title: &'static str,
    message: String,
    /// When the link was opened, for "It was opened on …".
    opened: Option<Moment>,
}

/// Every answer of these pages: never cached, never sent as a referrer onwards.
fn private(status: StatusCode, page: impl IntoResponse) -> Response {
    let mut response = (status, page).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

fn closed(state: LinkState) -> Response {
    let opened = match state {
        LinkState::Opened(at) => Some(when(at)),
        _ => None,
    };
    let (title, message) = match state {
        LinkState::Opened(_) => (
            "This link was already opened",
            "It shows the pass only once. If that was not you, tell whoever issued the pass now."
                .into(),
        ),
        LinkState::Expired => (
            "This link has expired",
            "It can no longer show the pass.".into(),
        ),
        LinkState::Revoked => (
            "This link was revoked",
            "It, or the pass behind it, was revoked or replaced.".into(),
        ),
        LinkState::Locked => (
            "This link is locked",
            "Too many wrong confirmations were entered; it will not show the pass.".into(),
        ),
        LinkState::Ready => ("This link cannot be opened", String::new()),
    };
    private(
        StatusCode::GONE,
        ClosedView {
            title,
            message,
            opened,
        },
    )
}

fn not_found() -> Response {
    private(
        StatusCode::NOT_FOUND,
        ClosedView {
            title: "This link is not valid",
            message: "Check that the whole link was copied.".into(),
            opened: None,
        },
    )
}

/// The page that asks for the confirmation (or, for a manager, shows who is signed in).
async fn confirm_page(
    state: &AppState,
    jar: CookieJar,
    token: String,
    link: &Link,
    signed_in: Option<String>,
    error: Option<String>,
) -> Result<Response, PageError> {
    let (session, jar) = session::load_or_start(&state.db, &state.config, jar).await?;
    let view = ConfirmView {
        token,
        username: link.holder.username.clone(),
        csrf: session.csrf,
        manager: link.confirm == RevealConfirm::ManagerPasskey,
        signed_in: signed_in.unwrap_or_default(),
        expires: when(crate::db::from_ts(link.row.expires_at)),
        error: error.clone(),
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((jar, private(status, view)).into_response())
}

pub async fn reveal_get(
    State(state): State<AppState>,
    jar: CookieJar,
    Path(token): Path<String>,
    manager: Result<Phr, Refusal>,
) -> Result<Response, PageError> {
    let Some(link) = reveal::look(&state.db, &token).await? else {
        return Ok(not_found());
    };
    if link.state != LinkState::Ready {
        return Ok(closed(link.state));
    }
    let signed_in = match (link.confirm, manager) {
        (RevealConfirm::EmployeeNumber, _) => None,
        (RevealConfirm::ManagerPasskey, Ok(Phr(person))) => Some(person.user.username),
        // Sign in with a passkey first, then come back here.
        (RevealConfirm::ManagerPasskey, Err(refusal)) => return Ok(refusal.into_response()),
    };
    confirm_page(&state, jar, token, &link, signed_in, None).await
}

#[derive(Debug, Deserialize)]
pub struct RevealForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    digits: String,
}

pub async fn reveal_post(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    jar: CookieJar,
    Path(token): Path<String>,
    manager: Result<Phr, Refusal>,
    axum::Form(form): axum::Form<RevealForm>,
) -> Result<Response, PageError> {
    let current = session::load(&state.db, &state.config, &jar).await?;
    let session = current.ok_or_else(|| {
        AppError::Forbidden(
            "the form has expired or did not come from this site; please try again".into(),
        )
    })?;
    session.check_form(&state.config, &headers, &form.csrf)?;
    throttle::admit(
        &state.db,
        &state.config.throttle,
        address.as_deref(),
        None,
        Budget::Passcode,
    )
    .await?;
    let Some(link) = reveal::look(&state.db, &token).await? else {
        return Ok(not_found());
    };
    let proof = match (link.confirm, manager) {
        (RevealConfirm::ManagerPasskey, Ok(Phr(person))) => Proof::Signed(person.user),
        (RevealConfirm::ManagerPasskey, Err(refusal)) => return Ok(refusal.into_response()),
        (RevealConfirm::EmployeeNumber, _) => Proof::EmployeeDigits(form.digits.clone()),
    };
    let settings = &state.config.reveal;
    match reveal::reveal(&state.db, &state.sealer, settings, &token, proof, address).await? {
        Revealed::Passcode {
            passcode,
            holder,
            ends_at,
        } => {
            let grouped = passcode.grouped();
            let view = ShownView {
                username: holder.username,
                groups: grouped.split('-').map(String::from).collect(),
                passcode: grouped,
                ends: when(ends_at),
            };
            Ok(private(StatusCode::OK, view))
        }
        Revealed::Closed(state) => Ok(closed(state)),
        Revealed::WrongConfirmation { locked: true } => Ok(closed(LinkState::Locked)),
        Revealed::WrongConfirmation { locked: false } => {
            let error = "Those are not the last four digits of the employee number.".to_string();
            confirm_page(&state, jar, token, &link, None, Some(error)).await
        }
        Revealed::NotTheManager => Err(AppError::Forbidden(format!(
            "only {}'s manager may open this link",
            link.holder.username
        ))
        .into()),
    }
}
