//! Authentication levels: what a sign-in proved (DESIGN.md, "Authentication levels"). Below the session,
//! the pages and the protocol, which all speak of them.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Ordered weakest first, so `level >= Level::OneFactor` reads as "at least one factor".
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Level {
    /// A Temporary Access Pass alone: may only register methods, view its own, sign out.
    #[serde(rename = "tap")]
    Tap,
    /// A TOTP code, or a pass followed by registering a method in that session.
    #[serde(rename = "1fa")]
    OneFactor,
    /// A passkey with user verification.
    #[serde(rename = "phr")]
    PhishingResistant,
}

impl Level {
    /// The `acr` value.
    pub fn acr(self) -> &'static str {
        match self {
            Level::Tap => "tap",
            Level::OneFactor => "1fa",
            Level::PhishingResistant => "phr",
        }
    }

    pub fn from_acr(value: &str) -> Option<Self> {
        match value {
            "tap" => Some(Level::Tap),
            "1fa" => Some(Level::OneFactor),
            "phr" => Some(Level::PhishingResistant),
            _ => None,
        }
    }

    /// Whether this level may sign in to applications (receive tokens).
    pub fn may_get_tokens(self) -> bool {
        self >= Level::OneFactor
    }
}

/// What a sign-in used: RFC 8176 method references in the order they were used (`tap`, `otp`, `hwk`,
/// `user`, `mfa`…), carried as one value from the sign-in to the session, the code and the tokens.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Amr(Vec<String>);

impl Amr {
    pub fn new<S: Into<String>>(values: impl IntoIterator<Item = S>) -> Self {
        Self(values.into_iter().map(Into::into).collect())
    }

    /// As the database keeps it: space-separated.
    pub fn from_stored(value: &str) -> Self {
        Self::new(value.split_whitespace())
    }

    pub fn to_stored(&self) -> String {
        self.0.join(" ")
    }

    /// These references, then `more`'s (a pass sign-in followed by registering a method).
    pub fn then(mut self, more: Amr) -> Self {
        self.0.extend(more.0);
        self
    }

    pub fn contains(&self, value: &str) -> bool {
        self.0.iter().any(|v| v == value)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn to_vec(&self) -> Vec<String> {
        self.0.clone()
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.acr())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_order_from_pass_to_passkey() {
        assert!(Level::Tap < Level::OneFactor);
        assert!(Level::OneFactor < Level::PhishingResistant);
        assert!(!Level::Tap.may_get_tokens());
        assert!(Level::OneFactor.may_get_tokens());
    }

    #[test]
    fn amr_round_trips_through_its_stored_form_in_order() {
        let amr = Amr::new(["tap"]).then(Amr::new(["hwk", "user", "mfa"]));
        assert_eq!(amr.to_stored(), "tap hwk user mfa");
        assert_eq!(Amr::from_stored(&amr.to_stored()), amr);
        assert!(amr.contains("tap"));
        assert_eq!(
            serde_json::to_value(&amr).unwrap(),
            serde_json::json!(["tap", "hwk", "user", "mfa"])
        );
    }

    #[test]
    fn acr_values_round_trip() {
        for level in [Level::Tap, Level::OneFactor, Level::PhishingResistant] {
            assert_eq!(Level::from_acr(level.acr()), Some(level));
        }
        assert_eq!(Level::from_acr("urn:mace:incommon:iap:silver"), None);
    }
}
