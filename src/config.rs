//! Typed settings: built-in defaults, then a TOML file, then `TAPID_*` environment variables.

mod brand;
mod delivery;
mod env;
mod proxies;
mod scim;
mod show;
mod traces;

pub use brand::{AA_CONTRAST, BrandSettings, Color, DARK, LIGHT, Scheme};
pub use delivery::{RevealConfirm, RevealSettings, SmtpSecurity, SmtpSettings};
pub use proxies::TrustedProxies;
pub use scim::{ScimSettings, StartPassRecipient, StartTime};
pub use traces::{OtlpEndpoint, TraceSettings};

use std::collections::BTreeSet;
use std::fmt;
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use url::Url;

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub listen: SocketAddr,
    pub issuer: Issuer,
    pub database_url: Secret,
    pub log_format: LogFormat,
    /// File holding the key that encrypts secrets at rest; defaults to `tapid.key` beside an SQLite database.
    pub key_file: Option<PathBuf>,
    /// The key itself (base64), for deployments that inject it instead of a file.
    pub key: Option<Secret>,
    pub tokens: TokenLifetimes,
    /// Days that expired, used or revoked passes stay visible before they are purged.
    pub tap_retention_days: u32,
    pub throttle: ThrottleLimits,
    /// Where `/metrics` is served (Prometheus); off when unset, and never on `listen`.
    pub metrics_listen: Option<SocketAddr>,
    pub webhooks: WebhookSettings,
    /// Peers (CIDR networks) whose `Forwarded` / `X-Forwarded-For` headers say who the client is.
    pub trusted_proxies: TrustedProxies,
    pub http: HttpLimits,
    /// One-time links that reveal a passcode.
    pub reveal: RevealSettings,
    /// Mail through the organisation's SMTP server.
    pub smtp: SmtpSettings,
    pub traces: TraceSettings,
    /// Provisioning: the pass a start date asks for.
    pub scim: ScimSettings,
    /// How the pages look: the primary colour per scheme and a stylesheet of the deployment's own.
    pub brand: BrandSettings,
}

/// Webhook delivery.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebhookSettings {
    /// Seconds an endpoint has to answer one delivery.
    pub timeout_seconds: NonZeroU32,
    /// Longest wait between two attempts at one message (the wait doubles from one second up to this).
    pub max_backoff_seconds: NonZeroU32,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            timeout_seconds: NonZeroU32::new(10).expect("non-zero"),
            max_backoff_seconds: NonZeroU32::new(3600).expect("non-zero"),
        }
    }
}

/// How long a client may take and how many may be connected (`http::connections`). Seconds.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpLimits {
    /// For a request's line and headers, from their first byte.
    pub header_timeout: NonZeroU32,
    /// For a request's body, from the handler's first read of it.
    pub body_timeout: NonZeroU32,
    /// For a kept-alive connection with no request in flight.
    pub idle_timeout: NonZeroU32,
    /// Connections open at once; 0 takes 10,000. Always kept below the descriptor limit.
    pub max_connections: u32,
}

impl Default for HttpLimits {
    fn default() -> Self {
        let seconds = |n| NonZeroU32::new(n).expect("non-zero");
        Self {
            header_timeout: seconds(10),
            body_timeout: seconds(30),
            idle_timeout: seconds(60),
            max_connections: 0,
        }
    }
}

/// Credential submissions allowed before sign-in answers 429 (and records `signin.failed`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ThrottleLimits {
    /// Per client address, per minute.
    pub per_address: NonZeroU32,
    /// Per account (the username as typed), per five minutes.
    pub per_account: NonZeroU32,
}

impl Default for ThrottleLimits {
    fn default() -> Self {
        Self {
            per_address: NonZeroU32::new(60).expect("non-zero"),
            per_account: NonZeroU32::new(20).expect("non-zero"),
        }
    }
}

