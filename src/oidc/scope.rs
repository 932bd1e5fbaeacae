//! `Scope`: a parsed, de-duplicated list of scope tokens (RFC 6749 §3.3), in the order first given.

use std::fmt;

/// The scopes tapid knows the meaning of (published in discovery).
pub const OPENID: &str = "openid";
pub const PROFILE: &str = "profile";
pub const EMAIL: &str = "email";
pub const GROUPS: &str = "groups";
pub const OFFLINE_ACCESS: &str = "offline_access";
/// Service use of the admin API.
pub const ADMIN_API: &str = "tapid:admin";
/// Provisioning through `/scim/v2` (a service client with a role).
pub const SCIM: &str = "scim";

pub const SUPPORTED: &[&str] = &[
    OPENID,
    PROFILE,
    EMAIL,
    GROUPS,
    OFFLINE_ACCESS,
    ADMIN_API,
    SCIM,
];

/// What a client registered for sign-in may ask for unless told otherwise.
pub const DEFAULT_FOR_SIGN_IN: &str = "openid profile email groups offline_access";

const MAX_TOKENS: usize = 32;
const MAX_TOKEN_LEN: usize = 128;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scope(Vec<String>);

impl Scope {
    /// Parses a space-separated scope string; refuses characters RFC 6749 does not allow.
    pub fn parse(value: &str) -> Result<Self, String> {
        let mut tokens: Vec<String> = Vec::new();
        for token in value.split(' ').filter(|t| !t.is_empty()) {
            let valid = token.len() <= MAX_TOKEN_LEN
                && token
                    .bytes()
                    .all(|b| b == 0x21 || (0x23..=0x5B).contains(&b) || (0x5D..=0x7E).contains(&b));
            if !valid {
                return Err("the scope contains a value that is not allowed".into());
            }
            if !tokens.iter().any(|t| t == token) {
                tokens.push(token.to_string());
            }
        }
        if tokens.len() > MAX_TOKENS {
            return Err("too many scope values".into());
        }
        Ok(Self(tokens))
    }

    /// A scope tapid stored itself (a code, a refresh token, an access token it signed). It was valid
    /// when stored, so one that no longer parses is damage to report, never a reason to grant less.
    pub fn stored(value: &str, what: &str) -> Result<Self, crate::error::AppError> {
        Self::parse(value).map_err(|e| {
            crate::error::AppError::Internal(format!(
                "the stored scope of {what} does not parse: {e}"
            ))
        })
    }

    pub fn contains(&self, token: &str) -> bool {
        self.0.iter().any(|t| t == token)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn is_subset_of(&self, other: &Scope) -> bool {
        self.0.iter().all(|t| other.contains(t))
    }

    /// The values of `self` that `allowed` also holds, in `self`'s order.
    pub fn intersect(&self, allowed: &Scope) -> Scope {
        Scope(
            self.0
                .iter()
                .filter(|t| allowed.contains(t))
                .cloned()
                .collect(),
        )
    }

    pub fn without(&self, token: &str) -> Scope {
        Scope(self.0.iter().filter(|t| *t != token).cloned().collect())
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_parse_dedupe_and_keep_order() {
        let scope = Scope::parse("openid  email openid profile").unwrap();
        assert_eq!(scope.to_string(), "openid email profile");
        assert!(scope.contains("email"));
    }

    #[test]
    fn scopes_refuse_quotes_backslashes_and_controls() {
        for bad in ["open\"id", "a\\b", "tab\there", "ünïcode"] {
            assert!(Scope::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn a_stored_scope_that_does_not_parse_is_an_error_not_an_empty_scope() {
        assert!(Scope::stored("openid \"x", "a test").is_err());
        assert_eq!(
            Scope::stored("openid", "a test").unwrap().to_string(),
            "openid"
        );
    }

    #[test]
    fn subsets_and_intersections() {
        let granted = Scope::parse("openid profile offline_access").unwrap();
        assert!(Scope::parse("openid").unwrap().is_subset_of(&granted));
        assert!(!Scope::parse("openid email").unwrap().is_subset_of(&granted));
        let asked = Scope::parse("email openid admin").unwrap();
        assert_eq!(asked.intersect(&granted).to_string(), "openid");
    }
}
