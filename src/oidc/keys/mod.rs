//! Signing keys: generated on first use (RSA-2048, P-256 and Ed25519 through aws-lc-rs), persisted with the
//! private half sealed under the deployment key ([`store`]), cached in memory ([`cache`]), rotated by
//! `tapid keys rotate`. This file is the key itself: its algorithm, signing and the public JWK.
//!
//! Several instances share one database and agree on keys: the JWKS is always read from the database, the
//! signing cache reloads every [`CACHE_TTL`], and verification reloads when it meets an unknown `kid`. A
//! retired key stays published for a grace period, so tokens it signed keep verifying.

mod cache;
mod store;

use std::fmt;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair, RSA_PKCS1_SHA256, RsaKeyPair,
};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{Jwk, PublicKeyUse, ThumbprintHash};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use serde::Serialize;

use crate::error::AppError;

pub use cache::KeyCache;
pub use store::{KeyInfo, Rotation, ensure, jwks, list, rotate};

/// The algorithms tapid signs with. RS256 is the default every client can get.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum SigningAlg {
    RS256,
    ES256,
    EdDSA,
}

impl SigningAlg {
    pub const ALL: [SigningAlg; 3] = [SigningAlg::RS256, SigningAlg::ES256, SigningAlg::EdDSA];

    pub fn as_str(self) -> &'static str {
        match self {
            SigningAlg::RS256 => "RS256",
            SigningAlg::ES256 => "ES256",
            SigningAlg::EdDSA => "EdDSA",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == value)
    }

    pub fn jwt(self) -> Algorithm {
        match self {
            SigningAlg::RS256 => Algorithm::RS256,
            SigningAlg::ES256 => Algorithm::ES256,
            SigningAlg::EdDSA => Algorithm::EdDSA,
        }
    }
}

impl fmt::Display for SigningAlg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A usable key: the private half for signing, the public half for verifying.
pub struct SigningKey {
    pub kid: String,
    pub alg: SigningAlg,
    pub active: bool,
    signer: Signer,
    decoding: DecodingKey,
}

/// The private half, parsed once when the key is loaded: parsing a key (an RSA key's Montgomery constants,
/// an EC or Ed25519 key's public point) costs about as much as a signature, so it is never done per token.
enum Signer {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
    Ed(Ed25519KeyPair),
}

impl Signer {
    fn from_pkcs8(alg: SigningAlg, pkcs8: &[u8]) -> Result<Self, AppError> {
        let unreadable = |e: aws_lc_rs::error::KeyRejected| {
            AppError::Internal(format!("stored {alg} key unreadable: {e}"))
        };
        Ok(match alg {
            SigningAlg::RS256 => Signer::Rsa(RsaKeyPair::from_pkcs8(pkcs8).map_err(unreadable)?),
            SigningAlg::ES256 => Signer::Ec(
                EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8)
                    .map_err(unreadable)?,
            ),
            SigningAlg::EdDSA => {
                Signer::Ed(Ed25519KeyPair::from_pkcs8_maybe_unchecked(pkcs8).map_err(unreadable)?)
            }
        })
    }

    /// The JWS signature of `message` (RS256: PKCS#1 v1.5; ES256: r‖s; EdDSA: Ed25519).
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, AppError> {
        let failed = |_| AppError::Internal("signing failed".into());
        match self {
            Signer::Rsa(key) => {
                let mut signature = vec![0; key.public_modulus_len()];
                key.sign(
                    &RSA_PKCS1_SHA256,
                    &SystemRandom::new(),
                    message,
                    &mut signature,
                )
                .map_err(failed)?;
                Ok(signature)
            }
            Signer::Ec(key) => Ok(key
                .sign(&SystemRandom::new(), message)
                .map_err(failed)?
                .as_ref()
                .to_vec()),
            Signer::Ed(key) => Ok(key.sign(message).as_ref().to_vec()),
        }
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A compact JWS (RFC 7515) of `claims` under `header`, signed with this key.
    pub fn sign<T: Serialize>(&self, header: &Header, claims: &T) -> Result<String, AppError> {
        let json = |e: serde_json::Error| AppError::Internal(format!("cannot encode a JWT: {e}"));
        let mut token = String::with_capacity(1024);
        URL_SAFE_NO_PAD.encode_string(serde_json::to_vec(header).map_err(json)?, &mut token);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(serde_json::to_vec(claims).map_err(json)?, &mut token);
        let signature = self.signer.sign(token.as_bytes())?;
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(signature, &mut token);
        Ok(token)
    }

    pub fn decoding(&self) -> &DecodingKey {
        &self.decoding
    }
}

