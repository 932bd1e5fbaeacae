//! The user's own methods: register, list, rename, remove. The only place a restricted (TAP) session
//! may go: `/security-info/setup` and what it links to, its own method list, and sign-out.
//!
//! | route | who | what |
//! |---|---|---|
//! | `GET /security-info` | `1fa`, `phr` (`tap` → setup) | methods, add, rename, remove, own pass, recent sign-ins |
//! | `GET /security-info/setup?return_to` | `tap`, or a session that began with a pass | add a method; then Continue |
//! | `GET/POST /security-info/totp` | any level | QR + secret, one code finishes |
//! | `POST /security-info/passkey/begin`, `/finish` | any level | JSON for the script |
//! | `POST /security-info/methods/{id}/rename`, `/remove` | `1fa`, `phr` | removal: recent sign-in, not with a pass |
//! | `POST /security-info/pass/delete` | `1fa`, `phr` | revokes the person's own pass |
//! | `POST /security-info/signout` | any | ends the session → `/login` |
//!
//! Who may call each handler is its signature: [`SignedIn`], [`FullSession`] or [`RestrictedSession`]
//! (`crate::session::door`).

mod overview;
mod passkey;
mod setup;
mod totp;
mod views;

use axum::Router;
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use time::Duration;

use crate::error::AppError;
use crate::methods::Method;
use crate::pages::form::no_store;
use crate::session::data::TAP_ENDS_AT;
use crate::session::{self, Amr, Level, SignIn, SignedIn};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/security-info", get(overview::overview_get))
        .route("/security-info/setup", get(setup::setup_get))
        .route(
            "/security-info/totp",
            get(totp::totp_get).post(totp::totp_post),
        )
        .route("/security-info/passkey/begin", post(passkey::begin))
        .route("/security-info/passkey/finish", post(passkey::finish))
        .route(
            "/security-info/methods/{id}/rename",
            post(overview::rename_post),
        )
        .route(
            "/security-info/methods/{id}/remove",
            post(overview::remove_post),
        )
        .route(
            "/security-info/pass/delete",
            post(overview::pass_delete_post),
        )
        .route("/security-info/signout", post(overview::signout_post))
        .layer(no_store())
}

/// After a method is registered: a restricted session is renewed at `1fa` with amr `tap` plus the new
/// method's, still bound to its pass (and ending with it at the latest).
pub(crate) async fn after_registration(
    state: &AppState,
    jar: CookieJar,
    person: SignedIn,
    method: &Method,
    address: Option<String>,
) -> Result<CookieJar, AppError> {
    if !person.restricted() {
        return Ok(jar);
    }
    let Some(previous) = person.session.sign_in.clone() else {
        return Ok(jar);
    };
    let now = crate::db::now();
    let mut expires_at = now + Duration::seconds(i64::from(state.config.tokens.session));
    if let Some(ends) = person
        .session
        .data
        .get(TAP_ENDS_AT)
        .and_then(|v| v.as_i64())
    {
        expires_at = expires_at.min(crate::db::from_ts(ends));
    }
    let amr = Amr::new(["tap"]).then(method.amr());
    let sign_in = SignIn {
        user_id: previous.user_id,
        level: Level::OneFactor,
        amr,
        auth_time: now,
        tap_id: previous.tap_id,
    };
    // The one-time pass this session holds is spent now, with the renewal, in one transaction.
    let mut tx = state.db.begin().await?;
    if let Some(tap_id) = &sign_in.tap_id {
        crate::tap::hold::spend(&mut tx, tap_id, &person.session.sid, address).await?;
    }
    let sid = Some(person.session.sid.clone());
    let (_, jar) = session::establish_in(
        &mut tx,
        &state.config,
        jar,
        Some(person.session),
        sign_in,
        expires_at,
        sid,
    )
    .await?;
    tx.commit().await?;
    Ok(jar)
}
