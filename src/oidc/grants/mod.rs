//! The grants `/token` knows, one file each.

pub mod authorization_code;
pub mod client_credentials;
pub mod device_code;
pub mod refresh_token;

use super::clients::{Client, GrantType};
use super::dpop::Proof;
use super::error::OAuthError;
use super::params::Params;
use super::tokens::Grant;
use crate::audit::{self, Actor, Event};
use crate::db::Tx;
use crate::error::AppError;
use crate::level::Level;
use crate::oidc::OidcState;

/// A token request from an authenticated client allowed to use the grant.
pub struct Request<'a> {
    pub state: &'a OidcState,
    pub client: Client,
    pub params: &'a Params,
    pub address: Option<String>,
    /// The DPoP proof the request came with (checked).
    pub dpop: Option<Proof>,
}

impl Request<'_> {
    /// The DPoP key the access token is bound to: the proof's, when there is one.
    fn access_binding(&self) -> Option<String> {
        self.dpop.as_ref().map(|p| p.jkt.clone())
    }

    /// The DPoP key a new refresh token is bound to: a public client's proof key (RFC 9449 §5). A
    /// confidential client's refresh tokens are bound by its own authentication, so stay unbound.
    fn refresh_binding(&self) -> Option<String> {
        if self.client.public {
            self.access_binding()
        } else {
            None
        }
    }

    /// A code or refresh token bound to `jkt` is good only with a proof by that key.
    fn check_bound(&self, jkt: Option<&str>, what: &str) -> Result<(), OAuthError> {
        let Some(jkt) = jkt else {
            return Ok(());
        };
        match &self.dpop {
            Some(proof) if crate::secrets::constant_time_eq(&proof.jkt, jkt) => Ok(()),
            Some(_) => Err(OAuthError::invalid_grant(format!(
                "the {what} is bound to another DPoP key than this proof's"
            ))),
            None => Err(OAuthError::invalid_grant(format!(
                "the {what} is bound to a DPoP key: send a proof signed by it"
            ))),
        }
    }
}

/// The level a code or a refresh token stored: one tapid no longer reads is damage, never a guess.
fn stored_level(acr: &str) -> Result<Level, AppError> {
    Level::from_acr(acr)
        .ok_or_else(|| AppError::Internal(format!("a stored acr does not parse: {acr}")))
}

/// Records a successful grant in the audit trail.
async fn record_issued(
    tx: &mut Tx,
    request: &Request<'_>,
    grant_type: GrantType,
    grant: &Grant,
    refresh_token: bool,
) -> Result<(), sqlx::Error> {
    audit::record(tx, issued(request, grant_type, grant, refresh_token)).await
}

/// The `token.issued` event of a successful grant.
fn issued(
    request: &Request<'_>,
    grant_type: GrantType,
    grant: &Grant,
    refresh_token: bool,
) -> Event {
    let target = match &grant.user {
        Some(user) => user.target(),
        None => request.client.target(),
    };
    Event::new(
        Actor::Client {
            id: request.client.id.clone(),
        },
        "token.issued",
    )
    .target(target)
    .address(request.address.clone())
    .detail("grant_type", grant_type)
    .detail("client_id", &request.client.id)
    .detail("scope", grant.scope.to_string())
    .detail("refresh_token", refresh_token)
}
