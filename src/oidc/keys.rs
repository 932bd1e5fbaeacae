//! Signing keys: generated on first use (RSA-2048, P-256 and Ed25519 through aws-lc-rs), persisted with the
//! private half sealed under the deployment key, cached in memory, rotated by `tapid keys rotate`.
//!
//! Several instances share one database and agree on keys: the JWKS is always read from the database, the
//! signing cache reloads every [`CACHE_TTL`], and verification reloads when it meets an unknown `kid`. A
//! retired key stays published for a grace period, so tokens it signed keep verifying.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

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
use serde_json::Value;
use time::Duration;
use tokio::sync::RwLock;

use crate::audit::{self, Actor, Event, Target};
use crate::db::keys::KeyRow;
use crate::db::{self, Db};
use crate::error::AppError;
use crate::secrets::Sealer;

/// How long a signing instance trusts its cached keys before looking for a rotation.
const CACHE_TTL: StdDuration = StdDuration::from_secs(30);

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

/// Creates, in the database, a key for every algorithm that has no active key. Safe to race: the
/// check and insert run under the write lock, so two instances starting together create one set.
pub async fn ensure(db: &Db, sealer: &Sealer) -> Result<(), AppError> {
    let missing = missing_algs(db).await?;
    if missing.is_empty() {
        return Ok(());
    }
    let mut fresh = Vec::new();
    for alg in missing {
        fresh.push((alg, generate_blocking(alg).await?));
    }
    let mut tx = db.begin().await?;
    let present = db::keys::active_algs(&mut tx).await?;
    let now = db::ts(db::now());
    for (alg, (pkcs8, jwk)) in fresh {
        if present.iter().any(|a| a == alg.as_str()) {
            continue;
        }
        db::keys::insert(&mut tx, &row(sealer, alg, &pkcs8, &jwk, now)?).await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn missing_algs(db: &Db) -> Result<Vec<SigningAlg>, AppError> {
    let rows = db::keys::published(db.pool(), db::ts(db::now())).await?;
    Ok(SigningAlg::ALL
        .into_iter()
        .filter(|alg| {
            !rows
                .iter()
                .any(|r| r.alg == alg.as_str() && r.retired_at.is_none())
        })
        .collect())
}

/// RSA generation takes a while: keep it off the async workers.
async fn generate_blocking(alg: SigningAlg) -> Result<(Vec<u8>, Jwk), AppError> {
    tokio::task::spawn_blocking(move || generate(alg))
        .await
        .map_err(|e| AppError::Internal(format!("key generation stopped: {e}")))?
}

fn row(
    sealer: &Sealer,
    alg: SigningAlg,
    pkcs8: &[u8],
    jwk: &Jwk,
    now: i64,
) -> Result<KeyRow, AppError> {
    let kid = jwk.common.key_id.clone().unwrap_or_default();
    Ok(KeyRow {
        private_key: sealer.seal(pkcs8, &format!("signing_key:{kid}")),
        public_jwk: serde_json::to_string(jwk)
            .map_err(|e| AppError::Internal(format!("cannot encode a JWK: {e}")))?,
        kid,
        alg: alg.as_str().into(),
        created_at: now,
        retired_at: None,
        published_until: None,
    })
}

/// What `tapid keys rotate` did.
#[derive(Debug, Serialize)]
pub struct Rotation {
    pub new_kids: Vec<String>,
    pub retired_kids: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub published_until: time::OffsetDateTime,
}

/// Adds a new active key for every algorithm; the keys they replace keep being published (and verify)
/// for `grace`.
pub async fn rotate(
    db: &Db,
    sealer: &Sealer,
    actor: &Actor,
    grace: Duration,
) -> Result<Rotation, AppError> {
    let mut fresh = Vec::new();
    for alg in SigningAlg::ALL {
        fresh.push((alg, generate_blocking(alg).await?));
    }
    let before = db::keys::all(db.pool()).await?;
    let now = db::now();
    let until = now + grace;
    let mut tx = db.begin().await?;
    let mut new_kids = Vec::new();
    for (alg, (pkcs8, jwk)) in &fresh {
        let row = row(sealer, *alg, pkcs8, jwk, db::ts(now))?;
        db::keys::insert(&mut tx, &row).await?;
        db::keys::retire_others(&mut tx, alg.as_str(), &row.kid, db::ts(now), db::ts(until))
            .await?;
        new_kids.push(row.kid);
    }
    db::keys::delete_unpublished(&mut tx, db::ts(now - Duration::days(30))).await?;
    let retired_kids: Vec<String> = before
        .into_iter()
        .filter(|r| r.retired_at.is_none())
        .map(|r| r.kid)
        .collect();
    audit::record(
        &mut tx,
        Event::new(actor.clone(), "keys.rotated")
            .target(Target::new("keys", "signing", "signing keys"))
            .detail("new_kids", &new_kids)
            .detail("retired_kids", &retired_kids)
            .detail("grace_seconds", grace.whole_seconds()),
    )
    .await?;
    tx.commit().await?;
    Ok(Rotation {
        new_kids,
        retired_kids,
        published_until: until,
    })
}

/// A key as listed by `tapid keys list`.
#[derive(Debug, Serialize)]
pub struct KeyInfo {
    pub kid: String,
    pub alg: String,
    pub active: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub published_until: Option<time::OffsetDateTime>,
}

pub async fn list(db: &Db) -> Result<Vec<KeyInfo>, AppError> {
    let rows = db::keys::published(db.pool(), db::ts(db::now())).await?;
    Ok(rows
        .into_iter()
        .map(|r| KeyInfo {
            active: r.retired_at.is_none(),
            kid: r.kid,
            alg: r.alg,
            created_at: db::from_ts(r.created_at),
            published_until: r.published_until.map(db::from_ts),
        })
        .collect())
}

/// The JWK Set: every published key, read from the database so that all instances publish the same set.
pub async fn jwks(db: &Db, sealer: &Sealer) -> Result<Value, AppError> {
    let mut rows = db::keys::published(db.pool(), db::ts(db::now())).await?;
    if !SigningAlg::ALL
        .iter()
        .all(|alg| rows.iter().any(|r| r.alg == alg.as_str()))
    {
        ensure(db, sealer).await?;
        rows = db::keys::published(db.pool(), db::ts(db::now())).await?;
    }
    let mut keys: Vec<Value> = rows
        .iter()
        .filter_map(|r| serde_json::from_str(&r.public_jwk).ok())
        .collect();
    // OKP (Ed25519) keys last: libraries without OKP support (cjose in mod_auth_openidc 2.4, pyjwkest)
    // stop or complain at the first key they cannot parse. The sort is stable: newest first otherwise.
    keys.sort_by_key(|k| k.get("kty").and_then(Value::as_str) == Some("OKP"));
    Ok(serde_json::json!({ "keys": keys }))
}

/// The in-memory cache of usable keys, shared by the handlers of one instance.
#[derive(Default)]
pub struct KeyCache {
    inner: RwLock<Option<Loaded>>,
    /// Held while reloading, so that requests meeting an empty or expired cache together load it once.
    loading: tokio::sync::Mutex<()>,
}

impl fmt::Debug for KeyCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyCache")
    }
}

