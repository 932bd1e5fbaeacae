//! A client's own public keys, for `private_key_jwt` (RFC 7523): registered inline as a JWK Set, or as
//! the `jwks_uri` the client publishes them at (fetched by `oidc::client_auth::jwks`).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::DecodingKey;
use jsonwebtoken::jwk::JwkSet;

use super::RedirectUri;
use crate::error::AppError;

/// Largest JWK Set accepted, inline or fetched.
pub const MAX_JWKS_BYTES: usize = 16 * 1024;
/// Most keys in one set.
const MAX_KEYS: usize = 10;
/// Members of a JWK that belong to a private (or symmetric) key: never accepted.
const PRIVATE_MEMBERS: &[&str] = &["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// Where a client's keys are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientKeys {
    /// A JWK Set of public keys, as JSON.
    Inline(String),
    /// An `https` URL (or `http` on a loopback host) serving the set.
    Uri(String),
}

impl ClientKeys {
    /// A JWK Set given inline: public RSA, EC (P-256) or OKP (Ed25519) keys, at most ten.
    pub fn inline(json: &str) -> Result<Self, AppError> {
        check_set(json).map_err(|why| AppError::invalid(format!("invalid JWK Set: {why}")))?;
        let set: serde_json::Value = serde_json::from_str(json)
            .map_err(|_| AppError::invalid("invalid JWK Set: not JSON"))?;
        Ok(Self::Inline(set.to_string()))
    }

    /// A `jwks_uri`: absolute, no fragment or credentials, `https` (or `http` on loopback).
    pub fn uri(value: &str) -> Result<Self, AppError> {
        let uri = RedirectUri::parse(value).map_err(|_| {
            AppError::invalid(format!(
                "The address of the keys ({value}) is not valid: use an https URL."
            ))
        })?;
        Ok(Self::Uri(String::from(uri)))
    }
}

/// Parses a JWK Set and checks every key is a usable public key; the parsed set on success.
pub fn check_set(json: &str) -> Result<JwkSet, String> {
    if json.len() > MAX_JWKS_BYTES {
        return Err(format!("larger than {MAX_JWKS_BYTES} bytes"));
    }
    let mut value: serde_json::Value = serde_json::from_str(json).map_err(|_| "not JSON")?;
    // RFC 9864 names EdDSA with Ed25519 fully as `Ed25519`; the JWT library knows it as `EdDSA`.
    if let Some(keys) = value["keys"].as_array_mut() {
        for key in keys.iter_mut().filter(|k| k["alg"] == "Ed25519") {
            key["alg"] = "EdDSA".into();
        }
    }
    let keys = value["keys"].as_array().ok_or("it has no list of keys")?;
    if keys.is_empty() || keys.len() > MAX_KEYS {
        return Err(format!("it must hold 1 to {MAX_KEYS} keys"));
    }
    for key in keys {
        if PRIVATE_MEMBERS.iter().any(|m| key.get(*m).is_some()) {
            return Err("it holds a private or symmetric key: register public keys only".into());
        }
        check_shape(key)?;
    }
    let set: JwkSet = serde_json::from_value(value)
        .map_err(|_| "a key is not an RSA, EC or OKP public key".to_string())?;
    for jwk in &set.keys {
        DecodingKey::from_jwk(jwk).map_err(|_| "a key cannot verify signatures".to_string())?;
    }
    Ok(set)
}

/// The key's members have the sizes of an RSA (2048 bits or more), P-256 or Ed25519 public key.
fn check_shape(key: &serde_json::Value) -> Result<(), String> {
    let bytes = |member: &str| {
        key[member]
            .as_str()
            .and_then(|v| URL_SAFE_NO_PAD.decode(v).ok())
            .map_or(0, |b| b.len())
    };
    let ok = match (key["kty"].as_str(), key["crv"].as_str()) {
        (Some("RSA"), _) => bytes("n") >= 256 && (1..=8).contains(&bytes("e")),
        (Some("EC"), Some("P-256")) => bytes("x") == 32 && bytes("y") == 32,
        (Some("OKP"), Some("Ed25519")) => bytes("x") == 32,
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err("keys must be RSA (2048 bits or more), EC P-256 or OKP Ed25519 public keys".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EC: &str = r#"{"keys":[{"kty":"EC","crv":"P-256","kid":"a","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}"#;

    #[test]
    fn a_jwk_set_of_public_keys_is_accepted() {
        assert!(ClientKeys::inline(EC).is_ok());
    }

    #[test]
    fn private_symmetric_empty_or_unknown_keys_are_refused() {
        let private = EC.replace(
            r#""kid":"a","#,
            r#""kid":"a","d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI","#,
        );
        for bad in [
            private.as_str(),
            r#"{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}"#,
            r#"{"keys":[]}"#,
            r#"{"keys":[{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}]}"#,
            r#"{"nokeys":1}"#,
            "not json",
        ] {
            assert!(ClientKeys::inline(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_jwks_uri_is_https_or_loopback_http() {
        assert!(ClientKeys::uri("https://rp.example.com/jwks.json").is_ok());
        assert!(ClientKeys::uri("http://127.0.0.1:9/jwks").is_ok());
        assert!(ClientKeys::uri("http://rp.example.com/jwks").is_err());
        assert!(ClientKeys::uri("file:///etc/passwd").is_err());
    }
}
