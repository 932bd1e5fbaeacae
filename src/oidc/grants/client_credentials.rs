//! `client_credentials`: a confidential client acting for itself. No ID token, no refresh token; the access
//! token's `sub` is the client id. Nothing is read or updated, so the grant is recorded by group commit
//! (`oidc::recorder`).

use super::{Request, issued};
use crate::level::Amr;
use crate::oidc::audience;
use crate::oidc::clients::GrantType;
use crate::oidc::error::OAuthError;
use crate::oidc::recorder::Appends;
use crate::oidc::scope::{self, Scope};
use crate::oidc::tokens::{self, Grant, TokenResponse};

pub async fn exchange(request: Request<'_>) -> Result<TokenResponse, OAuthError> {
    let client = &request.client;
    if client.public {
        return Err(OAuthError::unauthorized_client(
            "a public client cannot use client_credentials",
        ));
    }
    let allowed = client
        .scopes
        .without(scope::OPENID)
        .without(scope::OFFLINE_ACCESS);
    let scope = match request.params.get("scope") {
        Some(asked) => {
            let asked = Scope::parse(asked).map_err(OAuthError::invalid_scope)?;
            if !asked.is_subset_of(&allowed) {
                return Err(OAuthError::invalid_scope(
                    "the scope asks for more than this client may have",
                ));
            }
            asked
        }
        None => allowed,
    };
    let resource = audience::check_target(request.state, request.params, &scope).await?;
    let grant = Grant {
        resource,
        client: client.clone(),
        user: None,
        refresh_scope: scope.clone(),
        scope,
        family_id: uuid::Uuid::new_v4().to_string(),
        sid: None,
        acr: None,
        amr: Amr::default(),
        auth_time: None,
        tap_id: None,
        nonce: None,
        cap_at: None,
        dpop_jkt: request.access_binding(),
        refresh_jkt: None,
    };
    let state = request.state;
    let (response, tokens) = tokens::mint(state, &grant, false, false).await?;
    let event = issued(&request, GrantType::ClientCredentials, &grant, false);
    state
        .recorder
        .record(Appends {
            tokens,
            events: vec![event],
        })
        .await?;
    Ok(response)
}
