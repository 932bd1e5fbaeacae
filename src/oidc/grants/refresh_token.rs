//! `refresh_token`: rotated on every use. Presenting a token that was already exchanged revokes its whole
//! family (someone else holds a copy). The scope may be narrowed, never widened.

use super::{Request, record_issued, stored_level};
use crate::audit::{self, Actor, Event, Severity};
use crate::db::{self, tokens::TokenRow};
use crate::directory;
use crate::level::Amr;
use crate::oidc::audience;
use crate::oidc::clients::GrantType;
use crate::oidc::error::OAuthError;
use crate::oidc::scope::{self, Scope};
use crate::oidc::tokens::{self, Grant, TokenResponse};
use crate::secrets;

pub async fn exchange(request: Request<'_>) -> Result<TokenResponse, OAuthError> {
    let state = request.state;
    let client = &request.client;
    let token = request.params.require("refresh_token")?;
    let unusable = || OAuthError::invalid_grant("the refresh token is invalid, expired or revoked");
    if token.len() > 256 {
        return Err(unusable());
    }
    let now = db::ts(db::now());
    let token_hash = secrets::digest(token);
    // Checked and signed before the write lock is taken; the lock covers only the rotation and its record.
    let row = db::tokens::find_refresh(state.db.pool(), &token_hash)
        .await?
        .ok_or_else(unusable)?;
    if row.client_id != client.id || row.revoked_at.is_some() {
        return Err(unusable());
    }
    if row.rotated_at.is_some() {
        let mut tx = state.db.begin().await?;
        revoke_reused(&mut tx, &request, &row, now).await?;
        tx.commit().await?;
        return Err(unusable());
    }
    if row.expires_at <= now {
        return Err(unusable());
    }
    request.check_bound(row.dpop_jkt.as_deref(), "refresh token")?;
    let granted = Scope::stored(&row.scope, "a refresh token")?;
    let scope = match request.params.get("scope") {
        Some(asked) => {
            let asked = Scope::parse(asked).map_err(OAuthError::invalid_scope)?;
            if !asked.is_subset_of(&granted) {
                return Err(OAuthError::invalid_scope(
                    "the scope may be narrowed on refresh, never widened",
                ));
            }
            asked
        }
        None => granted.clone(),
    };
    let resource = audience::check_target(state, request.params, &scope).await?;
    let user_id = row.user_id.as_deref().ok_or_else(unusable)?;
    let user = directory::users::find_by_id(&state.db, user_id)
        .await?
        .filter(|u| u.enabled)
        .ok_or_else(unusable)?;
    let grant = Grant {
        resource,
        client: client.clone(),
        user: Some(user),
        refresh_scope: granted,
        family_id: row.family_id.clone(),
        sid: row.sid.clone(),
        acr: row.acr.as_deref().map(stored_level).transpose()?,
        amr: Amr::from_stored(&row.amr),
        auth_time: row.auth_time,
        tap_id: row.tap_id.clone(),
        nonce: None,
        cap_at: row.cap_at,
        scope,
        dpop_jkt: request.access_binding(),
        refresh_jkt: row.dpop_jkt.clone().or_else(|| request.refresh_binding()),
    };
    let with_id_token = grant.scope.contains(scope::OPENID);
    let (response, tokens) = tokens::mint(state, &grant, with_id_token, true).await?;

    let mut tx = state.db.begin().await?;
    if !db::tokens::mark_rotated(&mut tx, &row.id, now).await? {
        // Changed since it was read: rotated by a concurrent use (a reuse), or revoked.
        let now_row = db::tokens::find_refresh(&mut *tx, &token_hash).await?;
        if now_row.is_some_and(|r| r.rotated_at.is_some() && r.revoked_at.is_none()) {
            revoke_reused(&mut tx, &request, &row, now).await?;
            tx.commit().await?;
        }
        return Err(unusable());
    }
    for token in &tokens {
        db::tokens::insert(&mut tx, token).await?;
    }
    record_issued(&mut tx, &request, GrantType::RefreshToken, &grant, true).await?;
    tx.commit().await?;
    Ok(response)
}

async fn revoke_reused(
    tx: &mut db::Tx,
    request: &Request<'_>,
    row: &TokenRow,
    now: i64,
) -> Result<(), OAuthError> {
    let revoked = db::tokens::revoke_family(tx, &row.family_id, now).await?;
    let mut event = Event::new(
        Actor::Client {
            id: request.client.id.clone(),
        },
        "token.refresh_reused",
    )
    .failed()
    .severity(Severity::High)
    .address(request.address.clone())
    .detail("client_id", &request.client.id)
    .detail("family_id", &row.family_id)
    .detail("revoked_tokens", revoked);
    if let Some(user_id) = &row.user_id {
        event = event.detail("user_id", user_id);
    }
    audit::record(tx, event).await?;
    Ok(())
}
