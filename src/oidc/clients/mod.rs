//! Registered clients (relying parties): their identifiers and redirect URIs parsed once, what a
//! registration holds and the rules it must satisfy, and checking their secrets. Registering, changing
//! and removing them (each with its audit event) is the [`registry`].

mod ids;
mod keys;
mod logout;
mod registry;

pub use ids::{ClientId, LogoUri, Origin, RedirectUri};
pub use keys::{ClientKeys, MAX_JWKS_BYTES, check_set};
pub use logout::LogoutChanges;
pub use registry::{add, find, get, list, remove, update};

use std::fmt;

use serde::Serialize;
use time::OffsetDateTime;

use super::keys::SigningAlg;
use super::scope::Scope;
use crate::audit::Target;
use crate::db;
use crate::db::clients::ClientRow;
use crate::directory::Role;
use crate::error::AppError;
use crate::secrets;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantType {
    AuthorizationCode,
    RefreshToken,
    ClientCredentials,
    /// The device authorization grant (RFC 8628): command-line tools, kiosks and TVs.
    #[serde(rename = "urn:ietf:params:oauth:grant-type:device_code")]
    DeviceCode,
}

impl GrantType {
    pub const ALL: [GrantType; 4] = [
        GrantType::AuthorizationCode,
        GrantType::RefreshToken,
        GrantType::ClientCredentials,
        GrantType::DeviceCode,
    ];

    /// The short name the command line, the console and the API also take for the device grant.
    pub const DEVICE_CODE_SHORT: &str = "device_code";

    pub fn as_str(self) -> &'static str {
        match self {
            GrantType::AuthorizationCode => "authorization_code",
            GrantType::RefreshToken => "refresh_token",
            GrantType::ClientCredentials => "client_credentials",
            GrantType::DeviceCode => "urn:ietf:params:oauth:grant-type:device_code",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        if value == Self::DEVICE_CODE_SHORT {
            return Some(GrantType::DeviceCode);
        }
        Self::ALL.into_iter().find(|g| g.as_str() == value)
    }

    /// Whether tokens of this grant are for a person who signed in.
    pub fn signs_people_in(self) -> bool {
        matches!(self, GrantType::AuthorizationCode | GrantType::DeviceCode)
    }
}

impl fmt::Display for GrantType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Client {
    pub id: String,
    pub name: Option<String>,
    /// Shown beside its name on the sign-in pages.
    pub logo_uri: Option<String>,
    /// Public clients (no secret) authenticate with `none` and must use PKCE.
    pub public: bool,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub grant_types: Vec<GrantType>,
    #[serde(serialize_with = "as_text")]
    pub scopes: Scope,
    pub id_token_alg: SigningAlg,
    /// What its access tokens are signed with; any of tapid's published keys verifies at tapid.
    pub access_token_alg: SigningAlg,
    /// Roles for service use of the admin API (`client_credentials`).
    pub roles: Vec<Role>,
    /// Where Logout Tokens are POSTed when a session in which it received tokens ends.
    pub backchannel_logout_uri: Option<String>,
    pub backchannel_logout_session_required: bool,
    /// Loaded in an iframe on the signed-out page.
    pub frontchannel_logout_uri: Option<String>,
    pub frontchannel_logout_session_required: bool,
    /// Origins allowed to call the token endpoints from a browser, besides the redirect URIs' origins.
    pub allowed_origins: Vec<String>,
    /// A resource server: may introspect tokens whose audience includes it.
    pub may_introspect: bool,
    /// `private_key_jwt`: the client's public keys (a JWK Set as JSON) or where it publishes them.
    #[serde(serialize_with = "as_json")]
    pub jwks: Option<String>,
    pub jwks_uri: Option<String>,
    /// RFC 9126: its authorization requests must come through `/par`.
    pub require_pushed_authorization_requests: bool,
    /// RFC 9449 §5.2: every token request must carry a DPoP proof (so every access token is bound).
    pub dpop_bound_access_tokens: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    #[serde(skip)]
    secret_hash: Option<String>,
}

fn as_json<S: serde::Serializer>(set: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    let value = set
        .as_deref()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(text).ok());
    value.serialize(s)
}

fn as_text<S: serde::Serializer>(scope: &Scope, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&scope.to_string())
}

impl Client {
    pub fn allows_grant(&self, grant: GrantType) -> bool {
        self.grant_types.contains(&grant)
    }

