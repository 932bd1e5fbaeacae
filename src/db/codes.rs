//! The `authorization_codes` and `authorization_requests` tables.

use sqlx::{Any, FromRow};

use super::Tx;

#[derive(Clone, Debug, FromRow)]
pub struct CodeRow {
    pub code_hash: String,
    pub client_id: String,
    pub user_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub sid: String,
    pub acr: String,
    pub amr: String,
    pub auth_time: i64,
    pub tap_id: Option<String>,
    pub session_expires_at: i64,
    pub family_id: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    /// DPoP (RFC 9449 §10): the thumbprint of the key the code is bound to (`dpop_jkt`).
    pub dpop_jkt: Option<String>,
}

const COLUMNS: &str = "code_hash, client_id, user_id, redirect_uri, scope, nonce, code_challenge, sid, \
     acr, amr, auth_time, tap_id, session_expires_at, family_id, created_at, expires_at, used_at, dpop_jkt";

pub async fn insert<'e, E>(db: E, row: &CodeRow) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query(&format!(
        "INSERT INTO authorization_codes ({COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"
    ))
    .bind(&row.code_hash)
    .bind(&row.client_id)
    .bind(&row.user_id)
    .bind(&row.redirect_uri)
    .bind(&row.scope)
    .bind(&row.nonce)
    .bind(&row.code_challenge)
    .bind(&row.sid)
    .bind(&row.acr)
    .bind(&row.amr)
    .bind(row.auth_time)
    .bind(&row.tap_id)
    .bind(row.session_expires_at)
    .bind(&row.family_id)
    .bind(row.created_at)
    .bind(row.expires_at)
    .bind(row.used_at)
    .bind(&row.dpop_jkt)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn find<'e, E>(db: E, code_hash: &str) -> Result<Option<CodeRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as::<Any, CodeRow>(&format!(
        "SELECT {COLUMNS} FROM authorization_codes WHERE code_hash = $1"
    ))
    .bind(code_hash)
    .fetch_optional(db)
    .await
}

/// Marks a code used; false if it already was (a concurrent redemption won).
pub async fn mark_used(tx: &mut Tx, code_hash: &str, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE authorization_codes SET used_at = $2 WHERE code_hash = $1 AND used_at IS NULL",
    )
    .bind(code_hash)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Forgets codes that expired before `before` (a replay of one is then simply unknown).
pub async fn delete_expired(tx: &mut Tx, before: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM authorization_codes WHERE expires_at < $1")
        .bind(before)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected())
}

#[derive(Clone, Debug, FromRow)]
pub struct RequestRow {
    pub id: String,
    pub params: String,
    pub created_at: i64,
    pub expires_at: i64,
}

pub async fn insert_request<'e, E>(db: E, row: &RequestRow) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query(
        "INSERT INTO authorization_requests (id, params, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(&row.id)
    .bind(&row.params)
    .bind(row.created_at)
    .bind(row.expires_at)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn find_request<'e, E>(
    db: E,
    id: &str,
    now: i64,
) -> Result<Option<RequestRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as::<Any, RequestRow>(
        "SELECT id, params, created_at, expires_at FROM authorization_requests \
         WHERE id = $1 AND expires_at > $2",
    )
    .bind(id)
    .bind(now)
    .fetch_optional(db)
    .await
}

pub async fn delete_request<'e, E>(db: E, id: &str) -> Result<u64, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let done = sqlx::query("DELETE FROM authorization_requests WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}

pub async fn delete_expired_requests<'e, E>(db: E, now: i64) -> Result<u64, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let done = sqlx::query("DELETE FROM authorization_requests WHERE expires_at <= $1")
        .bind(now)
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}
