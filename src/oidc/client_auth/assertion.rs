//! `private_key_jwt` (RFC 7523 §2.2, OpenID Connect Core §9): the client signs a short-lived JWT with
//! a key it registered, and tapid checks the signature with that key, never with one the token names
//! itself; the algorithm comes from the registered key's family, and only asymmetric ones are taken.
//!
//! Checked: `iss` = `sub` = the client; `aud` is the issuer or one of the endpoints that authenticate
//! clients; `exp` in the future but at most ten minutes away; `nbf` and `iat` not in the future; a
//! `jti` accepted once per client, across instances (`db::jtis`), until the assertion expires.
//!
//! An Ed25519 key's assertion may say `alg: EdDSA` or, as RFC 9864 names it fully, `alg: Ed25519` (as
//! openid-client does); the JWT library knows only the first, so the second is verified here with
//! aws-lc-rs and its claims checked by the same rules.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use crate::db;
use crate::oidc::OidcState;
use crate::oidc::clients::Client;
use crate::oidc::error::OAuthError;

pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// The signatures accepted (published as `token_endpoint_auth_signing_alg_values_supported`).
pub const ALGS: &[&str] = &["RS256", "ES256", "EdDSA", "Ed25519"];
/// The longest an assertion may live, from now.
const MAX_LIFETIME: i64 = 600;
/// Clock difference tolerated, seconds.
const LEEWAY: u64 = 30;
/// Longest `jti` kept.
const MAX_JTI: usize = 256;

#[derive(Debug, Deserialize)]
struct Claims {
    iss: String,
    #[serde(default)]
    aud: Audience,
    #[serde(default)]
    nbf: Option<i64>,
    sub: String,
    exp: i64,
    #[serde(default)]
    iat: Option<i64>,
    #[serde(default)]
    jti: Option<String>,
}

/// `aud`: one string or several.
#[derive(Debug, Default, Deserialize)]
#[serde(untagged)]
enum Audience {
    #[default]
    None,
    One(String),
    Many(Vec<String>),
}

impl Audience {
    fn any_of(&self, accepted: &[String]) -> bool {
        match self {
            Audience::None => false,
            Audience::One(aud) => accepted.contains(aud),
            Audience::Many(auds) => auds.iter().any(|a| accepted.contains(a)),
        }
    }
}

/// The header's `alg` and `kid`, read as text (so that an algorithm the JWT library does not know
/// can still be named in a refusal, or verified here).
#[derive(Debug, Deserialize)]
struct RawHeader {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
}

fn raw_header(assertion: &str) -> Option<RawHeader> {
    let header = assertion.split('.').next()?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).ok()?).ok()
}

/// The client an assertion says it is from (`sub`), read before anything is checked, to find the
/// keys to check it with.
pub fn claimed_client(assertion: &str) -> Option<String> {
    let payload = assertion.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    value["sub"].as_str().map(str::to_owned)
}

fn refused(why: &str) -> OAuthError {
    OAuthError::invalid_client(format!("client assertion refused: {why}"))
}

/// Checks `assertion` as `client`'s proof of itself.
pub async fn verify(state: &OidcState, client: &Client, assertion: &str) -> Result<(), OAuthError> {
    if client.keys().is_none() {
        return Err(refused(
            "this client is not registered with keys (jwks or jwks_uri)",
        ));
    }
    let header = raw_header(assertion)
        .filter(|h| ALGS.contains(&h.alg.as_str()))
        .ok_or_else(|| refused("sign it with RS256, ES256 or EdDSA (Ed25519)"))?;
    let set = super::jwks::keys_of(state, client, header.kid.as_deref())
        .await
        .map_err(|why| refused(&why))?;
    let candidates: Vec<&Jwk> = set
        .keys
        .iter()
        .filter(|k| match (&header.kid, &k.common.key_id) {
            (Some(wanted), Some(kid)) => wanted == kid,
            (Some(_), None) => false,
            (None, _) => true,
        })
        .collect();
    if candidates.is_empty() {
        return Err(refused("no registered key has this kid"));
    }
    let issuer = &state.config.issuer;
    let audiences = [
        issuer.as_str().to_string(),
        issuer.url("/token"),
        issuer.url("/introspect"),
        issuer.url("/revoke"),
        issuer.url("/device_authorization"),
        issuer.url("/par"),
    ];
    if header.alg == "Ed25519" {
        let claims = verify_ed25519(assertion, &candidates)?;
        check_registered(&claims, &audiences, client)?;
        return check_claims(state, client, &claims).await;
    }
    let alg: Algorithm = header
        .alg
        .parse()
        .map_err(|_| refused("sign it with RS256, ES256 or EdDSA (Ed25519)"))?;
    let mut validation = Validation::new(alg);
    validation.set_audience(&audiences);
    validation.set_issuer(&[client.id.as_str()]);
    validation.set_required_spec_claims(&["exp", "aud", "iss", "sub"]);
    validation.leeway = LEEWAY;
    validation.validate_nbf = true;
    let mut last = refused("the signature does not verify with the client's keys");
    let mut claims = None;
    for jwk in candidates {
        let Ok(key) = DecodingKey::from_jwk(jwk) else {
            continue;
        };
        match jsonwebtoken::decode::<Claims>(assertion, &key, &validation) {
            Ok(data) => {
                claims = Some(data.claims);
                break;
            }
            Err(e) => {
                last = match e.kind() {
                    ErrorKind::ExpiredSignature => refused("it has expired"),
                    ErrorKind::ImmatureSignature => refused("it is not valid yet (nbf)"),
                    ErrorKind::InvalidAudience => {
                        refused("aud must be the issuer or the endpoint's URL")
                    }
                    ErrorKind::InvalidIssuer => refused("iss must be the client id"),
                    ErrorKind::MissingRequiredClaim(c) => refused(&format!("{c} is missing")),
                    ErrorKind::InvalidSignature | ErrorKind::InvalidAlgorithm => last,
                    _ => refused("it cannot be read"),
                };
            }
        }
    }
    let claims = claims.ok_or(last)?;
    check_claims(state, client, &claims).await
}

