//! Keys in the database: created when an algorithm has none, rotated, listed, published as the JWK Set,
//! and opened (the private half unsealed) for the cache.

use jsonwebtoken::DecodingKey;
use jsonwebtoken::jwk::Jwk;
use serde::Serialize;
use serde_json::Value;
use time::Duration;

use super::{Signer, SigningAlg, SigningKey, generate};
use crate::audit::{self, Actor, Event, Target};
use crate::db::keys::KeyRow;
use crate::db::{self, Db};
use crate::error::AppError;
use crate::secrets::Sealer;

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

pub(super) fn open(sealer: &Sealer, row: &KeyRow) -> Result<SigningKey, AppError> {
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