/// A new key pair: the PKCS#8 (v1) private key and its public JWK, `kid` set to its RFC 7638 thumbprint.
fn generate(alg: SigningAlg) -> Result<(Vec<u8>, Jwk), AppError> {
    let failed = |_| AppError::Internal(format!("cannot generate an {alg} key"));
    let pkcs8 = match alg {
        SigningAlg::RS256 => aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
            .and_then(|k| k.as_der())
            .map_err(failed)?
            .as_ref()
            .to_vec(),
        SigningAlg::ES256 => EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING)
            .and_then(|k| k.to_pkcs8v1())
            .map_err(failed)?
            .as_ref()
            .to_vec(),
        // PKCS#8 v1: jsonwebtoken refuses the v2 encoding of Ed25519 keys.
        SigningAlg::EdDSA => Ed25519KeyPair::generate()
            .and_then(|k| k.to_pkcs8v1())
            .map_err(failed)?
            .as_ref()
            .to_vec(),
    };
    let jwk = public_jwk(alg, &encoding_key(alg, &pkcs8)?)?;
    Ok((pkcs8, jwk))
}

fn encoding_key(alg: SigningAlg, pkcs8: &[u8]) -> Result<EncodingKey, AppError> {
    match alg {
        // jsonwebtoken signs RSA with a PKCS#1 key; its PEM reader unwraps PKCS#8.
        SigningAlg::RS256 => EncodingKey::from_rsa_pem(pem(pkcs8).as_bytes())
            .map_err(|e| AppError::Internal(format!("stored RSA key unreadable: {e}"))),
        SigningAlg::ES256 => Ok(EncodingKey::from_ec_der(pkcs8)),
        SigningAlg::EdDSA => Ok(EncodingKey::from_ed_der(pkcs8)),
    }
}

fn pem(der: &[u8]) -> String {
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let mut text = String::from("-----BEGIN PRIVATE KEY-----\n");
    for line in body.as_bytes().chunks(64) {
        text.push_str(std::str::from_utf8(line).unwrap_or_default());
        text.push('\n');
    }
    text.push_str("-----END PRIVATE KEY-----\n");
    text
}

fn public_jwk(alg: SigningAlg, key: &EncodingKey) -> Result<Jwk, AppError> {
    let mut jwk = Jwk::from_encoding_key(key, alg.jwt())
        .map_err(|e| AppError::Internal(format!("cannot derive the public {alg} key: {e}")))?;
    let kid = jwk
        .thumbprint(ThumbprintHash::SHA256)
        .map_err(|e| AppError::Internal(format!("cannot compute a key thumbprint: {e}")))?;
    jwk.common.key_id = Some(kid);
    jwk.common.public_key_use = Some(PublicKeyUse::Signature);
    Ok(jwk)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{Header, Validation, decode, encode};
    use serde_json::Value;

    #[test]
    fn every_algorithm_signs_and_verifies_through_its_published_jwk() {
        for alg in SigningAlg::ALL {
            let (pkcs8, jwk) = generate(alg).unwrap();
            let encoding = encoding_key(alg, &pkcs8).unwrap();
            let mut header = Header::new(alg.jwt());
            header.kid = jwk.common.key_id.clone();
            let token = encode(
                &header,
                &serde_json::json!({"sub": "x", "exp": 4_000_000_000u64}),
                &encoding,
            )
            .unwrap();
            let decoding = DecodingKey::from_jwk(&jwk).unwrap();
            let data = decode::<Value>(&token, &decoding, &Validation::new(alg.jwt())).unwrap();
            assert_eq!(data.claims["sub"], "x");
            assert_eq!(jwk.common.public_key_use, Some(PublicKeyUse::Signature));
            let published = serde_json::to_value(&jwk).unwrap();
            assert_eq!(published["alg"], alg.as_str());
            assert!(published.get("d").is_none(), "no private part is published");
        }
    }

    #[test]
    fn tokens_signed_with_the_parsed_key_verify_through_the_published_jwk() {
        for alg in SigningAlg::ALL {
            let (pkcs8, jwk) = generate(alg).unwrap();
            let key = SigningKey {
                kid: jwk.common.key_id.clone().unwrap(),
                alg,
                active: true,
                signer: Signer::from_pkcs8(alg, &pkcs8).unwrap(),
                decoding: DecodingKey::from_jwk(&jwk).unwrap(),
            };
            let mut header = Header::new(alg.jwt());
            header.kid = Some(key.kid.clone());
            let claims = serde_json::json!({"sub": "x", "exp": 4_000_000_000u64});

            let token = key.sign(&header, &claims).unwrap();

            let data =
                decode::<Value>(&token, key.decoding(), &Validation::new(alg.jwt())).unwrap();
            assert_eq!(data.claims["sub"], "x");
            assert_eq!(data.header.kid, Some(key.kid.clone()));
            let tampered = format!("{}x", &token[..token.len() - 1]);
            assert!(
                decode::<Value>(&tampered, key.decoding(), &Validation::new(alg.jwt())).is_err()
            );
        }
    }

    #[test]
    fn algorithm_names_round_trip() {
        for alg in SigningAlg::ALL {
            assert_eq!(SigningAlg::parse(alg.as_str()), Some(alg));
        }
        assert_eq!(SigningAlg::parse("HS256"), None);
        assert_eq!(SigningAlg::parse("none"), None);
    }
}
