//! Registered clients (relying parties and service clients): administrators only.

use super::rules;
use crate::db::Db;
use crate::directory::Role;
use crate::error::AppError;
use crate::oidc::clients::{
    self, Client, ClientChanges, ClientId, ClientKeys, GrantType, LogoUri, LogoutChanges,
    NewClient, Origin, RedirectUri,
};
use crate::oidc::keys::SigningAlg;
use crate::oidc::scope::Scope;
use crate::tap::Authority;

/// A registration as asked for, before parsing.
#[derive(Clone, Debug, Default)]
pub struct ClientInput {
    pub id: String,
    pub name: Option<String>,
    /// Blank means none.
    pub logo_uri: Option<String>,
    pub public: bool,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub grant_types: Vec<String>,
    pub scopes: Option<String>,
    pub id_token_alg: Option<String>,
    pub access_token_alg: Option<String>,
    pub roles: Vec<Role>,
    pub logout: LogoutInput,
    pub keys: KeysInput,
    /// RFC 9126: only pushed authorization requests.
    pub require_pushed_authorization_requests: bool,
    /// RFC 9449: only token requests with a DPoP proof.
    pub dpop_bound_access_tokens: bool,
}

/// Sign-out and browser settings as asked for; `None` leaves a field as it is, `Some(None)` (or an empty
/// text) removes a URI.
#[derive(Clone, Debug, Default)]
pub struct LogoutInput {
    pub backchannel_logout_uri: Option<Option<String>>,
    pub backchannel_logout_session_required: Option<bool>,
    pub frontchannel_logout_uri: Option<Option<String>>,
    pub frontchannel_logout_session_required: Option<bool>,
    pub allowed_origins: Option<Vec<String>>,
    pub may_introspect: Option<bool>,
}

impl LogoutInput {
    fn parse(self) -> Result<LogoutChanges, AppError> {
        let uri = |v: Option<Option<String>>| -> Result<_, AppError> {
            Ok(match v {
                None => None,
                Some(v) => match v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                    Some(u) => Some(Some(RedirectUri::parse(u)?)),
                    None => Some(None),
                },
            })
        };
        Ok(LogoutChanges {
            backchannel_logout_uri: uri(self.backchannel_logout_uri)?,
            backchannel_logout_session_required: self.backchannel_logout_session_required,
            frontchannel_logout_uri: uri(self.frontchannel_logout_uri)?,
            frontchannel_logout_session_required: self.frontchannel_logout_session_required,
            allowed_origins: self
                .allowed_origins
                .map(|list| {
                    list.iter()
                        .map(|o| o.trim())
                        .filter(|o| !o.is_empty())
                        .map(Origin::parse)
                        .collect::<Result<Vec<_>, _>>()
                })
                .transpose()?,
            may_introspect: self.may_introspect,
        })
    }
}

/// `private_key_jwt` keys as asked for: a JWK Set, or the URL the client publishes it at.
#[derive(Clone, Debug, Default)]
pub struct KeysInput {
    pub jwks: Option<serde_json::Value>,
    pub jwks_uri: Option<String>,
}

impl KeysInput {
    pub fn parse(self) -> Result<Option<ClientKeys>, AppError> {
        match (self.jwks, self.jwks_uri) {
            (Some(_), Some(_)) => Err(AppError::invalid("give jwks or jwks_uri, not both")),
            (Some(set), None) => ClientKeys::inline(&set.to_string()).map(Some),
            (None, Some(uri)) => ClientKeys::uri(&uri).map(Some),
            (None, None) => Ok(None),
        }
    }
}

/// Changes as asked for; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct ClientEdit {
    pub name: Option<Option<String>>,
    /// `Some(None)` (or a blank text) removes the logo.
    pub logo_uri: Option<Option<String>>,
    pub redirect_uris: Option<Vec<String>>,
    pub post_logout_redirect_uris: Option<Vec<String>>,
    pub grant_types: Option<Vec<String>>,
    pub scopes: Option<String>,
    pub id_token_alg: Option<String>,
    pub access_token_alg: Option<String>,
    pub roles: Option<Vec<Role>>,
    pub logout: LogoutInput,
    pub new_secret: bool,
    pub keys: KeysInput,
    pub require_pushed_authorization_requests: Option<bool>,
    pub dpop_bound_access_tokens: Option<bool>,
}

fn uris(values: &[String]) -> Result<Vec<RedirectUri>, AppError> {
    values
        .iter()
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .map(RedirectUri::parse)
        .collect()
}

fn grants(values: &[String]) -> Result<Vec<GrantType>, AppError> {
    values
        .iter()
        .map(|v| {
            GrantType::parse(v.trim()).ok_or_else(|| {
                AppError::invalid(format!(
                    "{v} is not a grant type (authorization_code, refresh_token, client_credentials, device_code)."
                ))
            })
        })
        .collect()
}

fn scope(value: &str) -> Result<Scope, AppError> {
    Scope::parse(value).map_err(|e| AppError::invalid(format!("invalid scope: {e}")))
}

