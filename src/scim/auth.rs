//! `ScimCaller`: a provisioning client, from a bearer access token that tapid issued by
//! `client_credentials` to a client granted the `scim` scope. It acts with the roles it was granted
//! (`helpdesk` touches only people who hold no role and cannot create groups; `admin` may do both),
//! through the same service functions as the console, the API and the CLI, so every change is audited
//! with the client as its actor.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::StatusCode;
use axum::http::request::Parts;

use super::error::ScimError;
use crate::admin::service::rules::{self, Power};
use crate::oidc;
use crate::oidc::audience::Accept;
use crate::oidc::tokens::TokenRefused;
use crate::pages::ClientAddress;
use crate::state::AppState;
use crate::tap::Authority;

/// The scope a client needs for `/scim/v2`.
pub const SCIM_SCOPE: &str = oidc::scope::SCIM;

#[derive(Clone, Debug)]
pub struct ScimCaller {
    pub authority: Authority,
    pub address: Option<String>,
}

impl<S> FromRequestParts<S> for ScimCaller
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ScimError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ScimError> {
        let state = AppState::from_ref(state);
        let token = oidc::tokens::bearer(&parts.headers).ok_or_else(|| {
            ScimError::unauthenticated(
                "a bearer token from tapid's client_credentials grant is required",
            )
        })?;
        // Only tokens issued for SCIM itself (`oidc::audience`, aud `<issuer>/scim`).
        // A token that cannot be judged (the database away) is not a bad token: 503, as elsewhere.
        let verified = oidc::tokens::verify_access_token(&state.oidc, token, Accept::Scim)
            .await
            .map_err(|refused| match refused {
                TokenRefused::Invalid(_) => ScimError::unauthenticated(
                    "the access token is invalid, expired, revoked or not issued for SCIM",
                ),
                TokenRefused::Failed(error) => error.into(),
            })?;
        // SCIM takes bearer tokens only: a DPoP-bound token presented as one is refused (RFC 9449 §7.2).
        if verified.cnf.is_some() {
            return Err(ScimError::unauthenticated(
                "this access token is bound to a DPoP key: SCIM accepts only bearer tokens",
            ));
        }
        let claims = verified.claims;
        let forbidden = |why: &str| ScimError::new(StatusCode::FORBIDDEN, None, why);
        if !claims.is_client_token() {
            return Err(forbidden(
                "SCIM is for provisioning clients, not people's tokens",
            ));
        }
        // The client must still be registered for SCIM: removing the scope ends its live tokens here.
        let client = oidc::clients::find(&state.db, &claims.client_id)
            .await?
            .filter(|c| c.scopes.contains(SCIM_SCOPE))
            .ok_or_else(|| {
                ScimError::unauthenticated("the client is no longer registered for SCIM")
            })?;
        let authority = Authority::Client {
            id: client.id,
            roles: client.roles,
        };
        if rules::power(&authority) == Power::Nothing {
            return Err(forbidden(
                "the client holds no role: grant it `helpdesk` or `admin` (tapid client update --role)",
            ));
        }
        // The audit trail records the client's address as every other door does (trusted proxies).
        let Ok(ClientAddress(address)) = ClientAddress::from_request_parts(parts, &state).await;
        Ok(Self { authority, address })
    }
}
