//! `authorization_code`: redeems a code once. The code is bound to its client, redirect URI, PKCE
//! challenge, nonce and sign-in session; a second redemption is refused and revokes what the first issued.

use super::{Request, record_issued, stored_level};
use crate::audit::{self, Actor, Event, Severity};
use crate::db::{self, codes::CodeRow};
use crate::directory::{self, User};
use crate::level::Amr;
use crate::oidc::audience;
use crate::oidc::clients::Client;
use crate::oidc::clients::GrantType;
use crate::oidc::error::OAuthError;
use crate::oidc::pkce;
use crate::oidc::scope::{self, Scope};
use crate::oidc::tokens::{self, Grant, TokenResponse};
use crate::secrets;

/// What the code's sign-in gives the client: its user, level and methods, the session it came from.
fn grant_of(
    request: &Request<'_>,
    client: &Client,
    user: User,
    row: &CodeRow,
    scope: Scope,
    resource: Option<String>,
) -> Result<Grant, OAuthError> {
    Ok(Grant {
        resource,
        client: client.clone(),
        user: Some(user),
        refresh_scope: scope.clone(),
        scope,
        family_id: row.family_id.clone(),
        sid: Some(row.sid.clone()),
        acr: Some(stored_level(&row.acr)?),
        amr: Amr::from_stored(&row.amr),
        auth_time: Some(row.auth_time),
        tap_id: row.tap_id.clone(),
        nonce: row.nonce.clone(),
        cap_at: row.tap_id.is_some().then_some(row.session_expires_at),
        dpop_jkt: request.access_binding(),
        refresh_jkt: request.refresh_binding(),
    })
}

pub async fn exchange(request: Request<'_>) -> Result<TokenResponse, OAuthError> {
    let state = request.state;
    let client = &request.client;
    let code = request.params.require("code")?;
    let redirect_uri = request.params.require("redirect_uri")?;
    let verifier = request.params.get("code_verifier");
    let unusable =
        || OAuthError::invalid_grant("the authorization code is invalid, expired or already used");
    if code.len() > 256 {
        return Err(unusable());
    }
    let now = db::ts(db::now());
    let code_hash = secrets::digest(code);
    // Everything that can be checked and signed is done before the write lock is taken; the lock covers
    // only spending the code and recording what it bought.
    let row = db::codes::find(state.db.pool(), &code_hash)
        .await?
        .ok_or_else(unusable)?;
    if row.client_id != client.id {
        return Err(OAuthError::invalid_grant(
            "the authorization code was issued to another client",
        ));
    }
    if row.used_at.is_some() {
        let mut tx = state.db.begin().await?;
        revoke_replayed(&mut tx, &request, &row, now).await?;
        tx.commit().await?;
        return Err(unusable());
    }
    if row.expires_at <= now {
        return Err(unusable());
    }
    if row.redirect_uri != redirect_uri {
        return Err(OAuthError::invalid_grant(
            "redirect_uri does not match the authorization request",
        ));
    }
    check_pkce(&row, verifier, client.public)?;
    request.check_bound(row.dpop_jkt.as_deref(), "authorization code")?;
    let user = directory::users::find_by_id(&state.db, &row.user_id)
        .await?
        .filter(|u| u.enabled)
        .ok_or_else(|| OAuthError::invalid_grant("the user can no longer sign in"))?;
    let scope = Scope::stored(&row.scope, "an authorization code")?;
    let resource = audience::check_target(state, request.params, &scope).await?;
    let refresh =
        scope.contains(scope::OFFLINE_ACCESS) && client.allows_grant(GrantType::RefreshToken);
    let grant = grant_of(&request, client, user, &row, scope, resource)?;
    let (response, tokens) = tokens::mint(state, &grant, true, refresh).await?;

    let mut tx = state.db.begin().await?;
    if !db::codes::mark_used(&mut tx, &code_hash, now).await? {
        // Spent by a redemption that committed since the code was read: this one is a replay.
        revoke_replayed(&mut tx, &request, &row, now).await?;
        tx.commit().await?;
        return Err(unusable());
    }
    if db::sessions::find_by_sid(&mut *tx, &row.sid, now)
        .await?
        .is_none()
    {
        return Err(OAuthError::invalid_grant("the sign-in session has ended"));
    }
    for token in &tokens {
        db::tokens::insert(&mut tx, token).await?;
    }
    record_issued(
        &mut tx,
        &request,
        GrantType::AuthorizationCode,
        &grant,
        refresh,
    )
    .await?;
    tx.commit().await?;
    Ok(response)
}

fn check_pkce(row: &CodeRow, verifier: Option<&str>, public: bool) -> Result<(), OAuthError> {
    match (&row.code_challenge, verifier) {
        (Some(challenge), Some(verifier)) if pkce::verify(challenge, verifier) => Ok(()),
        (Some(_), Some(_)) => Err(OAuthError::invalid_grant(
            "the code_verifier does not match",
        )),
        (Some(_), None) => Err(OAuthError::invalid_grant("the code_verifier is missing")),
        (None, Some(_)) => Err(OAuthError::invalid_grant(
            "a code_verifier was sent but the authorization request had no code_challenge",
        )),
        (None, None) if public => Err(OAuthError::invalid_grant("a public client must use PKCE")),
        (None, None) => Ok(()),
    }
}

/// RFC 6749 §4.1.2: a code used twice was stolen or leaked; what it bought is revoked.
async fn revoke_replayed(
    tx: &mut db::Tx,
    request: &Request<'_>,
    row: &CodeRow,
    now: i64,
) -> Result<(), OAuthError> {
    let revoked = db::tokens::revoke_family(tx, &row.family_id, now).await?;
    audit::record(
        tx,
        Event::new(
            Actor::Client {
                id: request.client.id.clone(),
            },
            "token.code_reused",
        )
        .failed()
        .severity(Severity::High)
        .address(request.address.clone())
        .detail("client_id", &request.client.id)
        .detail("user_id", &row.user_id)
        .detail("revoked_tokens", revoked),
    )
    .await?;
    Ok(())
}
