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
    fn acr_values_round_trip() {
        for level in [Level::Tap, Level::OneFactor, Level::PhishingResistant] {
            assert_eq!(Level::from_acr(level.acr()), Some(level));
        }
        assert_eq!(Level::from_acr("urn:mace:incommon:iap:silver"), None);
    }
}
