//! OpenID Connect Back-Channel Logout 1.0: delivering the Logout Tokens that ending a session queued in
//! the outbox (`db::logout`). Every instance runs a sender; a row is claimed by moving its next attempt
//! on (a lease), so each Logout Token goes out once per client even with several instances, and again
//! after a failure or a crash — at least once, with backoff, until the last attempt gives up (shown in the
//! console).

use std::time::Duration as StdDuration;

use jsonwebtoken::Header;
use serde::Serialize;
use serde_json::{Value, json};
use tracing::Instrument;

use super::keys::SigningAlg;
use crate::db::logout::Due;
use crate::db::{self, logout};
use crate::error::AppError;
use crate::oidc::OidcState;

/// How often each instance looks for Logout Tokens to send.
const INTERVAL: StdDuration = StdDuration::from_secs(1);
/// How long a claimed row is this instance's before another may try it.
const LEASE: i64 = 30;
/// Attempts before giving up (backoff 5 s, 10 s, 20 s … capped at an hour: about six hours in all).
pub const MAX_ATTEMPTS: i64 = 12;
/// How long a receiver may take to answer.
const TIMEOUT: StdDuration = StdDuration::from_secs(5);
/// Logout Tokens are short-lived: they are for now, not for later.
const LIFETIME: i64 = 120;
const EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

#[derive(Serialize)]
struct LogoutClaims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    iat: i64,
    exp: i64,
    jti: String,
    sid: &'a str,
    events: Value,
}

/// The HTTP client for receivers: no redirects (a Logout Token goes only to the registered URI).
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .build()
        .unwrap_or_default()
}

/// Sends what is due every [`INTERVAL`] for as long as the server runs.
pub fn spawn(state: OidcState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let http = http_client();
        let mut ticker = tokio::time::interval(INTERVAL);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            if let Err(e) = deliver_due(&state, &http).await {
                e.log();
            }
        }
    })
}

/// Sends every Logout Token that is due now and this instance claims; returns how many were delivered.
pub async fn deliver_due(state: &OidcState, http: &reqwest::Client) -> Result<usize, AppError> {
    let now = db::ts(db::now());
    let mut delivered = 0;
    for due in logout::due(state.db.pool(), now, 50).await? {
        let mut tx = state.db.begin().await?;
        let claimed = logout::claim(&mut tx, &due, now + LEASE).await?;
        tx.commit().await?;
        if !claimed {
            continue;
        }
        let outcome = send(state, http, &due).await;
        let now = db::ts(db::now());
        let mut tx = state.db.begin().await?;
        match outcome {
            Ok(()) => {
                logout::delivered(&mut tx, &due.client_id, &due.sid, now).await?;
                delivered += 1;
            }
            Err(error) => {
                let attempts = due.attempts + 1;
                tracing::warn!(client = %due.client_id, attempts, %error, "back-channel logout failed");
                if attempts >= MAX_ATTEMPTS {
                    logout::give_up(&mut tx, &due.client_id, &due.sid, &error, now).await?;
                } else {
                    let wait = (5_i64 << (attempts - 1).min(10)).min(3600);
                    logout::retry_later(&mut tx, &due.client_id, &due.sid, &error, now + wait)
                        .await?;
                }
            }
        }
        tx.commit().await?;
    }
    Ok(delivered)
}

/// Mints the Logout Token (signed like the client's ID tokens) and POSTs it; `Err` says why it failed,
/// in words fit for the console.
async fn send(state: &OidcState, http: &reqwest::Client, due: &Due) -> Result<(), String> {
    let token = logout_token(state, due)
        .await
        .map_err(|e| format!("cannot sign the Logout Token: {}", e.public_message()))?;
    let span = tracing::info_span!("logout token delivery", otel.kind = "client", client_id = %due.client_id);
    let response = async {
        http.post(&due.backchannel_logout_uri)
            .headers(crate::traces::outgoing_headers())
            .header(reqwest::header::CACHE_CONTROL, "no-store")
            .form(&[("logout_token", token)])
            .send()
            .await
    }
    .instrument(span)
    .await
    .map_err(|e| {
        if e.is_timeout() {
            "the application did not answer in time".to_string()
        } else if e.is_connect() {
            "cannot connect to the application".to_string()
        } else {
            "the request to the application failed".to_string()
        }
    })?;
    let status = response.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("the application answered HTTP {}", status.as_u16()))
    }
}

pub async fn logout_token(state: &OidcState, due: &Due) -> Result<String, AppError> {
    let alg = SigningAlg::parse(&due.id_token_alg).unwrap_or(SigningAlg::RS256);
    let key = state
        .keys
        .signing_key(&state.db, &state.sealer, alg)
        .await?;
    let mut header = Header::new(key.alg.jwt());
    header.kid = Some(key.kid.clone());
    header.typ = Some("logout+jwt".into());
    let now = db::ts(db::now());
    let claims = LogoutClaims {
        iss: state.config.issuer.as_str(),
        sub: &due.user_id,
        aud: &due.client_id,
        iat: now,
        exp: now + LIFETIME,
        jti: uuid::Uuid::new_v4().to_string(),
        sid: &due.sid,
        events: json!({ EVENT: {} }),
    };
    key.sign(&header, &claims)
}
