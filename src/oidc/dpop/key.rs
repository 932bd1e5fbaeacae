//! The public key a DPoP proof carries in its `jwk` header: only public keys of the families tapid
//! verifies (RSA of 2048 bits or more, EC P-256, Ed25519), each tied to the algorithms it may sign
//! with; its RFC 7638 thumbprint (`jkt`), which is what tokens are bound to.

use aws_lc_rs::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// Members of a JWK that only a private (or symmetric) key has.
const PRIVATE_MEMBERS: &[&str] = &["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicKey {
    Rsa { n: Vec<u8>, e: Vec<u8> },
    P256 { x: Vec<u8>, y: Vec<u8> },
    Ed25519 { x: Vec<u8> },
}

fn member<'a>(jwk: &'a Map<String, Value>, name: &str) -> Result<&'a str, &'static str> {
    jwk.get(name)
        .and_then(Value::as_str)
        .ok_or("the jwk lacks a member its key type needs")
}

fn bytes(jwk: &Map<String, Value>, name: &str) -> Result<Vec<u8>, &'static str> {
    URL_SAFE_NO_PAD
        .decode(member(jwk, name)?)
        .map_err(|_| "a member of the jwk is not base64url")
}

impl PublicKey {
    /// Reads the `jwk` header; refuses private and symmetric keys and families tapid does not verify.
    pub fn from_jwk(jwk: &Value) -> Result<Self, &'static str> {
        let jwk = jwk
            .as_object()
            .ok_or("the jwk header must be a JSON object")?;
        if PRIVATE_MEMBERS.iter().any(|m| jwk.contains_key(*m)) {
            return Err("the jwk must be a public key: it holds private or symmetric key material");
        }
        match member(jwk, "kty")? {
            "RSA" => {
                let n = bytes(jwk, "n")?;
                let e = bytes(jwk, "e")?;
                let bits = n.iter().skip_while(|b| **b == 0).count() * 8;
                if bits < 2048 {
                    return Err("an RSA key needs at least 2048 bits");
                }
                Ok(PublicKey::Rsa { n, e })
            }
            "EC" if member(jwk, "crv")? == "P-256" => {
                let x = bytes(jwk, "x")?;
                let y = bytes(jwk, "y")?;
                if x.len() != 32 || y.len() != 32 {
                    return Err("a P-256 key has 32-byte coordinates");
                }
                Ok(PublicKey::P256 { x, y })
            }
            "OKP" if member(jwk, "crv")? == "Ed25519" => {
                let x = bytes(jwk, "x")?;
                if x.len() != 32 {
                    return Err("an Ed25519 key has 32 bytes");
                }
                Ok(PublicKey::Ed25519 { x })
            }
            _ => Err("the jwk must be an RSA, EC P-256 or Ed25519 public key"),
        }
    }

    /// Whether `alg` is one this key signs with.
    pub fn fits(&self, alg: &str) -> bool {
        matches!(
            (self, alg),
            (PublicKey::Rsa { .. }, "RS256" | "PS256")
                | (PublicKey::P256 { .. }, "ES256")
                | (PublicKey::Ed25519 { .. }, "EdDSA" | "Ed25519")
        )
    }

    /// Checks a JWS signature (`alg` must fit the key).
    pub fn verifies(&self, alg: &str, message: &[u8], sig: &[u8]) -> bool {
        match (self, alg) {
            (PublicKey::Rsa { n, e }, "RS256") => RsaPublicKeyComponents { n, e }
                .verify(&signature::RSA_PKCS1_2048_8192_SHA256, message, sig)
                .is_ok(),
            (PublicKey::Rsa { n, e }, "PS256") => RsaPublicKeyComponents { n, e }
                .verify(&signature::RSA_PSS_2048_8192_SHA256, message, sig)
                .is_ok(),
            (PublicKey::P256 { x, y }, "ES256") => {
                let mut point = Vec::with_capacity(65);
                point.push(4);
                point.extend_from_slice(x);
                point.extend_from_slice(y);
                UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point)
                    .verify(message, sig)
                    .is_ok()
            }
            (PublicKey::Ed25519 { x }, "EdDSA" | "Ed25519") => {
                UnparsedPublicKey::new(&signature::ED25519, x)
                    .verify(message, sig)
                    .is_ok()
            }
            _ => false,
        }
    }

    /// The JWK SHA-256 thumbprint (RFC 7638): the required members in lexicographic order, without
    /// whitespace, hashed and base64url-encoded.
    pub fn thumbprint(&self) -> String {
        let b64 = |b: &[u8]| Value::String(URL_SAFE_NO_PAD.encode(b)).to_string();
        let canonical = match self {
            PublicKey::Rsa { n, e } => format!(r#"{{"e":{},"kty":"RSA","n":{}}}"#, b64(e), b64(n)),
            PublicKey::P256 { x, y } => format!(
                r#"{{"crv":"P-256","kty":"EC","x":{},"y":{}}}"#,
                b64(x),
                b64(y)
            ),
            PublicKey::Ed25519 { x } => {
                format!(r#"{{"crv":"Ed25519","kty":"OKP","x":{}}}"#, b64(x))
            }
        };
        URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_thumbprint_is_rfc_7638s_example() {
        // RFC 7638 §3.1.
        let jwk = json!({
            "kty": "RSA",
            "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
            "e": "AQAB",
            "alg": "RS256",
            "kid": "2011-04-29"
        });
        let key = PublicKey::from_jwk(&jwk).unwrap();
        assert_eq!(
            key.thumbprint(),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }

    #[test]
    fn private_and_symmetric_keys_are_refused() {
        let private = json!({"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", "d": "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"});
        assert!(PublicKey::from_jwk(&private).is_err());
        let symmetric = json!({"kty": "oct", "k": "c2VjcmV0"});
        assert!(PublicKey::from_jwk(&symmetric).is_err());
    }
}