struct Loaded {
    keys: Vec<Arc<SigningKey>>,
    at: Instant,
}

impl KeyCache {
    pub fn new() -> Self {
        Self::default()
    }

    /// The active key for `alg`, generating keys on first use.
    pub async fn signing_key(
        &self,
        db: &Db,
        sealer: &Sealer,
        alg: SigningAlg,
    ) -> Result<Arc<SigningKey>, AppError> {
        if let Some(key) = self.cached(|k| k.active && k.alg == alg, CACHE_TTL).await {
            return Ok(key);
        }
        let _loading = self.loading.lock().await;
        // Another request may have loaded the keys while this one waited.
        if let Some(key) = self.cached(|k| k.active && k.alg == alg, CACHE_TTL).await {
            return Ok(key);
        }
        self.reload(db, sealer).await?;
        if let Some(key) = self.cached(|k| k.active && k.alg == alg, CACHE_TTL).await {
            return Ok(key);
        }
        ensure(db, sealer).await?;
        self.reload(db, sealer).await?;
        self.cached(|k| k.active && k.alg == alg, CACHE_TTL)
            .await
            .ok_or_else(|| AppError::Internal(format!("no active {alg} signing key")))
    }

    /// A published key by `kid` (for verifying). A `kid` unknown here is looked up in the database (another
    /// instance may have rotated), and the cache reloaded when it exists there.
    pub async fn find(
        &self,
        db: &Db,
        sealer: &Sealer,
        kid: &str,
    ) -> Result<Option<Arc<SigningKey>>, AppError> {
        if let Some(key) = self.cached(|k| k.kid == kid, CACHE_TTL).await {
            return Ok(Some(key));
        }
        let plausible = kid.len() <= 128 && kid.bytes().all(|b| b.is_ascii_graphic());
        if !plausible || !db::keys::is_published(db.pool(), kid, db::ts(db::now())).await? {
            return Ok(None);
        }
        let _loading = self.loading.lock().await;
        if let Some(key) = self.cached(|k| k.kid == kid, CACHE_TTL).await {
            return Ok(Some(key));
        }
        self.reload(db, sealer).await?;
        Ok(self.cached(|k| k.kid == kid, CACHE_TTL).await)
    }

    async fn cached(
        &self,
        wanted: impl Fn(&SigningKey) -> bool,
        ttl: StdDuration,
    ) -> Option<Arc<SigningKey>> {
        let guard = self.inner.read().await;
        let loaded = guard.as_ref().filter(|l| l.at.elapsed() < ttl)?;
        loaded.keys.iter().find(|k| wanted(k)).cloned()
    }

    /// Reads the published keys and opens their private halves.
    pub async fn reload(&self, db: &Db, sealer: &Sealer) -> Result<(), AppError> {
        let rows = db::keys::published(db.pool(), db::ts(db::now())).await?;
        let mut keys = Vec::with_capacity(rows.len());
        for row in rows {
            match open(sealer, &row) {
                Ok(key) => keys.push(Arc::new(key)),
                // One unreadable key must not stop the others from working.
                Err(e) => tracing::error!(kid = %row.kid, error = %e, "signing key unusable"),
            }
        }
        *self.inner.write().await = Some(Loaded {
            keys,
            at: Instant::now(),
        });
        Ok(())
    }
}

fn open(sealer: &Sealer, row: &KeyRow) -> Result<SigningKey, AppError> {
    let alg = SigningAlg::parse(&row.alg)
        .ok_or_else(|| AppError::Internal(format!("unknown key algorithm {}", row.alg)))?;
    let pkcs8 = sealer
        .open(&row.private_key, &format!("signing_key:{}", row.kid))
        .ok_or_else(|| AppError::Internal("the key cannot be unsealed".into()))?;
    let jwk: Jwk = serde_json::from_str(&row.public_jwk)
        .map_err(|e| AppError::Internal(format!("stored JWK unreadable: {e}")))?;
    let decoding = DecodingKey::from_jwk(&jwk)
        .map_err(|e| AppError::Internal(format!("stored JWK unusable: {e}")))?;
    Ok(SigningKey {
        kid: row.kid.clone(),
        alg,
        active: row.retired_at.is_none(),
        signer: Signer::from_pkcs8(alg, &pkcs8)?,
        decoding,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{Header, Validation, decode, encode};

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