/// Verifies an `alg: Ed25519` assertion with the first of `candidates` (an Ed25519 key) that its
/// signature matches; returns its claims, not yet checked.
fn verify_ed25519(assertion: &str, candidates: &[&Jwk]) -> Result<Claims, OAuthError> {
    let (message, signature) = assertion
        .rsplit_once('.')
        .ok_or_else(|| refused("it cannot be read"))?;
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| refused("it cannot be read"))?;
    let verified = candidates.iter().any(|jwk| match &jwk.algorithm {
        AlgorithmParameters::OctetKeyPair(okp) if okp.curve == EllipticCurve::Ed25519 => {
            URL_SAFE_NO_PAD.decode(&okp.x).is_ok_and(|x| {
                aws_lc_rs::signature::UnparsedPublicKey::new(&aws_lc_rs::signature::ED25519, x)
                    .verify(message.as_bytes(), &signature)
                    .is_ok()
            })
        }
        _ => false,
    });
    if !verified {
        return Err(refused(
            "the signature does not verify with the client's keys",
        ));
    }
    let payload = message
        .split('.')
        .nth(1)
        .and_then(|p| URL_SAFE_NO_PAD.decode(p).ok())
        .ok_or_else(|| refused("it cannot be read"))?;
    serde_json::from_slice(&payload)
        .map_err(|_| refused("it cannot be read: iss, sub and exp (and a jti) are required"))
}

/// The registered claims, checked as the JWT library checks them for the other algorithms.
fn check_registered(
    claims: &Claims,
    audiences: &[String],
    client: &Client,
) -> Result<(), OAuthError> {
    let now = db::ts(db::now());
    let leeway = LEEWAY as i64;
    if claims.exp < now - leeway {
        return Err(refused("it has expired"));
    }
    if claims.nbf.is_some_and(|nbf| nbf > now + leeway) {
        return Err(refused("it is not valid yet (nbf)"));
    }
    if !claims.aud.any_of(audiences) {
        return Err(refused("aud must be the issuer or the endpoint's URL"));
    }
    if claims.iss != client.id.as_str() {
        return Err(refused("iss must be the client id"));
    }
    Ok(())
}

async fn check_claims(
    state: &OidcState,
    client: &Client,
    claims: &Claims,
) -> Result<(), OAuthError> {
    if claims.sub != client.id {
        return Err(refused("sub must be the client id"));
    }
    let now = db::ts(db::now());
    if claims.exp - now > MAX_LIFETIME {
        return Err(refused("it lives too long: exp at most ten minutes ahead"));
    }
    if claims.iat.is_some_and(|iat| iat > now + LEEWAY as i64) {
        return Err(refused("it was issued in the future (iat)"));
    }
    let jti = claims
        .jti
        .as_deref()
        .filter(|j| !j.is_empty() && j.len() <= MAX_JTI)
        .ok_or_else(|| refused("a jti (at most 256 characters) is required"))?;
    let issuer = format!("client:{}", client.id);
    if !db::jtis::accept_once(state.db.pool(), &issuer, jti, claims.exp).await? {
        return Err(refused("this jti was already used"));
    }
    Ok(())
}
