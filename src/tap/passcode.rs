//! The passcode: drawn from the operating system's CSPRNG over an alphabet without look-alike
//! characters, shown once grouped for reading (`K7QF-M2XP`), stored only as an Argon2id hash.
//! Entry ignores case, spaces and dashes.

use std::fmt;
use std::sync::LazyLock;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::TryRngCore;
use rand::seq::IndexedRandom;

use crate::error::AppError;

/// No `0 O 1 I L`: nothing a person could misread or mistype for something else.
pub const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// Longest entry worth hashing; anything longer cannot be a passcode.
const MAX_ENTRY: usize = 64;

/// Argon2id for an interactive sign-in: 19 MiB, two passes, one lane (OWASP's recommended minimum).
fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid Argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A passcode in normal form (upper case, no separators). `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Passcode(String);

impl Passcode {
    /// A new random passcode of `length` characters.
    pub fn generate(length: usize) -> Self {
        let mut rng = rand::rngs::OsRng.unwrap_err();
        let code = (0..length)
            .map(|_| char::from(*ALPHABET.choose(&mut rng).expect("non-empty alphabet")))
            .collect();
        Self(code)
    }

    /// What a person typed, in normal form; `None` when it cannot be a passcode.
    pub fn parse(entry: &str) -> Option<Self> {
        let code: String = entry
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '‐' | '‑' | '–' | '—'))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let valid = !code.is_empty()
            && code.len() <= MAX_ENTRY
            && code.bytes().all(|b| ALPHABET.contains(&b));
        valid.then_some(Self(code))
    }

    /// Grouped by four for reading aloud and typing: `K7QF-M2XP`.
    pub fn grouped(&self) -> String {
        self.0
            .as_bytes()
            .chunks(4)
            .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
            .collect::<Vec<_>>()
            .join("-")
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::str::FromStr for Passcode {
    type Err = ();

    fn from_str(entry: &str) -> Result<Self, ()> {
        Self::parse(entry).ok_or(())
    }
}

impl fmt::Debug for Passcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Passcode([redacted])")
    }
}

/// The stored form: an Argon2id PHC string. Runs on a blocking thread.
pub async fn hash(passcode: &Passcode) -> Result<String, AppError> {
    let code = passcode.0.clone();
    tokio::task::spawn_blocking(move || {
        argon2()
            .hash_password(code.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| AppError::Internal(format!("cannot hash a passcode: {e}")))
    })
    .await
    .map_err(|e| AppError::Internal(format!("hashing task failed: {e}")))?
}

/// A hash of nothing anyone knows, verified when there is no pass or no valid entry, so that an
/// unknown user or a missing pass costs the same time as a wrong passcode.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    argon2()
        .hash_password(Passcode::generate(16).expose().as_bytes())
        .map(|h| h.to_string())
        .expect("hashing a dummy passcode")
});

/// Whether `entry` matches `stored`. Always does one full Argon2 verification, whatever is missing.
pub async fn verify(entry: Option<Passcode>, stored: Option<String>) -> bool {
    let real = entry.is_some() && stored.is_some();
    let result = tokio::task::spawn_blocking(move || {
        let stored = stored.unwrap_or_else(|| DUMMY_HASH.clone());
        let code = entry.map(|e| e.0).unwrap_or_default();
        let Ok(parsed) = PasswordHash::new(&stored) else {
            return false;
        };
        argon2().verify_password(code.as_bytes(), &parsed).is_ok()
    })
    .await
    .unwrap_or(false);
    real && result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passcodes_use_only_the_alphabet_and_differ() {
        let a = Passcode::generate(8);
        let b = Passcode::generate(8);
        assert_eq!(a.len(), 8);
        assert!(a.expose().bytes().all(|c| ALPHABET.contains(&c)));
        assert_ne!(a, b);
    }

    #[test]
    fn the_alphabet_has_no_look_alikes() {
        for c in b"01OIL" {
            assert!(!ALPHABET.contains(c), "{}", char::from(*c));
        }
    }

    #[test]
    fn passcodes_are_shown_in_groups_of_four() {
        assert_eq!(Passcode("K7QFM2XP".into()).grouped(), "K7QF-M2XP");
        assert_eq!(Passcode("K7QFM2XPAB".into()).grouped(), "K7QF-M2XP-AB");
    }

    #[test]
    fn entry_ignores_case_spaces_and_dashes() {
        let expected = Passcode("K7QFM2XP".into());
        for entry in [
            "K7QF-M2XP",
            "k7qf m2xp",
            " k7QF-m2Xp ",
            "K7-QF-M2-XP",
            "k7qfm2xp",
        ] {
            assert_eq!(Passcode::parse(entry), Some(expected.clone()), "{entry}");
        }
        assert_eq!(Passcode::parse("----"), None);
        assert_eq!(
            Passcode::parse("K7QF-M2X0"),
            None,
            "0 is not in the alphabet"
        );
    }

    #[test]
    fn debug_never_shows_the_passcode() {
        let code = Passcode::generate(8);
        assert!(!format!("{code:?}").contains(code.expose()));
    }

    #[tokio::test]
    async fn a_hash_verifies_only_its_own_passcode() {
        let code = Passcode::generate(8);
        let stored = hash(&code).await.unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(!stored.contains(code.expose()));
        assert!(verify(Some(code.clone()), Some(stored.clone())).await);
        assert!(!verify(Some(Passcode::generate(8)), Some(stored)).await);
        assert!(!verify(Some(code), None).await);
        assert!(!verify(None, None).await);
    }
}
