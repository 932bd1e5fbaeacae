//! Registered clients (relying parties): parsing their identifiers and redirect URIs once, registering,
//! changing and removing them (each with its audit event), and checking their secrets.

use std::fmt;

use serde::Serialize;
use time::OffsetDateTime;
use url::Url;

use super::keys::SigningAlg;
use super::scope::{self, Scope};
use crate::audit::{self, Actor, Event, Target};
use crate::db::clients::ClientRow;
use crate::db::{self, Db};
use crate::directory::Role;
use crate::error::AppError;
use crate::secrets;

/// A client identifier: 1–128 characters of letters, digits and `. _ - : ~`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientId(String);

impl ClientId {
    pub fn parse(value: &str) -> Result<Self, AppError> {
        let ok = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | ':' | '~');
        if value.is_empty() || value.len() > 128 || !value.chars().all(ok) {
            return Err(AppError::invalid(
                "invalid client id: use 1-128 letters, digits, '.', '_', '-', ':' or '~'",
            ));
        }
        Ok(Self(value.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A redirect URI as registered: absolute, no fragment, no credentials; `https`, or `http` only for a
/// loopback host. Requests must present it byte for byte (no prefix or wildcard matching).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedirectUri(String);

impl RedirectUri {
    pub fn parse(value: &str) -> Result<Self, AppError> {
        let invalid =
            |why: &str| AppError::invalid(format!("invalid redirect URI `{value}`: {why}"));
        if value.len() > 2000 {
            return Err(invalid("too long"));
        }
        // Stored space-separated, and compared byte for byte: no whitespace or control characters.
        if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid("spaces and control characters are not allowed"));
        }
        let url = Url::parse(value).map_err(|_| invalid("not an absolute URL"))?;
        if url.fragment().is_some() {
            return Err(invalid("a fragment is not allowed"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid("credentials are not allowed"));
        }
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) => {}
            "http" => return Err(invalid("http is allowed only for localhost and loopback")),
            _ => return Err(invalid("the scheme must be https")),
        }
        Ok(Self(value.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// A web origin (`scheme://host[:port]`, RFC 6454) a browser application may call the token endpoints
/// from, besides the origins of its redirect URIs: `https`, or `http` only for a loopback host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin(String);

impl Origin {
    pub fn parse(value: &str) -> Result<Self, AppError> {
        let invalid = |why: &str| AppError::invalid(format!("invalid origin `{value}`: {why}"));
        let url = Url::parse(value).map_err(|_| invalid("not an absolute URL"))?;
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) => {}
            _ => return Err(invalid("use https (http only for localhost and loopback)")),
        }
        let origin = url.origin().ascii_serialization();
        if origin.trim_end_matches('/') != value.trim_end_matches('/') {
            return Err(invalid("an origin is scheme://host[:port], without a path"));
        }
        Ok(Self(origin))
    }

    /// The origin of a registered redirect URI.
    pub fn of_uri(uri: &str) -> Option<String> {
        let url = Url::parse(uri).ok()?;
        matches!(url.scheme(), "https" | "http").then(|| url.origin().ascii_serialization())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantType {
    AuthorizationCode,
    RefreshToken,
    ClientCredentials,
}

impl GrantType {
    pub const ALL: [GrantType; 3] = [
        GrantType::AuthorizationCode,
        GrantType::RefreshToken,
        GrantType::ClientCredentials,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            GrantType::AuthorizationCode => "authorization_code",
            GrantType::RefreshToken => "refresh_token",
            GrantType::ClientCredentials => "client_credentials",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.as_str() == value)
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
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    #[serde(skip)]
    secret_hash: Option<String>,
}

fn as_text<S: serde::Serializer>(scope: &Scope, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&scope.to_string())
}

impl Client {
    pub fn allows_grant(&self, grant: GrantType) -> bool {
        self.grant_types.contains(&grant)
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

    pub fn target(&self) -> Target {
        Target::new("client", &self.id, self.name.as_deref().unwrap_or(&self.id))
    }

    fn from_row(row: ClientRow) -> Self {
        let words = |s: &str| s.split_whitespace().map(String::from).collect::<Vec<_>>();
        Self {
            public: row.secret_hash.is_none(),
            redirect_uris: words(&row.redirect_uris),
            post_logout_redirect_uris: words(&row.post_logout_redirect_uris),
            grant_types: row
                .grant_types
                .split_whitespace()
                .filter_map(GrantType::parse)
                .collect(),
            scopes: Scope::parse(&row.scopes).unwrap_or_default(),
            id_token_alg: SigningAlg::parse(&row.id_token_alg).unwrap_or(SigningAlg::RS256),
            access_token_alg: SigningAlg::parse(&row.access_token_alg).unwrap_or(SigningAlg::RS256),
            roles: Role::parse_list(&row.roles),
            backchannel_logout_uri: row.backchannel_logout_uri,
            backchannel_logout_session_required: row.backchannel_logout_session_required != 0,
            frontchannel_logout_uri: row.frontchannel_logout_uri,
            frontchannel_logout_session_required: row.frontchannel_logout_session_required != 0,
            allowed_origins: words(&row.allowed_origins),
            may_introspect: row.may_introspect != 0,
            created_at: db::from_ts(row.created_at),
            updated_at: db::from_ts(row.updated_at),
            secret_hash: row.secret_hash,
            name: row.name,
            id: row.id,
        }
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
            created_at: db::ts(self.created_at),
            updated_at: db::ts(self.updated_at),
        }
    }

    /// The rules every registration must satisfy, whatever changed.
    fn validate(&self) -> Result<(), AppError> {
        if self.grant_types.is_empty() {
            return Err(AppError::invalid("a client needs at least one grant type"));
        }
        if self.public && self.allows_grant(GrantType::ClientCredentials) {
            return Err(AppError::invalid(
                "a public client cannot use client_credentials: it has no secret",
            ));
        }
        if self.allows_grant(GrantType::AuthorizationCode) && self.redirect_uris.is_empty() {
            return Err(AppError::invalid(
                "a client using authorization_code needs at least one --redirect-uri",
            ));
        }
        if self.allows_grant(GrantType::RefreshToken)
            && !self.allows_grant(GrantType::AuthorizationCode)
        {
            return Err(AppError::invalid(
                "refresh_token needs authorization_code: refresh tokens come from sign-ins",
            ));
        }
        if let Some(name) = &self.name {
            if name.chars().count() > 128 || name.chars().any(char::is_control) {
                return Err(AppError::invalid(
                    "invalid name: at most 128 printable characters",
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
}

/// The sign-out and browser settings of a client; `None` leaves a field as it is (or unset, when adding).
#[derive(Clone, Debug, Default)]
pub struct LogoutChanges {
    /// `Some(None)` removes it.
    pub backchannel_logout_uri: Option<Option<RedirectUri>>,
    pub backchannel_logout_session_required: Option<bool>,
    pub frontchannel_logout_uri: Option<Option<RedirectUri>>,
    pub frontchannel_logout_session_required: Option<bool>,
    pub allowed_origins: Option<Vec<Origin>>,
    pub may_introspect: Option<bool>,
}

impl LogoutChanges {
    /// Applies the changes to `client`, adding what changed to `event`.
    fn apply(self, client: &mut Client, mut event: Event) -> Event {
        if let Some(uri) = self.backchannel_logout_uri {
            client.backchannel_logout_uri = uri.map(|u| u.0);
            event = event.detail("backchannel_logout_uri", &client.backchannel_logout_uri);
        }
        if let Some(required) = self.backchannel_logout_session_required {
            client.backchannel_logout_session_required = required;
            event = event.detail("backchannel_logout_session_required", required);
        }
        if let Some(uri) = self.frontchannel_logout_uri {
            client.frontchannel_logout_uri = uri.map(|u| u.0);
            event = event.detail("frontchannel_logout_uri", &client.frontchannel_logout_uri);
        }
        if let Some(required) = self.frontchannel_logout_session_required {
            client.frontchannel_logout_session_required = required;
            event = event.detail("frontchannel_logout_session_required", required);
        }
        if let Some(origins) = self.allowed_origins {
            client.allowed_origins = dedup(origins.into_iter().map(|o| o.0).collect());
            event = event.detail("allowed_origins", &client.allowed_origins);
        }
        if let Some(may) = self.may_introspect {
            client.may_introspect = may;
            event = event
                .detail("may_introspect", may)
                .severity(audit::Severity::High);
        }
        event
    }
}

impl NewClient {
    pub fn new(id: ClientId) -> Self {
        Self {
            id,
            name: None,
            public: false,
            redirect_uris: Vec::new(),
            post_logout_redirect_uris: Vec::new(),
            grant_types: Vec::new(),
            scopes: None,
            id_token_alg: SigningAlg::RS256,
            access_token_alg: SigningAlg::RS256,
            roles: Vec::new(),
            logout: LogoutChanges::default(),
        }
    }
}

/// Changes to a client; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct ClientChanges {
    pub name: Option<Option<String>>,
    pub redirect_uris: Option<Vec<RedirectUri>>,
    pub post_logout_redirect_uris: Option<Vec<RedirectUri>>,
    pub grant_types: Option<Vec<GrantType>>,
    pub scopes: Option<Scope>,
    pub id_token_alg: Option<SigningAlg>,
    pub access_token_alg: Option<SigningAlg>,
    pub roles: Option<Vec<Role>>,
    pub logout: LogoutChanges,
    /// Replace the secret of a confidential client (the new one is returned once).
    pub new_secret: bool,
}

fn strings(uris: Vec<RedirectUri>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for uri in uris {
        if !out.contains(&uri.0) {
            out.push(uri.0);
        }
    }
    out
}

fn dedup<T: PartialEq>(items: Vec<T>) -> Vec<T> {
    let mut out = Vec::new();
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// Registers a client. Returns it and, for a confidential client, its secret (shown once, stored hashed).
pub async fn add(
    db: &Db,
    actor: &Actor,
    new: NewClient,
) -> Result<(Client, Option<String>), AppError> {
    let now = db::now();
    let grant_types = if new.grant_types.is_empty() {
        vec![GrantType::AuthorizationCode, GrantType::RefreshToken]
    } else {
        dedup(new.grant_types)
    };
    let scopes = match new.scopes {
        Some(scopes) => scopes,
        None if grant_types.contains(&GrantType::AuthorizationCode) => {
            Scope::parse(scope::DEFAULT_FOR_SIGN_IN).unwrap_or_default()
        }
        None => Scope::default(),
    };
    let secret = (!new.public).then(secrets::new_secret);
    let mut client = Client {
        id: new.id.0,
        name: new
            .name
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty()),
        public: new.public,
        redirect_uris: strings(new.redirect_uris),
        post_logout_redirect_uris: strings(new.post_logout_redirect_uris),
        grant_types,
        scopes,
        id_token_alg: new.id_token_alg,
        access_token_alg: new.access_token_alg,
        roles: new.roles,
        backchannel_logout_uri: None,
        backchannel_logout_session_required: false,
        frontchannel_logout_uri: None,
        frontchannel_logout_session_required: false,
        allowed_origins: Vec::new(),
        may_introspect: false,
        created_at: now,
        updated_at: now,
        secret_hash: secret.as_deref().map(secrets::digest),
    };
    let created = new
        .logout
        .apply(&mut client, Event::new(actor.clone(), "client.created"));
    client.validate()?;
    let mut tx = db.begin().await?;
    if db::clients::find(&mut *tx, &client.id).await?.is_some() {
        return Err(conflict(&client.id));
    }
    db::clients::insert(&mut tx, &client.to_row())
        .await
        .map_err(|e| {
            if db::is_unique_violation(&e) {
                conflict(&client.id)
            } else {
                e.into()
            }
        })?;
    audit::record(
        &mut tx,
        created
            .target(client.target())
            .detail("public", client.public)
            .detail("redirect_uris", &client.redirect_uris)
            .detail("grant_types", &client.grant_types)
            .detail("scopes", client.scopes.to_string())
            .detail("id_token_alg", client.id_token_alg)
            .detail("access_token_alg", client.access_token_alg)
            .detail("roles", &client.roles),
    )
    .await?;
    tx.commit().await?;
    Ok((client, secret))
}

fn conflict(id: &str) -> AppError {
    AppError::Conflict(format!("client `{id}` already exists"))
}

/// Changes a client. Returns it and, when a new secret was asked for, that secret.
pub async fn update(
    db: &Db,
    actor: &Actor,
    id: &str,
    changes: ClientChanges,
) -> Result<(Client, Option<String>), AppError> {
    let mut tx = db.begin().await?;
    let mut client = db::clients::find(&mut *tx, id)
        .await?
        .map(Client::from_row)
        .ok_or_else(|| AppError::NotFound(format!("client `{id}`")))?;
    let mut event = Event::new(actor.clone(), "client.updated").target(client.target());
    if let Some(name) = changes.name {
        client.name = name.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
        event = event.detail("name", &client.name);
    }
    if let Some(uris) = changes.redirect_uris {
        client.redirect_uris = strings(uris);
        event = event.detail("redirect_uris", &client.redirect_uris);
    }
    if let Some(uris) = changes.post_logout_redirect_uris {
        client.post_logout_redirect_uris = strings(uris);
        event = event.detail(
            "post_logout_redirect_uris",
            &client.post_logout_redirect_uris,
        );
    }
    if let Some(grants) = changes.grant_types {
        client.grant_types = dedup(grants);
        event = event.detail("grant_types", &client.grant_types);
    }
    if let Some(scopes) = changes.scopes {
        client.scopes = scopes;
        event = event.detail("scopes", client.scopes.to_string());
    }
    if let Some(alg) = changes.id_token_alg {
        client.id_token_alg = alg;
        event = event.detail("id_token_alg", alg);
    }
    if let Some(alg) = changes.access_token_alg {
        client.access_token_alg = alg;
        event = event.detail("access_token_alg", alg);
    }
    if let Some(roles) = changes.roles {
        event = event
            .detail("roles_before", &client.roles)
            .detail("roles", &roles)
            .severity(audit::Severity::High);
        client.roles = roles;
    }
    event = changes.logout.apply(&mut client, event);
    let secret = if changes.new_secret {
        if client.public {
            return Err(AppError::invalid(
                "a public client has no secret to replace",
            ));
        }
        let secret = secrets::new_secret();
        client.secret_hash = Some(secrets::digest(&secret));
        event = event.detail("secret_replaced", true);
        Some(secret)
    } else {
        None
    };
    client.validate()?;
    client.updated_at = db::now();
    db::clients::update(&mut tx, &client.to_row()).await?;
    audit::record(&mut tx, event).await?;
    tx.commit().await?;
    Ok((client, secret))
}

/// Removes a client; its codes and tokens go with it.
pub async fn remove(db: &Db, actor: &Actor, id: &str) -> Result<Client, AppError> {
    let mut tx = db.begin().await?;
    let client = db::clients::find(&mut *tx, id)
        .await?
        .map(Client::from_row)
        .ok_or_else(|| AppError::NotFound(format!("client `{id}`")))?;
    db::clients::delete(&mut tx, id).await?;
    audit::record(
        &mut tx,
        Event::new(actor.clone(), "client.removed").target(client.target()),
    )
    .await?;
    tx.commit().await?;
    Ok(client)
}

/// The client with this id, if registered (with its roles, for the admin API).
pub async fn find(db: &Db, id: &str) -> Result<Option<Client>, AppError> {
    Ok(db::clients::find(db.pool(), id)
        .await?
        .map(Client::from_row))
}

pub async fn get(db: &Db, id: &str) -> Result<Client, AppError> {
    find(db, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("client `{id}`")))
}

pub async fn list(db: &Db) -> Result<Vec<Client>, AppError> {
    Ok(db::clients::list(db.pool())
        .await?
        .into_iter()
        .map(Client::from_row)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris_allow_http_only_for_loopback() {
        for good in [
            "https://rp.example.com/cb",
            "http://localhost:3000/cb",
            "http://127.0.0.1:9/cb",
            "http://[::1]/cb",
        ] {
            assert!(RedirectUri::parse(good).is_ok(), "{good} should be allowed");
        }
        for bad in [
            "http://rp.example.com/cb",
            "https://rp.example.com/cb#frag",
            "https://rp.example.com/a b",
            " https://rp.example.com/cb",
            "https://rp.example.com/cb\t",
            "https://user:pw@rp.example.com/cb",
            "/relative",
            "javascript:alert(1)",
            "ftp://x.example.com/",
        ] {
            assert!(RedirectUri::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn client_ids_refuse_spaces_and_odd_characters() {
        assert!(ClientId::parse("my-app.web_1").is_ok());
        for bad in ["", "a b", "a/b", "é", &"a".repeat(129)] {
            assert!(ClientId::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }
}
