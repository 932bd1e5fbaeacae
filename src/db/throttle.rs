//! The `signin_throttle` table: counters shared by every instance.

use sqlx::{Any, FromRow};

use super::Tx;

#[derive(Clone, Debug, FromRow)]
pub struct ThrottleRow {
    pub key: String,
    pub window_start: i64,
    pub attempts: i64,
    pub locked_until: i64,
}

pub async fn find(tx: &mut Tx, key: &str) -> Result<Option<ThrottleRow>, sqlx::Error> {
    sqlx::query_as::<Any, ThrottleRow>(
        "SELECT key, window_start, attempts, locked_until FROM signin_throttle WHERE key = $1",
    )
    .bind(key)
    .fetch_optional(&mut **tx)
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

pub async fn delete(tx: &mut Tx, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM signin_throttle WHERE key = $1")
        .bind(key)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Forgets counters whose window and lock are both over.
pub async fn delete_stale(tx: &mut Tx, window_before: i64, now: i64) -> Result<u64, sqlx::Error> {
    let done =
        sqlx::query("DELETE FROM signin_throttle WHERE window_start < $1 AND locked_until <= $2")
            .bind(window_before)
            .bind(now)
            .execute(&mut **tx)
            .await?;
    Ok(done.rows_affected())
}
