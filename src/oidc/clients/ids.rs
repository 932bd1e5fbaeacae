//! The parsed parts of a registration: a client's identifier, its redirect URIs (matched byte for
//! byte) and the web origins it may call from.

use serde::{Deserialize, Serialize};
use url::Url;

use crate::error::AppError;

/// A client identifier: 1–128 characters of letters, digits and `. _ - : ~`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ClientId(String);

impl TryFrom<String> for ClientId {
    type Error = AppError;

    fn try_from(value: String) -> Result<Self, AppError> {
        Self::parse(&value)
    }
}

impl From<ClientId> for String {
    fn from(id: ClientId) -> String {
        id.0
    }
}

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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RedirectUri(String);

impl TryFrom<String> for RedirectUri {
    type Error = AppError;

    fn try_from(value: String) -> Result<Self, AppError> {
        Self::parse(&value)
    }
}

impl From<RedirectUri> for String {
    fn from(uri: RedirectUri) -> String {
        uri.0
    }
}

impl RedirectUri {
    pub fn parse(value: &str) -> Result<Self, AppError> {
        let invalid =
            |why: &str| AppError::invalid(format!("The redirect URI {value} is not valid: {why}."));
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

/// An application's logo as the sign-in pages show it (`logo_uri`): an absolute `https` URL (`http`
/// only for a loopback host), no credentials, no fragment, at most 2,000 bytes. The page's policy lets
/// images load from this URL's origin alone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogoUri(String);

impl LogoUri {
    pub fn parse(value: &str) -> Result<Self, AppError> {
        let invalid = |why: &str| {
            AppError::invalid(format!(
                "The logo URL {} is not valid: {why}.",
                value.chars().take(80).collect::<String>()
            ))
        };
        if value.len() > 2000 {
            return Err(invalid("too long (at most 2,000 bytes)"));
        }
        if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid("spaces and control characters are not allowed"));
        }
        let url = Url::parse(value).map_err(|_| invalid("it must be an absolute https URL"))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid("credentials are not allowed"));
        }
        if url.fragment().is_some() {
            return Err(invalid("a fragment is not allowed"));
        }
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) => {}
            "http" => return Err(invalid("use https (http only for localhost and loopback)")),
            _ => return Err(invalid("it must be an absolute https URL")),
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
        let invalid =
            |why: &str| AppError::invalid(format!("The origin {value} is not valid: {why}."));
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
