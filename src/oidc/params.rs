//! Protocol parameters from a query string or a form body, parsed leniently (malformed encoding never
//! fails the parse) and strictly (a parameter given twice is refused, RFC 6749 §3.1).

use std::collections::HashMap;

use axum::http::{HeaderMap, header};

use super::error::OAuthError;

const MAX_PARAMS: usize = 64;

#[derive(Clone, Debug, Default)]
pub struct Params(HashMap<String, String>);

impl Params {
    pub fn parse(raw: &[u8]) -> Result<Self, OAuthError> {
        let mut map = HashMap::new();
        for (count, (name, value)) in url::form_urlencoded::parse(raw).enumerate() {
            if count >= MAX_PARAMS {
                return Err(OAuthError::invalid_request("too many parameters"));
            }
            // No database stores NUL in text; no protocol value holds one.
            if name.contains('\0') || value.contains('\0') {
                return Err(OAuthError::invalid_request(
                    "a parameter contains a NUL character",
                ));
            }
            // A parameter without a value is treated as omitted (RFC 6749 §3.1).
            if value.is_empty() {
                continue;
            }
            if map.insert(name.to_string(), value.to_string()).is_some() {
                return Err(OAuthError::invalid_request(format!(
                    "the parameter `{}` was given more than once",
                    printable(&name)
                )));
            }
        }
        Ok(Self(map))
    }

    /// A form body; the content type must say so.
    pub fn from_form(headers: &HeaderMap, body: &[u8]) -> Result<Self, OAuthError> {
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let essence = content_type.split(';').next().unwrap_or_default().trim();
        if !essence.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
            return Err(OAuthError::invalid_request(
                "the body must be application/x-www-form-urlencoded",
            ));
        }
        Self::parse(body)
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    pub fn require(&self, name: &str) -> Result<&str, OAuthError> {
        self.get(name).ok_or_else(|| {
            OAuthError::invalid_request(format!("the parameter `{name}` is missing"))
        })
    }

    /// Sets `name` unless it is present.
    pub fn or_insert(&mut self, name: &str, value: &str) {
        self.0
            .entry(name.to_string())
            .or_insert_with(|| value.to_string());
    }

    pub fn take(&mut self, name: &str) -> Option<String> {
        self.0.remove(name)
    }

    /// Merges a query string and a body (the body wins nothing: a name in both is refused).
    pub fn merge(mut self, other: Params) -> Result<Self, OAuthError> {
        for (name, value) in other.0 {
            if self.0.insert(name.clone(), value).is_some() {
                return Err(OAuthError::invalid_request(format!(
                    "the parameter `{}` was given more than once",
                    printable(&name)
                )));
            }
        }
        Ok(self)
    }
}

/// A parameter name fit to echo in an error: short and printable.
fn printable(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_ascii_graphic())
        .take(40)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_parameters_are_refused_and_empty_ones_ignored() {
        assert!(Params::parse(b"a=1&a=2").is_err());
        assert!(Params::parse(b"a=%00").is_err());
        let params = Params::parse(b"a=1&b=&c=%ZZ").unwrap();
        assert_eq!(params.get("a"), Some("1"));
        assert_eq!(params.get("b"), None);
        assert_eq!(params.get("c"), Some("%ZZ"));
    }
}
