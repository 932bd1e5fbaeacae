//! The user code a person types at `/device` (RFC 8628 §6.1): eight letters from twenty consonants
//! (no vowels, so no words; no look-alikes such as 0/O or 1/I/L), about 34 bits, shown as `WDJB-MJHT`.
//! Entry ignores case, spaces and dashes. It is low-entropy: stored only as a keyed digest, looked up
//! by it, and entry is throttled like every credential.

use std::fmt;

use rand::seq::IndexedRandom;

use crate::secrets::Sealer;

pub const ALPHABET: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";
const LENGTH: usize = 8;
/// What the keyed digest is for.
const CONTEXT: &str = "device user code";

/// A well-formed user code, normalised (upper case, no separators). `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct UserCode(String);

impl UserCode {
    pub fn generate() -> Self {
        let mut rng = rand::rng();
        Self(
            (0..LENGTH)
                .map(|_| char::from(*ALPHABET.choose(&mut rng).expect("non-empty alphabet")))
                .collect(),
        )
    }

    /// What a person typed, if it can be a user code.
    pub fn parse(typed: &str) -> Option<Self> {
        if typed.len() > 64 {
            return None;
        }
        let code: String = typed
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '\t'))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        (code.len() == LENGTH && code.bytes().all(|b| ALPHABET.contains(&b))).then_some(Self(code))
    }

    /// As shown to the person: two groups of four.
    pub fn display(&self) -> String {
        format!("{}-{}", &self.0[..4], &self.0[4..])
    }

    /// The stored form.
    pub fn digest(&self, sealer: &Sealer) -> String {
        sealer.keyed_digest(CONTEXT, &self.0)
    }
}

impl fmt::Debug for UserCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("UserCode([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_codes_use_only_the_alphabet_and_read_back() {
        for _ in 0..100 {
            let code = UserCode::generate();
            let shown = code.display();
            assert_eq!(shown.len(), 9);
            assert_eq!(UserCode::parse(&shown), Some(code.clone()));
        }
    }

    #[test]
    fn entry_ignores_case_spaces_and_dashes_but_not_look_alikes() {
        let code = UserCode::parse("WDJB-MJHT").unwrap();
        assert_eq!(UserCode::parse("wdjbmjht"), Some(code.clone()));
        assert_eq!(UserCode::parse(" wdjb mjht "), Some(code.clone()));
        assert_eq!(UserCode::parse("WD-JB-MJ-HT"), Some(code));
        for bad in [
            "WDJB-MJH",
            "WDJB-MJHTX",
            "WDJB-MJH0",
            "WDJB-MJHI",
            "WDJB-MJHA",
            "",
        ] {
            assert_eq!(UserCode::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn no_look_alike_or_vowel_is_in_the_alphabet() {
        for c in b"0125AEIOUY" {
            assert!(!ALPHABET.contains(c), "{}", char::from(*c));
        }
    }
}
