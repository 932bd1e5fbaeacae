//! The `signin_throttle` table: counters shared by every instance.
//!
//! Counting is one atomic statement per key, outside any transaction and without the audit chain's lock:
//! it sits on every credential submission and records nothing in the audit trail.

use sqlx::{Any, FromRow};

use super::Tx;

#[derive(Clone, Debug, FromRow)]
pub struct ThrottleRow {
    pub key: String,
    pub window_start: i64,
    pub attempts: i64,
    pub locked_until: i64,
}

pub async fn find<'e, E>(db: E, key: &str) -> Result<Option<ThrottleRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as::<Any, ThrottleRow>(
        "SELECT key, window_start, attempts, locked_until FROM signin_throttle WHERE key = $1",
    )
    .bind(key)
    .fetch_optional(db)
    .await
}

/// Counts one attempt against `key` in a fixed window of `window` seconds that began no earlier than
/// `now - window`, starting a new window when the last one is over; returns (window start, attempts in it).
pub async fn hit<'e, E>(db: E, key: &str, window: i64, now: i64) -> Result<(i64, i64), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as::<Any, (i64, i64)>(
        "INSERT INTO signin_throttle (key, window_start, attempts, locked_until) VALUES ($1, $2, 1, 0) \
         ON CONFLICT (key) DO UPDATE SET \
           attempts = CASE WHEN signin_throttle.window_start + $3 <= $2 THEN 1 \
                           ELSE signin_throttle.attempts + 1 END, \
           window_start = CASE WHEN signin_throttle.window_start + $3 <= $2 THEN $2 \
                               ELSE signin_throttle.window_start END \
         RETURNING window_start, attempts",
    )
    .bind(key)
    .bind(now)
    .bind(window)
    .fetch_one(db)
    .await
}

pub async fn upsert(tx: &mut Tx, row: &ThrottleRow) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO signin_throttle (key, window_start, attempts, locked_until) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (key) DO UPDATE SET window_start = $2, attempts = $3, locked_until = $4",
    )
    .bind(&row.key)
    .bind(row.window_start)
    .bind(row.attempts)
    .bind(row.locked_until)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn delete<'e, E>(db: E, key: &str) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query("DELETE FROM signin_throttle WHERE key = $1")
        .bind(key)
        .execute(db)
        .await?;
    Ok(())
}

/// Forgets counters whose window and lock are both over.
pub async fn delete_stale<'e, E>(db: E, window_before: i64, now: i64) -> Result<u64, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let done =
        sqlx::query("DELETE FROM signin_throttle WHERE window_start < $1 AND locked_until <= $2")
            .bind(window_before)
            .bind(now)
            .execute(db)
            .await?;
    Ok(done.rows_affected())
}
