//! The `start_passes` table: the pass a provisioning client asked for by setting a start date, until
//! it is issued or refused (`handled_at`).

use sqlx::{Any, FromRow};

use super::Tx;

#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct StartPassRow {
    pub user_id: String,
    pub start_date: String,
    pub requested_by: String,
    pub requested_at: i64,
    pub due_at: i64,
    pub handled_at: Option<i64>,
}

const COLUMNS: &str = "user_id, start_date, requested_by, requested_at, due_at, handled_at";

/// Asks for a pass for `start_date`, replacing any earlier request (handled or not).
pub async fn request(
    tx: &mut Tx,
    user_id: &str,
    start_date: &str,
    requested_by: &str,
    now: i64,
    due_at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "INSERT INTO start_passes ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, NULL) \
         ON CONFLICT (user_id) DO UPDATE SET start_date = excluded.start_date, \
         requested_by = excluded.requested_by, requested_at = excluded.requested_at, \
         due_at = excluded.due_at, handled_at = NULL"
    ))
    .bind(user_id)
    .bind(start_date)
    .bind(requested_by)
    .bind(now)
    .bind(due_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Withdraws the request of a person whose start date was removed.
pub async fn withdraw(tx: &mut Tx, user_id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM start_passes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn find<'e, E>(db: E, user_id: &str) -> Result<Option<StartPassRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as::<Any, StartPassRow>(&format!(
        "SELECT {COLUMNS} FROM start_passes WHERE user_id = $1"
    ))
    .bind(user_id)
    .fetch_optional(db)
    .await
}

/// Requests due by `now` that no pass was issued or refused for yet, earliest first.
pub async fn due<'e, E>(db: E, now: i64, limit: i64) -> Result<Vec<StartPassRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as::<Any, StartPassRow>(&format!(
        "SELECT {COLUMNS} FROM start_passes WHERE handled_at IS NULL AND due_at <= $1 \
         ORDER BY due_at, user_id LIMIT $2"
    ))
    .bind(now)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Takes the request for this very `start_date` for handling; false when another instance took it,
/// or the date changed meanwhile.
pub async fn claim<'e, E>(
    db: E,
    user_id: &str,
    start_date: &str,
    now: i64,
) -> Result<bool, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let done = sqlx::query(
        "UPDATE start_passes SET handled_at = $1 \
         WHERE user_id = $2 AND start_date = $3 AND handled_at IS NULL",
    )
    .bind(now)
    .bind(user_id)
    .bind(start_date)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Gives a claimed request back, for a later try (the database or mail was away).
pub async fn unclaim<'e, E>(db: E, user_id: &str, start_date: &str) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query("UPDATE start_passes SET handled_at = NULL WHERE user_id = $1 AND start_date = $2")
        .bind(user_id)
        .bind(start_date)
        .execute(db)
        .await?;
    Ok(())
}
