//! `urn:ietf:params:oauth:grant-type:device_code` (RFC 8628 §3.4–3.5): a device polls with its device
//! code. Until a person decides it answers `authorization_pending`; a poll sooner than the interval
//! `slow_down` (and the interval grows); a denial `access_denied`; an expired code `expired_token`.
//! An approved code is redeemed once, across instances, for tokens that carry the approving session's
//! `auth_time`, `acr` and `amr`.

use super::{Request, record_issued, stored_level};
use crate::db::{self, devices::DeviceRow};
use crate::directory::{self, User};
use crate::level::Amr;
use crate::oidc::audience;
use crate::oidc::clients::{Client, GrantType};
use crate::oidc::error::{ErrorCode, OAuthError};
use crate::oidc::scope::{self, Scope};
use crate::oidc::tokens::{self, Grant, TokenResponse};
use crate::secrets;

fn grant_of(
    request: &Request<'_>,
    client: &Client,
    user: User,
    row: &DeviceRow,
    scope: Scope,
    resource: Option<String>,
) -> Result<Grant, OAuthError> {
    let damaged = || {
        crate::error::AppError::Internal(format!(
            "device code {} approved without a sign-in",
            row.id
        ))
    };
    let acr = row.acr.as_deref().ok_or_else(damaged)?;
    Ok(Grant {
        resource,
        client: client.clone(),
        user: Some(user),
        refresh_scope: scope.clone(),
        scope,
        family_id: row.family_id.clone(),
        sid: row.sid.clone(),
        acr: Some(stored_level(acr)?),
        amr: Amr::from_stored(&row.amr),
        auth_time: Some(row.auth_time.ok_or_else(damaged)?),
        tap_id: row.tap_id.clone(),
        nonce: None,
        cap_at: row.tap_id.as_ref().and(row.session_expires_at),
        dpop_jkt: request.access_binding(),
        refresh_jkt: request.refresh_binding(),
    })
}

pub async fn exchange(request: Request<'_>) -> Result<TokenResponse, OAuthError> {
    let state = request.state;
    let client = &request.client;
    let code = request.params.require("device_code")?;
    let unusable =
        || OAuthError::invalid_grant("the device code is invalid or was already redeemed");
    if code.len() > 256 {
        return Err(unusable());
    }
    let now = db::ts(db::now());
    let row = db::devices::find_by_device_code(state.db.pool(), &secrets::digest(code))
        .await?
        .ok_or_else(unusable)?;
    if row.client_id != client.id {
        return Err(OAuthError::invalid_grant(
            "the device code was issued to another client",
        ));
    }
    if row.used_at.is_some() {
        return Err(unusable());
    }
    if row.expires_at <= now && row.status != db::devices::DENIED {
        return Err(OAuthError::device_poll(
            ErrorCode::ExpiredToken,
            "the device code has expired: ask for a new one",
        ));
    }
    if !db::devices::poll(state.db.pool(), &row.id, now).await? {
        return Err(OAuthError::device_poll(
            ErrorCode::SlowDown,
            "polling too fast: wait the interval (now five seconds longer) between requests",
        ));
    }
    match row.status.as_str() {
        db::devices::PENDING => {
            return Err(OAuthError::device_poll(
                ErrorCode::AuthorizationPending,
                "the person has not approved the request yet",
            ));
        }
        db::devices::DENIED => {
            return Err(OAuthError::device_poll(
                ErrorCode::AccessDenied,
                "the person denied the request",
            ));
        }
        db::devices::APPROVED => {}
        other => {
            return Err(crate::error::AppError::Internal(format!(
                "device code {} has an unknown status {other}",
                row.id
            ))
            .into());
        }
    }
    let user_id = row.user_id.as_deref().unwrap_or_default();
    let user = directory::users::find_by_id(&state.db, user_id)
        .await?
        .filter(|u| u.enabled)
        .ok_or_else(|| OAuthError::invalid_grant("the user can no longer sign in"))?;
    let scope = Scope::stored(&row.scope, "a device code")?;
    let resource = audience::check_target(state, request.params, &scope).await?;
    let refresh =
        scope.contains(scope::OFFLINE_ACCESS) && client.allows_grant(GrantType::RefreshToken);
    let grant = grant_of(&request, client, user, &row, scope, resource)?;
    let (response, tokens) = tokens::mint(state, &grant, true, refresh).await?;

    let mut tx = state.db.begin().await?;
    if !db::devices::mark_used(&mut tx, &row.id, now).await? {
        // Redeemed by a poll that committed since the code was read.
        return Err(unusable());
    }
    // As for a code: the approving session must still be there. One ended since — signed out
    // everywhere, the account disabled, the pass it began with revoked — buys the device nothing.
    if let Some(sid) = &row.sid {
        if db::sessions::find_by_sid(&mut *tx, sid, now)
            .await?
            .is_none()
        {
            return Err(OAuthError::invalid_grant(
                "the sign-in session that approved this device has ended",
            ));
        }
    }
    for token in &tokens {
        db::tokens::insert(&mut tx, token).await?;
    }
    record_issued(&mut tx, &request, GrantType::DeviceCode, &grant, refresh).await?;
    tx.commit().await?;
    Ok(response)
}
