//! PKCE (RFC 7636), `S256` only: `plain` would let an intercepted request redeem the code.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::secrets;

/// 43–128 characters of `[A-Za-z0-9-._~]` (the form of verifiers and of S256 challenges alike).
pub fn well_formed(value: &str) -> bool {
    (43..=128).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// `BASE64URL(SHA256(verifier))`.
pub fn challenge_of(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Whether `verifier` answers `challenge`.
pub fn verify(challenge: &str, verifier: &str) -> bool {
    well_formed(verifier) && secrets::constant_time_eq(&challenge_of(verifier), challenge)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_verifier_answers_only_its_own_s256_challenge() {
        // Computed independently (Python hashlib + urlsafe_b64encode).
        let verifier = "dBjftJeZ4CVP-mJ92K1DAxXzGz6zCMy3yM6K1yJnYcf";
        let challenge = "h9m4_mwl_5lGJNwKDS4o71bgBpbra-Oz5Tp11khGZHE";
        assert_eq!(challenge_of(verifier), challenge);
        assert!(verify(challenge, verifier));
        assert!(!verify(
            challenge,
            "dBjftJeZ4CVP-mJ92K1DAxXzGz6zCMy3yM6K1yJnYcX"
        ));
        assert!(!verify(challenge, "short"));
    }
}