/// Lifetimes in seconds.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TokenLifetimes {
    pub access_token: u32,
    pub id_token: u32,
    pub refresh_token: u32,
    pub authorization_code: u32,
    pub session: u32,
    /// How long a device code (and its user code) waits for approval.
    pub device_code: NonZeroU32,
    /// The least time between a device's polls of `/token`.
    pub device_interval: NonZeroU32,
    /// How long a pushed authorization request's `request_uri` may be used (once).
    pub pushed_request: NonZeroU32,
}

impl Default for TokenLifetimes {
    fn default() -> Self {
        Self {
            access_token: 600,
            id_token: 600,
            refresh_token: 30 * 24 * 3600,
            authorization_code: 60,
            session: 12 * 3600,
            device_code: NonZeroU32::new(600).expect("non-zero"),
            device_interval: NonZeroU32::new(5).expect("non-zero"),
            pushed_request: NonZeroU32::new(60).expect("non-zero"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".parse().expect("valid default address"),
            issuer: Issuer::parse("http://localhost:8080").expect("valid default issuer"),
            database_url: Secret::new("sqlite://tapid.db"),
            log_format: LogFormat::Text,
            key_file: None,
            key: None,
            tokens: TokenLifetimes::default(),
            tap_retention_days: 30,
            throttle: ThrottleLimits::default(),
            metrics_listen: None,
            webhooks: WebhookSettings::default(),
            trusted_proxies: TrustedProxies::default(),
            http: HttpLimits::default(),
            reveal: RevealSettings::default(),
            smtp: SmtpSettings::default(),
            traces: TraceSettings::default(),
            scim: ScimSettings::default(),
            brand: BrandSettings::default(),
        }
    }
}

/// A configuration that could not be loaded, as one line naming the key at fault.
#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(String);

impl Config {
    /// Loads defaults, then `file` (if any), then the environment.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        Self::load_reporting(file).map(|(config, _)| config)
    }

    /// [`Config::load`], also returning the `TAPID_*` environment names that are neither configuration
    /// keys nor Kubernetes service links, for the caller to report once (names only: values may be secret).
    pub fn load_reporting(file: Option<&Path>) -> Result<(Self, Vec<String>), ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(file) = file {
            if !file.exists() {
                return Err(ConfigError(format!(
                    "file {} does not exist",
                    file.display()
                )));
            }
            figment = figment.merge(Toml::file_exact(file));
        }
        let names: Vec<String> = std::env::vars_os()
            .filter_map(|(name, _)| name.into_string().ok())
            .collect();
        let env::Scan { keys, unknown } =
            env::scan(names.iter().map(String::as_str), &top_level_keys());
        let env = Env::prefixed("TAPID_")
            .split("__")
            .filter(move |key| keys.contains(&key.as_str().to_ascii_lowercase()));
        figment = figment.merge(env);
        let config = figment.extract().map_err(|e| ConfigError(describe(e)))?;
        Ok((config, unknown))
    }

    /// The default location of the key file: beside an SQLite database, or in the working directory.
    pub fn key_file_path(&self) -> PathBuf {
        if let Some(path) = &self.key_file {
            return path.clone();
        }
        let url = self.database_url.expose();
        if let Some(rest) = url
            .strip_prefix("sqlite://")
            .or(url.strip_prefix("sqlite:"))
        {
            let file = rest.split('?').next().unwrap_or_default();
            if !file.is_empty() && !file.starts_with(':') {
                if let Some(dir) = Path::new(file).parent() {
                    return dir.join("tapid.key");
                }
            }
        }
        PathBuf::from("tapid.key")
    }
}

/// The names of the top-level configuration keys, as the defaults serialise.
fn top_level_keys() -> BTreeSet<String> {
    match serde_json::to_value(Config::default()) {
        Ok(serde_json::Value::Object(map)) => map.keys().cloned().collect(),
        _ => BTreeSet::new(),
    }
}

