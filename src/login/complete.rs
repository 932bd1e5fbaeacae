//! The end of every sign-in: record it, establish the session at the level proven, and say where to go.
//! And the record of a failed one.

use axum_extra::extract::CookieJar;
use time::{Duration, OffsetDateTime};

use crate::audit::{self, Actor, Event};
use crate::directory::User;
use crate::error::AppError;
use crate::session::data::LOGIN_USERNAME;
use crate::session::{self, Level, Session, SignIn};
use crate::state::AppState;

/// What a sign-in proved.
pub struct Proof {
    pub level: Level,
    pub amr: Vec<String>,
    /// `otp`, `passkey` or `tap`, for the audit trail.
    pub method: &'static str,
    pub method_id: Option<String>,
    pub tap_id: Option<String>,
    /// When the session must end; the configured session lifetime when `None`.
    pub expires_at: Option<OffsetDateTime>,
}

/// Records `signin.succeeded` and establishes the session under a new token.
pub async fn sign_in(
    state: &AppState,
    jar: CookieJar,
    mut previous: Option<Session>,
    user: &User,
    proof: Proof,
    address: Option<String>,
) -> Result<(Session, CookieJar), AppError> {
    if let Some(p) = previous.as_mut() {
        p.data.remove(LOGIN_USERNAME);
    }
    let now = crate::db::now();
    let expires_at = proof
        .expires_at
        .unwrap_or(now + Duration::seconds(i64::from(state.config.tokens.session)));
    let mut tx = state.db.begin().await?;
    audit::record(
        &mut tx,
        Event::new(user.actor(), "signin.succeeded")
            .target(user.target())
            .address(address)
            .detail("method", proof.method)
            .detail("method_id", &proof.method_id)
            .detail("level", proof.level.acr())
            .detail("amr", &proof.amr),
    )
    .await?;
    tx.commit().await?;
    let sign_in = SignIn {
        user_id: user.id.clone(),
        level: proof.level,
        amr: proof.amr,
        auth_time: now,
        tap_id: proof.tap_id,
    };
    session::establish(&state.db, &state.config, jar, previous, sign_in, expires_at).await
}

/// Records `signin.failed`: the reason goes to the audit trail, never to the page.
pub async fn failed(
    state: &AppState,
    username: &str,
    user: Option<&User>,
    method: &'static str,
    reason: &'static str,
    address: Option<String>,
) -> Result<(), AppError> {
    let mut event = Event::new(Actor::Anonymous, "signin.failed")
        .failed()
        .address(address)
        .detail("username", username)
        .detail("method", method)
        .detail("reason", reason);
    if let Some(user) = user {
        event = event.target(user.target());
    }
    let mut tx = state.db.begin().await?;
    audit::record(&mut tx, event).await?;
    tx.commit().await?;
    Ok(())
}
