//! The end of every sign-in: record it, establish the session at the level proven, and say where to go.
//! And the record of a failed one.

use axum_extra::extract::CookieJar;
use time::{Duration, OffsetDateTime};

use crate::audit::{self, Actor, Event};
use crate::config::Config;
use crate::db::Tx;
use crate::directory::User;
use crate::error::AppError;
use crate::session::data::LOGIN_USERNAME;
use crate::session::{self, Amr, Level, Session, SignIn};
use crate::state::AppState;
use crate::throttle::{self, Budget};

/// What a sign-in proved.
pub struct Proof {
    pub level: Level,
    pub amr: Amr,
    /// `otp`, `passkey` or `tap`, for the audit trail.
    pub method: &'static str,
    pub method_id: Option<String>,
    pub tap_id: Option<String>,
    /// When the session must end; the configured session lifetime when `None`.
    pub expires_at: Option<OffsetDateTime>,
    /// The session's public id, when the sign-in already chose it (a one-time pass held by it).
    pub sid: Option<String>,
}

/// Records `signin.succeeded` and establishes the session under a new token, in one transaction.
pub async fn sign_in(
    state: &AppState,
    jar: CookieJar,
    previous: Option<Session>,
    user: &User,
    proof: Proof,
    address: Option<String>,
) -> Result<(Session, CookieJar), AppError> {
    let mut tx = state.db.begin().await?;
    let done = sign_in_in(&mut tx, &state.config, jar, previous, user, proof, address).await?;
    tx.commit().await?;
    Ok(done)
}

/// [`sign_in`] inside the caller's transaction (a pass sign-in: the pass is spent in the same one).
pub async fn sign_in_in(
    tx: &mut Tx,
    config: &Config,
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
        .unwrap_or(now + Duration::seconds(i64::from(config.tokens.session)));
    audit::record(
        tx,
        Event::new(user.actor(), "signin.succeeded")
            .target(user.target())
            .address(address)
            .detail("method", proof.method)
            .detail("method_id", &proof.method_id)
            .detail("level", proof.level.acr())
            .detail("amr", &proof.amr),
    )
    .await?;
    let sign_in = SignIn {
        user_id: user.id.clone(),
        level: proof.level,
        amr: proof.amr,
        auth_time: now,
        tap_id: proof.tap_id,
    };
    session::establish_in(tx, config, jar, previous, sign_in, expires_at, proof.sid).await
}

/// Counts one credential submission against the throttle; past a limit, records `signin.failed`
/// (`rate_limited`) and refuses. Without a username (a discoverable passkey) only the address counts.
pub async fn admit(
    state: &AppState,
    username: Option<&str>,
    user: Option<&User>,
    method: &'static str,
    address: &Option<String>,
    budget: Budget,
) -> Result<(), AppError> {
    let limits = &state.config.throttle;
    let admitted = throttle::admit(&state.db, limits, address.as_deref(), username, budget).await;
    if let Err(e) = admitted {
        let label = username.unwrap_or_default();
        failed(state, label, user, method, "rate_limited", address.clone()).await?;
        return Err(e);
    }
    Ok(())
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