fn describe(error: figment::Error) -> String {
    let key = error.path.join(".");
    let source = error
        .metadata
        .as_ref()
        .map(|m| match &m.source {
            Some(source) => format!(" (from {} {source})", m.name),
            None => format!(" (from {})", m.name),
        })
        .unwrap_or_default();
    // Never echo the offending value: it may be a secret.
    let what = match &error.kind {
        figment::error::Kind::InvalidType(actual, expected) => {
            format!("expected {expected}, found {actual}")
        }
        figment::error::Kind::InvalidValue(_, expected) => format!("expected {expected}"),
        figment::error::Kind::UnknownField(field, _) => {
            return format!("unknown key `{}`{source}", or_field(&key, field));
        }
        figment::error::Kind::MissingField(field) => {
            return format!("missing key `{}`{source}", or_field(&key, field));
        }
        figment::error::Kind::Message(message) => message.clone(),
        other => other.to_string(),
    };
    if key.is_empty() {
        format!("{what}{source}")
    } else {
        format!("invalid value for `{key}`: {what}{source}")
    }
}

/// Figment's path already ends with the field when it knows it.
fn or_field(path: &str, field: &str) -> String {
    if path.is_empty() {
        field.to_string()
    } else {
        path.to_string()
    }
}

/// The public base URL of this provider. It is also the WebAuthn origin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issuer(Url);

impl Issuer {
    pub fn parse(value: &str) -> Result<Self, String> {
        let url = Url::parse(value).map_err(|e| format!("not a URL ({e})"))?;
        let host = url.host_str().ok_or("the URL has no host")?;
        match url.scheme() {
            "https" => {}
            "http" if host == "localhost" => {}
            "http" => return Err("http is allowed only for localhost; use https".into()),
            _ => return Err("the scheme must be https".into()),
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err("the issuer may not have a query or fragment".into());
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("the issuer may not carry credentials".into());
        }
        Ok(Self(url))
    }

    /// The issuer exactly as it appears in tokens: no trailing slash.
    pub fn as_str(&self) -> &str {
        self.0.as_str().trim_end_matches('/')
    }

    /// An absolute URL for a path on this provider.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.as_str())
    }

    pub fn host(&self) -> &str {
        self.0.host_str().unwrap_or("localhost")
    }

    pub fn is_https(&self) -> bool {
        self.0.scheme() == "https"
    }

    pub fn origin(&self) -> Url {
        let mut origin = self.0.clone();
        origin.set_path("");
        origin
    }
}

impl Serialize for Issuer {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Issuer {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = String::deserialize(d)?;
        Issuer::parse(&value).map_err(serde::de::Error::custom)
    }
}

/// A configuration value that must never be printed: `Debug` shows `[redacted]`.
#[derive(Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuer_allows_http_only_for_localhost() {
        assert!(Issuer::parse("http://localhost:8080").is_ok());
        assert!(Issuer::parse("https://id.example.com").is_ok());
        assert!(Issuer::parse("http://id.example.com").is_err());
        assert!(Issuer::parse("http://127.0.0.1:8080").is_err());
        assert!(Issuer::parse("https://id.example.com/?a=b").is_err());
    }

    #[test]
    fn issuer_has_no_trailing_slash() {
        let issuer = Issuer::parse("https://id.example.com/").unwrap();
        assert_eq!(issuer.as_str(), "https://id.example.com");
        assert_eq!(issuer.url("/jwks"), "https://id.example.com/jwks");
    }

    #[test]
    fn secrets_never_appear_in_debug_output() {
        let config = Config {
            database_url: Secret::new("postgres://u:hunter2@db/tapid"),
            key: Some(Secret::new("c2VjcmV0a2V5")),
            ..Config::default()
        };
        let printed = format!("{config:?}");
        assert!(!printed.contains("hunter2"));
        assert!(!printed.contains("c2VjcmV0a2V5"));
    }

    #[test]
    fn key_file_defaults_beside_the_sqlite_database() {
        let config = Config {
            database_url: Secret::new("sqlite:///var/lib/tapid/tapid.db"),
            ..Config::default()
        };
        assert_eq!(
            config.key_file_path(),
            PathBuf::from("/var/lib/tapid/tapid.key")
        );
    }
}
