//! The `signing_keys` table.

use sqlx::{Any, FromRow};

use super::Tx;

#[derive(Clone, Debug, FromRow)]
pub struct KeyRow {
    pub kid: String,
    pub alg: String,
    /// Sealed PKCS#8.
    pub private_key: String,
    pub public_jwk: String,
    pub created_at: i64,
    pub retired_at: Option<i64>,
    pub published_until: Option<i64>,
}

const COLUMNS: &str = "kid, alg, private_key, public_jwk, created_at, retired_at, published_until";

pub async fn insert(tx: &mut Tx, row: &KeyRow) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "INSERT INTO signing_keys ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
    ))
    .bind(&row.kid)
    .bind(&row.alg)
    .bind(&row.private_key)
    .bind(&row.public_jwk)
    .bind(row.created_at)
    .bind(row.retired_at)
    .bind(row.published_until)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Keys still published: active ones and retired ones within their grace period, newest first.
pub async fn published<'e, E>(db: E, now: i64) -> Result<Vec<KeyRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as::<Any, KeyRow>(&format!(
        "SELECT {COLUMNS} FROM signing_keys WHERE published_until IS NULL OR published_until > $1 \
         ORDER BY created_at DESC, kid"
    ))
    .bind(now)
    .fetch_all(db)
    .await
}

/// Whether a key with this `kid` is published.
pub async fn is_published<'e, E>(db: E, kid: &str, now: i64) -> Result<bool, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let row: Option<(String,)> = sqlx::query_as(
        "SELECT kid FROM signing_keys WHERE kid = $1 AND (published_until IS NULL OR published_until > $2)",
    )
    .bind(kid)
    .bind(now)
    .fetch_optional(db)
    .await?;
    Ok(row.is_some())
}

pub async fn all<'e, E>(db: E) -> Result<Vec<KeyRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as::<Any, KeyRow>(&format!(
        "SELECT {COLUMNS} FROM signing_keys ORDER BY created_at DESC, kid"
    ))
    .fetch_all(db)
    .await
}

/// The algorithms that have an active key.
pub async fn active_algs(tx: &mut Tx) -> Result<Vec<String>, sqlx::Error> {
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT DISTINCT alg FROM signing_keys WHERE retired_at IS NULL")
            .fetch_all(&mut **tx)
            .await?;
    Ok(rows.into_iter().map(|(a,)| a).collect())
}

/// Retires every active key of `alg` except `keep`, publishing it until `published_until`.
pub async fn retire_others(
    tx: &mut Tx,
    alg: &str,
    keep: &str,
    now: i64,
    published_until: i64,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE signing_keys SET retired_at = $3, published_until = $4 \
         WHERE alg = $1 AND kid <> $2 AND retired_at IS NULL",
    )
    .bind(alg)
    .bind(keep)
    .bind(now)
    .bind(published_until)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected())
}

/// Forgets keys whose grace period ended long ago.
pub async fn delete_unpublished(tx: &mut Tx, before: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "DELETE FROM signing_keys WHERE published_until IS NOT NULL AND published_until < $1",
    )
    .bind(before)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected())
}