    /// How it authenticates at the token endpoints: `private_key_jwt` (registered keys),
    /// `client_secret_basic` (or `_post`: a secret), or `none` (public).
    pub fn auth_method(&self) -> &'static str {
        if self.keys().is_some() {
            "private_key_jwt"
        } else if self.public {
            "none"
        } else {
            "client_secret_basic"
        }
    }

    /// Its registered keys, for `private_key_jwt`.
    pub fn keys(&self) -> Option<ClientKeys> {
        match (&self.jwks, &self.jwks_uri) {
            (Some(set), _) => Some(ClientKeys::Inline(set.clone())),
            (None, Some(uri)) => Some(ClientKeys::Uri(uri.clone())),
            (None, None) => None,
        }
    }

    /// Registers `keys` as how it authenticates, instead of a secret.
    fn set_keys(&mut self, keys: Option<ClientKeys>) {
        (self.jwks, self.jwks_uri) = match keys {
            Some(ClientKeys::Inline(set)) => (Some(set), None),
            Some(ClientKeys::Uri(uri)) => (None, Some(uri)),
            None => (None, None),
        };
    }

    pub fn has_redirect_uri(&self, uri: &str) -> bool {
        self.redirect_uris.iter().any(|r| r == uri)
    }

    pub fn has_post_logout_redirect_uri(&self, uri: &str) -> bool {
        self.post_logout_redirect_uris.iter().any(|r| r == uri)
    }

    /// Checks a presented secret against the stored digest, in constant time.
    pub fn verify_secret(&self, secret: &str) -> bool {
        match &self.secret_hash {
            Some(hash) => secrets::constant_time_eq(hash, &secrets::digest(secret)),
            None => false,
        }
    }

    /// How the pages name it (its display name, else its id) and show its logo.
    pub fn application(&self) -> crate::pages::Application {
        crate::pages::Application::new(&self.id, self.name.as_deref(), self.logo_uri.as_deref())
    }

    pub fn target(&self) -> Target {
        Target::new("client", &self.id, self.name.as_deref().unwrap_or(&self.id))
    }

    /// A stored registration; one whose scopes no longer parse is an error, never a client with none.
    fn from_row(row: ClientRow) -> Result<Self, AppError> {
        let words = |s: &str| s.split_whitespace().map(String::from).collect::<Vec<_>>();
        Ok(Self {
            public: row.secret_hash.is_none() && row.jwks.is_none() && row.jwks_uri.is_none(),
            redirect_uris: words(&row.redirect_uris),
            post_logout_redirect_uris: words(&row.post_logout_redirect_uris),
            grant_types: row
                .grant_types
                .split_whitespace()
                .filter_map(GrantType::parse)
                .collect(),
            scopes: Scope::stored(&row.scopes, &format!("client {}", row.id))?,
            id_token_alg: SigningAlg::parse(&row.id_token_alg).unwrap_or(SigningAlg::RS256),
            access_token_alg: SigningAlg::parse(&row.access_token_alg).unwrap_or(SigningAlg::RS256),
            roles: Role::parse_list(&row.roles),
            backchannel_logout_uri: row.backchannel_logout_uri,
            backchannel_logout_session_required: row.backchannel_logout_session_required != 0,
            frontchannel_logout_uri: row.frontchannel_logout_uri,
            frontchannel_logout_session_required: row.frontchannel_logout_session_required != 0,
            allowed_origins: words(&row.allowed_origins),
            may_introspect: row.may_introspect != 0,
            jwks: row.jwks,
            jwks_uri: row.jwks_uri,
            require_pushed_authorization_requests: row.require_pushed_authorization_requests != 0,
            dpop_bound_access_tokens: row.dpop_bound_access_tokens != 0,
            created_at: db::from_ts(row.created_at),
            updated_at: db::from_ts(row.updated_at),
            secret_hash: row.secret_hash,
            name: row.name,
            logo_uri: row.logo_uri,
            id: row.id,
        })
    }

    fn to_row(&self) -> ClientRow {
        ClientRow {
            id: self.id.clone(),
            name: self.name.clone(),
            secret_hash: self.secret_hash.clone(),
            redirect_uris: self.redirect_uris.join(" "),
            post_logout_redirect_uris: self.post_logout_redirect_uris.join(" "),
            grant_types: self
                .grant_types
                .iter()
                .map(|g| g.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            scopes: self.scopes.to_string(),
            id_token_alg: self.id_token_alg.as_str().into(),
            access_token_alg: self.access_token_alg.as_str().into(),
            roles: Role::format_list(&self.roles),
            backchannel_logout_uri: self.backchannel_logout_uri.clone(),
            backchannel_logout_session_required: self.backchannel_logout_session_required.into(),
            frontchannel_logout_uri: self.frontchannel_logout_uri.clone(),
            frontchannel_logout_session_required: self.frontchannel_logout_session_required.into(),
            allowed_origins: self.allowed_origins.join(" "),
            may_introspect: self.may_introspect.into(),
            jwks: self.jwks.clone(),
            jwks_uri: self.jwks_uri.clone(),
            require_pushed_authorization_requests: self
                .require_pushed_authorization_requests
                .into(),
            logo_uri: self.logo_uri.clone(),
            dpop_bound_access_tokens: self.dpop_bound_access_tokens.into(),
            created_at: db::ts(self.created_at),
            updated_at: db::ts(self.updated_at),
        }
    }

    /// The rules every registration must satisfy, whatever changed.
    fn validate(&self) -> Result<(), AppError> {
        if self.grant_types.is_empty() {
            return Err(AppError::invalid("a client needs at least one grant type"));
        }
        if self.public && self.keys().is_some() {
            return Err(AppError::invalid(
                "A public client cannot authenticate with keys: make it a confidential client.",
            ));
        }
        if self.public && self.allows_grant(GrantType::ClientCredentials) {
            return Err(AppError::invalid(
                "a public client cannot use client_credentials: it has no secret",
            ));
        }
        if self.allows_grant(GrantType::AuthorizationCode) && self.redirect_uris.is_empty() {
            return Err(AppError::invalid(
                "A client using authorization_code needs at least one redirect URI.",
            ));
        }
        if self.allows_grant(GrantType::RefreshToken)
            && !self.grant_types.iter().any(|g| g.signs_people_in())
        {
            return Err(AppError::invalid(
                "refresh_token needs authorization_code or device_code: refresh tokens come from sign-ins",
            ));
        }
        if self.require_pushed_authorization_requests && self.public {
            return Err(AppError::invalid(
                "pushed authorization requests are for confidential clients: a public client cannot require them",
            ));
        }
        if let Some(name) = &self.name {
            if name.chars().count() > 128 || !crate::directory::readable(name) {
                return Err(AppError::invalid(
                    "An application's name has at most 128 characters, and no invisible or \
                     control characters (such as the right-to-left override U+202E).",
                ));
            }
        }
        Ok(())
    }
}

