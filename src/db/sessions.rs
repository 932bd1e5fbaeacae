//! The `sessions` table.

use sqlx::{Any, AnyConnection, FromRow};

use super::logout::{self, Ending};

#[derive(Clone, Debug, FromRow)]
pub struct SessionRow {
    pub id_hash: String,
    pub sid: String,
    pub csrf: String,
    pub user_id: Option<String>,
    pub level: Option<String>,
    pub amr: String,
    pub auth_time: Option<i64>,
    pub tap_id: Option<String>,
    pub data: String,
    pub created_at: i64,
    pub expires_at: i64,
}

const COLUMNS: &str =
    "id_hash, sid, csrf, user_id, level, amr, auth_time, tap_id, data, created_at, expires_at";

pub async fn insert<'e, E>(db: E, row: &SessionRow) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query(&format!(
        "INSERT INTO sessions ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    ))
    .bind(&row.id_hash)
    .bind(&row.sid)
    .bind(&row.csrf)
    .bind(&row.user_id)
    .bind(&row.level)
    .bind(&row.amr)
    .bind(row.auth_time)
    .bind(&row.tap_id)
    .bind(&row.data)
    .bind(row.created_at)
    .bind(row.expires_at)
    .execute(db)
    .await?;
    Ok(())
}

/// A live session by the digest of its token.
pub async fn find<'e, E>(db: E, id_hash: &str, now: i64) -> Result<Option<SessionRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as::<Any, SessionRow>(&format!(
        "SELECT {COLUMNS} FROM sessions WHERE id_hash = $1 AND expires_at > $2"
    ))
    .bind(id_hash)
    .bind(now)
    .fetch_optional(db)
    .await
}

pub async fn find_by_sid<'e, E>(
    db: E,
    sid: &str,
    now: i64,
) -> Result<Option<SessionRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as::<Any, SessionRow>(&format!(
        "SELECT {COLUMNS} FROM sessions WHERE sid = $1 AND expires_at > $2"
    ))
    .bind(sid)
    .bind(now)
    .fetch_optional(db)
    .await
}

pub async fn update_data<'e, E>(db: E, id_hash: &str, data: &str) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query("UPDATE sessions SET data = $2 WHERE id_hash = $1")
        .bind(id_hash)
        .bind(data)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn delete<'e, E>(db: E, id_hash: &str) -> Result<u64, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let done = sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
        .bind(id_hash)
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}

/// Ends sessions for good: first queues the Logout Tokens owed to the applications that received tokens
/// in them (same transaction, so a session never ends without them), then deletes them.
pub async fn end(
    conn: &mut AnyConnection,
    ending: Ending<'_>,
    reason: &str,
    now: i64,
) -> Result<u64, sqlx::Error> {
    logout::enqueue(&mut *conn, ending, reason, now).await?;
    let (column, value) = ending.column_and_value();
    let done = sqlx::query(&format!("DELETE FROM sessions WHERE {column} = $1"))
        .bind(value)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

/// Ends the sessions that have expired by `now`, queuing the Logout Tokens their applications are
/// owed (a session that times out ends for its applications too), then deleting them.
pub async fn end_expired(conn: &mut AnyConnection, now: i64) -> Result<u64, sqlx::Error> {
    logout::enqueue_expired(&mut *conn, now).await?;
    let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(now)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}
