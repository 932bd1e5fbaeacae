//! Values parsed once at the edge: a `Username` or `Email` that exists is valid.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// Whether `c` may stand in a name that people read (a display name, an application's name, a
/// passkey's name). Refused: control characters; format characters (Unicode category Cf: the bidi
/// overrides and isolates such as U+202E that make "evil\u{202E}gpj.exe" read as "evilexe.jpg",
/// zero-width spaces and joiners, the byte-order mark, the invisible tags); line and paragraph
/// separators; private-use characters; and the letters that render as nothing at all (the Hangul
/// fillers, the combining grapheme joiner, the Khmer inherent vowels, the blank Braille pattern).
pub fn is_readable(c: char) -> bool {
    use unicode_properties::{GeneralCategory as G, UnicodeGeneralCategory};
    !matches!(
        c.general_category(),
        G::Control | G::Format | G::LineSeparator | G::ParagraphSeparator | G::PrivateUse
    ) && !matches!(
        c,
        '\u{034F}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{2800}'
            | '\u{3164}'
            | '\u{FFA0}'
    )
}

/// Whether every character of `text` is one people can see (see [`is_readable`]).
pub fn readable(text: &str) -> bool {
    text.chars().all(is_readable)
}

/// A username: 1–64 characters of letters, digits and `. _ - @`, starting with a letter or digit.
/// Case is kept for display; comparisons ignore it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Username(String);

impl std::str::FromStr for Username {
    type Err = AppError;

    fn from_str(value: &str) -> Result<Self, AppError> {
        Self::parse(value)
    }
}

impl Username {
    pub fn parse(value: &str) -> Result<Self, AppError> {
        let value = value.trim();
        let valid_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@');
        let first_ok = value
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric());
        if value.is_empty() || value.len() > 64 || !first_ok || !value.chars().all(valid_char) {
            return Err(AppError::invalid(
                "invalid username: use 1-64 letters, digits, '.', '_', '-' or '@', starting with a letter or digit",
            ));
        }
        Ok(Self(value.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A group name: same rules as a username.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupName(String);

impl GroupName {
    pub fn parse(value: &str) -> Result<Self, AppError> {
        Username::parse(value).map(|u| Self(u.0)).map_err(|_| {
            AppError::invalid("invalid group name: use 1-64 letters, digits, '.', '_', '-' or '@'")
        })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An email address, checked for shape only (one `@`, a dotted domain, no spaces).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(value: &str) -> Result<Self, AppError> {
        let value = value.trim();
        let invalid = || AppError::invalid(format!("{value} is not a valid email address."));
        if value.len() > 254 || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid());
        }
        let (local, domain) = value.split_once('@').ok_or_else(invalid)?;
        let domain_ok = !domain.contains('@')
            && domain.contains('.')
            && domain.split('.').all(|label| !label.is_empty());
        if local.is_empty() || !domain_ok {
            return Err(invalid());
        }
        Ok(Self(value.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Helpdesk,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Helpdesk => "helpdesk",
        }
    }

    /// Parses the stored form: space-separated role names; unknown words are ignored.
    pub fn parse_list(stored: &str) -> Vec<Role> {
        let mut roles: Vec<Role> = stored
            .split_whitespace()
            .filter_map(|r| r.parse().ok())
            .collect();
        roles.sort();
        roles.dedup();
        roles
    }

    pub fn format_list(roles: &[Role]) -> String {
        let mut roles = roles.to_vec();
        roles.sort();
        roles.dedup();
        roles
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// What holding these roles makes a person, in words: "an administrator", "helpdesk staff".
    pub fn described(roles: &[Role]) -> &'static str {
        match (
            roles.contains(&Role::Admin),
            roles.contains(&Role::Helpdesk),
        ) {
            (true, true) => "an administrator and helpdesk staff",
            (true, false) => "an administrator",
            (false, true) => "helpdesk staff",
            (false, false) => "a person without a role",
        }
    }
}

impl FromStr for Role {
    type Err = AppError;

    fn from_str(value: &str) -> Result<Self, AppError> {
        match value.trim().to_ascii_lowercase().as_str() {
            "admin" => Ok(Role::Admin),
            "helpdesk" => Ok(Role::Helpdesk),
            _ => Err(AppError::invalid(format!(
                "There is no role named {value}: the roles are admin and helpdesk."
            ))),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_people_read_refuse_invisible_and_reordering_characters() {
        for good in [
            "Acme Intranet",
            "Zoë Müller",
            "東京 オフィス",
            "نور",
            "Ann 🙂",
        ] {
            assert!(readable(good), "{good:?} should be accepted");
        }
        for bad in [
            "evil\u{202E}gpj.exe",
            "a\u{200B}b",
            "\u{2066}x\u{2069}",
            "\u{FEFF}Acme",
            "Acme\u{E0041}",
            "\u{3164}",
            "line\u{2028}break",
            "tab\there",
            "\u{E000}",
        ] {
            assert!(!readable(bad), "{bad:?} should be refused");
        }
    }

    #[test]
    fn usernames_keep_case_but_refuse_odd_characters() {
        assert_eq!(Username::parse(" Alice.B ").unwrap().as_str(), "Alice.B");
        for bad in ["", "-alice", "a b", "ali<ce", "ålice", &"a".repeat(65)] {
            assert!(Username::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn emails_need_a_local_part_and_a_dotted_domain() {
        assert!(Email::parse("alice@example.com").is_ok());
        for bad in [
            "alice",
            "@example.com",
            "alice@example",
            "a@b@c.d",
            "a b@c.d",
            "alice@.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn roles_round_trip_through_their_stored_form() {
        let roles = Role::parse_list("helpdesk admin helpdesk");
        assert_eq!(roles, vec![Role::Admin, Role::Helpdesk]);
        assert_eq!(Role::format_list(&roles), "admin helpdesk");
        assert!("root".parse::<Role>().is_err());
    }
}
