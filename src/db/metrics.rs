//! What the metrics endpoint reads from the database and the pool at each scrape.

use sqlx::Any;

/// Signed-in sessions that have not expired, by level (`tap`, `1fa`, `phr`).
pub async fn active_sessions<'e, E>(db: E, now: i64) -> Result<Vec<(String, i64)>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as::<Any, (String, i64)>(
        "SELECT level, COUNT(*) FROM sessions \
         WHERE user_id IS NOT NULL AND level IS NOT NULL AND expires_at > $1 GROUP BY level",
    )
    .bind(now)
    .fetch_all(db)
    .await
}

/// Connections of this instance's pool: (in use, idle).
pub fn pool_connections(db: &super::Db) -> (u32, u32) {
    let size = db.pool().size();
    let idle = u32::try_from(db.pool().num_idle()).unwrap_or(u32::MAX);
    (size.saturating_sub(idle), idle)
}
