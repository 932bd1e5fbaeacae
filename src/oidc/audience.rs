//! Whom an access token is for (its `aud`), and which audience each of tapid's own endpoints accepts.
//!
//! - **tapid's admin API** is a resource of its own, named `<issuer>/api` ([`admin_api`]). A token is
//!   for it exactly when its scope includes `tapid:admin`; only clients registered with that scope can
//!   be granted it (the registration is the allow-list), and the API accepts nothing else.
//! - **SCIM provisioning** (`/scim/v2`) is another, named `<issuer>/scim` ([`scim`]): a token is for it
//!   when its scope includes `scim` (and not `tapid:admin`, which wins: a client registered for both
//!   asks for `scope=scim` to provision). SCIM accepts nothing else.
//! - **Every other access token is for the client it was issued to**: `aud` = the client id. That is
//!   what the client's own back end checks, and what `/userinfo` accepts (with `openid`).
//! - A token request may name the audience with RFC 8707 `resource`: the admin API, SCIM, or a client
//!   registered as a resource server (`may_introspect`; its client id is the resource identifier, e.g.
//!   `urn:example:orders`), which may then introspect the token. Any other `resource` is `invalid_target`.
//! - `/introspect` and `/revoke` answer a client about its own tokens, whatever their audience.
//!
//! ID tokens are always for the client (`aud` = client id) and are never accepted as access tokens
//! (their `typ` is not `at+jwt`, and they are not recorded by `jti`).

use super::clients::Client;
use super::error::{ErrorCode, OAuthError};
use super::params::Params;
use super::scope::{self, Scope};
use crate::config::Issuer;

/// The admin API's resource identifier: the audience of every token it accepts.
pub fn admin_api(issuer: &Issuer) -> String {
    issuer.url("/api")
}

/// SCIM's resource identifier: the audience of every token `/scim/v2` accepts.
pub fn scim(issuer: &Issuer) -> String {
    issuer.url("/scim")
}

/// The audience of an access token for `client` with `scope`, for the resource server named by the
/// request (see [`check_target`]), if any.
pub fn of(issuer: &Issuer, client: &Client, scope: &Scope, resource: Option<&str>) -> String {
    if scope.contains(scope::ADMIN_API) {
        admin_api(issuer)
    } else if scope.contains(scope::SCIM) {
        self::scim(issuer)
    } else if let Some(resource) = resource {
        resource.to_string()
    } else {
        client.id.clone()
    }
}

/// Checks the RFC 8707 `resource` of a token request: the admin API (see [`check_resource`]) or a
/// registered resource server, whose id is returned to become the token's audience.
pub async fn check_target(
    state: &super::state::OidcState,
    params: &Params,
    scope: &Scope,
) -> Result<Option<String>, OAuthError> {
    if let Some(resource) = params.get("resource") {
        let issuer = &state.config.issuer;
        let ours = resource == admin_api(issuer) || resource == self::scim(issuer);
        if !ours && !scope.contains(scope::ADMIN_API) && !scope.contains(scope::SCIM) {
            let server = match super::clients::ClientId::parse(resource) {
                Ok(id) => super::clients::find(&state.db, id.as_str()).await?,
                Err(_) => None,
            };
            return match server.filter(|c| c.may_introspect) {
                Some(server) => Ok(Some(server.id)),
                None => Err(invalid_target(
                    "the resource is neither the admin API, SCIM, nor a registered resource server",
                )),
            };
        }
    }
    check_resource(&state.config.issuer, params, scope)?;
    Ok(None)
}

/// Checks the RFC 8707 `resource` of a token request against the scope its access token will have.
pub fn check_resource(issuer: &Issuer, params: &Params, scope: &Scope) -> Result<(), OAuthError> {
    let Some(resource) = params.get("resource") else {
        return Ok(());
    };
    if resource == self::scim(issuer) {
        if !scope.contains(scope::SCIM) || scope.contains(scope::ADMIN_API) {
            return Err(invalid_target(
                "a token for SCIM needs the scim scope (and not tapid:admin), granted to this client",
            ));
        }
        return Ok(());
    }
    if resource != admin_api(issuer) {
        return Err(invalid_target(format!(
            "tapid issues access tokens for the client itself, its admin API ({}) or SCIM ({})",
            admin_api(issuer),
            self::scim(issuer)
        )));
    }
    if !scope.contains(scope::ADMIN_API) {
        return Err(invalid_target(
            "a token for the admin API needs the tapid:admin scope, granted to this client",
        ));
    }
    Ok(())
}

fn invalid_target(description: impl Into<std::borrow::Cow<'static, str>>) -> OAuthError {
    OAuthError::new(ErrorCode::InvalidTarget, description)
}

/// The audience an endpoint accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Accept {
    /// The admin API: `aud` = [`admin_api`].
    AdminApi,
    /// SCIM provisioning: `aud` = [`scim`].
    Scim,
    /// The client's own token (`/userinfo`): `aud` = the token's `client_id`.
    OwnClient,
    /// Any audience (introspection and revocation, which judge by client instead).
    Any,
}

impl Accept {
    /// Whether a verified token with audience `aud`, issued to `client_id` with the space-separated
    /// `scope`, is accepted here.
    pub fn allows(self, issuer: &Issuer, aud: &str, client_id: &str, scope: &str) -> bool {
        let has = |wanted: &str| scope.split(' ').any(|s| s == wanted);
        match self {
            Accept::AdminApi => aud == admin_api(issuer) && has(scope::ADMIN_API),
            Accept::Scim => aud == self::scim(issuer) && has(scope::SCIM),
            Accept::OwnClient => aud == client_id && !has(scope::ADMIN_API) && !has(scope::SCIM),
            Accept::Any => true,
        }
    }
}
