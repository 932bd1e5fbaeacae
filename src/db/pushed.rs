//! The `pushed_requests` table (RFC 9126): validated authorization requests a client pushed to `/par`,
//! each taken once by `/authorize`, across instances.

use sqlx::{Any, FromRow};

use super::Tx;

#[derive(Clone, Debug, FromRow)]
pub struct PushedRow {
    pub uri_hash: String,
    pub client_id: String,
    pub params: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

pub async fn insert<'e, E>(db: E, row: &PushedRow) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query(
        "INSERT INTO pushed_requests (uri_hash, client_id, params, created_at, expires_at, used_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&row.uri_hash)
    .bind(&row.client_id)
    .bind(&row.params)
    .bind(row.created_at)
    .bind(row.expires_at)
    .bind(row.used_at)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn find<'e, E>(db: E, uri_hash: &str) -> Result<Option<PushedRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as::<Any, PushedRow>(
        "SELECT uri_hash, client_id, params, created_at, expires_at, used_at FROM pushed_requests \
         WHERE uri_hash = $1",
    )
    .bind(uri_hash)
    .fetch_optional(db)
    .await
}

/// Marks the request used if it is `client_id`'s, unused and unexpired; false otherwise (another
/// instance took it first, or it expired meanwhile).
pub async fn take<'e, E>(
    db: E,
    uri_hash: &str,
    client_id: &str,
    now: i64,
) -> Result<bool, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let done = sqlx::query(
        "UPDATE pushed_requests SET used_at = $3 \
         WHERE uri_hash = $1 AND client_id = $2 AND used_at IS NULL AND expires_at > $3",
    )
    .bind(uri_hash)
    .bind(client_id)
    .bind(now)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Forgets requests that expired before `before`.
pub async fn delete_expired(tx: &mut Tx, before: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM pushed_requests WHERE expires_at < $1")
        .bind(before)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected())
}