/// A signing algorithm for `field` (`id_token_alg`, `access_token_alg`); blank means the default.
fn alg(field: &str, value: Option<&str>) -> Result<Option<SigningAlg>, AppError> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let tokens = match field {
        "id_token_alg" => "ID tokens",
        _ => "access tokens",
    };
    SigningAlg::parse(value).map(Some).ok_or_else(|| {
        AppError::invalid(format!(
            "{value} cannot sign {tokens}: use RS256, ES256 or EdDSA."
        ))
    })
}

/// A logo URI; blank means none.
fn logo(value: Option<&str>) -> Result<Option<LogoUri>, AppError> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(LogoUri::parse)
        .transpose()
}

const WHAT: &str = "manage clients";

pub async fn list(db: &Db, authority: &Authority) -> Result<Vec<Client>, AppError> {
    rules::may_administer(authority, WHAT)?;
    clients::list(db).await
}

pub async fn get(db: &Db, authority: &Authority, id: &str) -> Result<Client, AppError> {
    rules::may_administer(authority, WHAT)?;
    clients::get(db, id).await
}

/// Registers a client; returns it and its secret (confidential clients), which is never shown again.
pub async fn add(
    db: &Db,
    authority: &Authority,
    input: ClientInput,
) -> Result<(Client, Option<String>), AppError> {
    rules::may_administer(authority, WHAT)?;
    let mut new = NewClient::new(ClientId::parse(input.id.trim())?);
    new.name = input.name;
    new.logo_uri = logo(input.logo_uri.as_deref())?;
    new.public = input.public;
    new.redirect_uris = uris(&input.redirect_uris)?;
    new.post_logout_redirect_uris = uris(&input.post_logout_redirect_uris)?;
    new.grant_types = grants(&input.grant_types)?;
    new.scopes = input
        .scopes
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(scope)
        .transpose()?;
    if let Some(a) = alg("id_token_alg", input.id_token_alg.as_deref())? {
        new.id_token_alg = a;
    }
    if let Some(a) = alg("access_token_alg", input.access_token_alg.as_deref())? {
        new.access_token_alg = a;
    }
    new.roles = input.roles;
    new.logout = input.logout.parse()?;
    new.keys = input.keys.parse()?;
    new.require_pushed_authorization_requests = input.require_pushed_authorization_requests;
    new.dpop_bound_access_tokens = input.dpop_bound_access_tokens;
    clients::add(db, &authority.actor(), new).await
}

pub async fn update(
    db: &Db,
    authority: &Authority,
    id: &str,
    edit: ClientEdit,
) -> Result<(Client, Option<String>), AppError> {
    rules::may_administer(authority, WHAT)?;
    let changes = ClientChanges {
        name: edit.name,
        logo_uri: edit.logo_uri.map(|l| logo(l.as_deref())).transpose()?,
        redirect_uris: edit.redirect_uris.as_deref().map(uris).transpose()?,
        post_logout_redirect_uris: edit
            .post_logout_redirect_uris
            .as_deref()
            .map(uris)
            .transpose()?,
        grant_types: edit.grant_types.as_deref().map(grants).transpose()?,
        scopes: edit.scopes.as_deref().map(scope).transpose()?,
        id_token_alg: alg("id_token_alg", edit.id_token_alg.as_deref())?,
        access_token_alg: alg("access_token_alg", edit.access_token_alg.as_deref())?,
        roles: edit.roles,
        logout: edit.logout.parse()?,
        new_secret: edit.new_secret,
        keys: edit.keys.parse()?,
        require_pushed_authorization_requests: edit.require_pushed_authorization_requests,
        dpop_bound_access_tokens: edit.dpop_bound_access_tokens,
    };
    clients::update(db, &authority.actor(), id, changes).await
}

/// How a client's Logout Tokens fared: delivered, waiting (retried with backoff), given up, and the
/// last error, so that a broken back-channel logout URI shows in the console.
#[derive(Clone, Debug, Default)]
pub struct LogoutStatus {
    pub uri: String,
    pub delivered: i64,
    pub pending: i64,
    pub failed: i64,
    pub last_error: Option<String>,
}

pub async fn logout_status(
    db: &Db,
    authority: &Authority,
    client: &Client,
) -> Result<Option<LogoutStatus>, AppError> {
    rules::may_administer(authority, WHAT)?;
    let Some(uri) = &client.backchannel_logout_uri else {
        return Ok(None);
    };
    let s = crate::db::logout::summary(db.pool(), &client.id).await?;
    Ok(Some(LogoutStatus {
        uri: uri.clone(),
        delivered: s.delivered,
        pending: s.pending,
        failed: s.failed,
        last_error: s.last_error,
    }))
}

pub async fn remove(db: &Db, authority: &Authority, id: &str) -> Result<Client, AppError> {
    rules::may_administer(authority, WHAT)?;
    clients::remove(db, &authority.actor(), id).await
}