/// A registration.
#[derive(Clone, Debug)]
pub struct NewClient {
    pub id: ClientId,
    pub name: Option<String>,
    pub logo_uri: Option<LogoUri>,
    pub public: bool,
    pub redirect_uris: Vec<RedirectUri>,
    pub post_logout_redirect_uris: Vec<RedirectUri>,
    /// Empty: `authorization_code` and `refresh_token`.
    pub grant_types: Vec<GrantType>,
    /// `None`: the sign-in scopes for clients that sign people in, nothing otherwise.
    pub scopes: Option<Scope>,
    pub id_token_alg: SigningAlg,
    pub access_token_alg: SigningAlg,
    pub roles: Vec<Role>,
    pub logout: LogoutChanges,
    /// `private_key_jwt`: its keys instead of a secret.
    pub keys: Option<ClientKeys>,
    /// RFC 9126: only pushed authorization requests.
    pub require_pushed_authorization_requests: bool,
    /// RFC 9449: only token requests with a DPoP proof.
    pub dpop_bound_access_tokens: bool,
}

impl NewClient {
    pub fn new(id: ClientId) -> Self {
        Self {
            id,
            name: None,
            logo_uri: None,
            public: false,
            redirect_uris: Vec::new(),
            post_logout_redirect_uris: Vec::new(),
            grant_types: Vec::new(),
            scopes: None,
            id_token_alg: SigningAlg::RS256,
            access_token_alg: SigningAlg::RS256,
            roles: Vec::new(),
            logout: LogoutChanges::default(),
            keys: None,
            require_pushed_authorization_requests: false,
            dpop_bound_access_tokens: false,
        }
    }
}

/// Changes to a client; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct ClientChanges {
    pub name: Option<Option<String>>,
    pub logo_uri: Option<Option<LogoUri>>,
    pub redirect_uris: Option<Vec<RedirectUri>>,
    pub post_logout_redirect_uris: Option<Vec<RedirectUri>>,
    pub grant_types: Option<Vec<GrantType>>,
    pub scopes: Option<Scope>,
    pub id_token_alg: Option<SigningAlg>,
    pub access_token_alg: Option<SigningAlg>,
    pub roles: Option<Vec<Role>>,
    pub logout: LogoutChanges,
    /// Replace the secret of a confidential client (the new one is returned once); a client that
    /// authenticated with keys then uses the secret instead.
    pub new_secret: bool,
    /// Authenticate with these keys (`private_key_jwt`) from now on, instead of a secret.
    pub keys: Option<ClientKeys>,
    pub require_pushed_authorization_requests: Option<bool>,
    pub dpop_bound_access_tokens: Option<bool>,
}
