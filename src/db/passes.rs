//! The `passes` table: Temporary Access Passes, at most one per user.
//!
//! Every change that races (consuming a one-time pass, recording expiry) is a single conditional
//! `UPDATE` whose affected-row count says who won, so it holds across instances on one database.

use sqlx::{Any, FromRow};

use super::Tx;

#[derive(Clone, Debug, FromRow)]
pub struct PassRow {
    pub id: String,
    pub user_id: String,
    pub code_hash: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub one_time: i64,
    pub created_by_kind: String,
    pub created_by_id: Option<String>,
    pub created_by_name: Option<String>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub used_at: Option<i64>,
    pub failed_attempts: i64,
    pub locked_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub expiry_recorded_at: Option<i64>,
    /// A one-time pass: the `sid` of the session that signed in with it and has not spent it yet.
    pub held_by_session: Option<String>,
    /// When that hold lapses (the session's end).
    pub held_until: Option<i64>,
}

const COLUMNS: &str = "id, user_id, code_hash, starts_at, ends_at, one_time, created_by_kind, created_by_id, \
     created_by_name, created_at, last_used_at, used_at, failed_attempts, locked_at, revoked_at, \
     expiry_recorded_at, held_by_session, held_until";

pub async fn insert(tx: &mut Tx, row: &PassRow) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "INSERT INTO passes ({COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"
    ))
    .bind(&row.id)
    .bind(&row.user_id)
    .bind(&row.code_hash)
    .bind(row.starts_at)
    .bind(row.ends_at)
    .bind(row.one_time)
    .bind(&row.created_by_kind)
    .bind(&row.created_by_id)
    .bind(&row.created_by_name)
    .bind(row.created_at)
    .bind(row.last_used_at)
    .bind(row.used_at)
    .bind(row.failed_attempts)
    .bind(row.locked_at)
    .bind(row.revoked_at)
    .bind(row.expiry_recorded_at)
    .bind(&row.held_by_session)
    .bind(row.held_until)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn find_by_user<'e, E>(db: E, user_id: &str) -> Result<Option<PassRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as::<Any, PassRow>(&format!("SELECT {COLUMNS} FROM passes WHERE user_id = $1"))
        .bind(user_id)
        .fetch_optional(db)
        .await
}

pub async fn find<'e, E>(db: E, id: &str) -> Result<Option<PassRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as::<Any, PassRow>(&format!("SELECT {COLUMNS} FROM passes WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn delete(tx: &mut Tx, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM passes WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Consumes a one-time pass, or notes the use of a multi-use one, if it is still live at `now`.
/// Returns whether this call won: for a one-time pass, exactly one concurrent caller does.
pub async fn mark_used(
    tx: &mut Tx,
    id: &str,
    one_time: bool,
    max_failed: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let set = if one_time {
        "used_at = $2, last_used_at = $2"
    } else {
        "last_used_at = $2"
    };
    let done = sqlx::query(&format!(
        "UPDATE passes SET {set} WHERE id = $1 AND used_at IS NULL AND revoked_at IS NULL \
         AND locked_at IS NULL AND failed_attempts < $3 AND starts_at <= $2 AND ends_at > $2"
    ))
    .bind(id)
    .bind(now)
    .bind(max_failed)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Takes the hold on a one-time pass for session `sid` until `until`, if the pass is still live at
/// `now` and nobody holds it (or their hold lapsed). Returns whether this call won: of concurrent
/// callers, on any instance, exactly one does.
pub async fn hold(
    tx: &mut Tx,
    id: &str,
    sid: &str,
    until: i64,
    max_failed: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE passes SET held_by_session = $2, held_until = $3, last_used_at = $4 \
         WHERE id = $1 AND used_at IS NULL AND revoked_at IS NULL AND locked_at IS NULL \
         AND failed_attempts < $5 AND starts_at <= $4 AND ends_at > $4 \
         AND (held_by_session IS NULL OR held_until <= $4)",
    )
    .bind(id)
    .bind(sid)
    .bind(until)
    .bind(now)
    .bind(max_failed)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Spends a one-time pass held by session `sid`; returns false if that session does not hold it.
pub async fn spend_held(tx: &mut Tx, id: &str, sid: &str, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE passes SET used_at = $3, held_by_session = NULL, held_until = NULL \
         WHERE id = $1 AND held_by_session = $2 AND used_at IS NULL",
    )
    .bind(id)
    .bind(sid)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Releases the hold of session `sid` on a pass it did not spend; returns false if it held none.
pub async fn release(tx: &mut Tx, id: &str, sid: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE passes SET held_by_session = NULL, held_until = NULL \
         WHERE id = $1 AND held_by_session = $2 AND used_at IS NULL",
    )
    .bind(id)
    .bind(sid)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Passes whose hold lapsed by `now` without being spent or released.
pub async fn lapsed_holds<'e, E>(db: E, now: i64) -> Result<Vec<PassRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as::<Any, PassRow>(&format!(
        "SELECT {COLUMNS} FROM passes WHERE held_by_session IS NOT NULL AND held_until <= $1 \
         AND used_at IS NULL ORDER BY held_until LIMIT 500"
    ))
    .bind(now)
    .fetch_all(db)
    .await
}

/// Counts a wrong passcode; returns the new count.
pub async fn add_failure(tx: &mut Tx, id: &str) -> Result<i64, sqlx::Error> {
    sqlx::query("UPDATE passes SET failed_attempts = failed_attempts + 1 WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    let (n,): (i64,) = sqlx::query_as("SELECT failed_attempts FROM passes WHERE id = $1")
        .bind(id)
        .fetch_one(&mut **tx)
        .await?;
    Ok(n)
}

/// Locks a pass; returns false if it was already locked.
pub async fn lock(tx: &mut Tx, id: &str, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE passes SET locked_at = $2 WHERE id = $1 AND locked_at IS NULL")
        .bind(id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Revokes a pass; returns false if it was already revoked.
pub async fn revoke(tx: &mut Tx, id: &str, now: i64) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("UPDATE passes SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
            .bind(id)
            .bind(now)
            .execute(&mut **tx)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Passes whose end has passed and whose expiry is not yet recorded (revoked ones were ended then).
pub async fn expired_unrecorded<'e, E>(db: E, now: i64) -> Result<Vec<PassRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as::<Any, PassRow>(&format!(
        "SELECT {COLUMNS} FROM passes WHERE ends_at <= $1 AND expiry_recorded_at IS NULL \
         AND revoked_at IS NULL ORDER BY ends_at LIMIT 500"
    ))
    .bind(now)
    .fetch_all(db)
    .await
}

/// Claims the recording of a pass's expiry; exactly one caller, on any instance, gets `true`.
pub async fn claim_expiry(tx: &mut Tx, id: &str, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE passes SET expiry_recorded_at = $2 WHERE id = $1 AND expiry_recorded_at IS NULL \
         AND revoked_at IS NULL AND ends_at <= $2",
    )
    .bind(id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes passes that ended or were revoked before `cutoff`; returns how many.
pub async fn purge(tx: &mut Tx, cutoff: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "DELETE FROM passes WHERE (ends_at <= $1 AND (expiry_recorded_at IS NOT NULL OR revoked_at IS NOT NULL)) \
         OR revoked_at <= $1",
    )
    .bind(cutoff)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected())
}

/// Passes issued by this issuer (`created_by_kind`, `created_by_id`) that are neither revoked nor
/// recorded as expired.
pub async fn live_issued_by<'e, E>(
    db: E,
    kind: &str,
    issuer_id: &str,
) -> Result<Vec<PassRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as::<Any, PassRow>(&format!(
        "SELECT {COLUMNS} FROM passes WHERE created_by_kind = $1 AND created_by_id = $2 \
         AND revoked_at IS NULL AND expiry_recorded_at IS NULL"
    ))
    .bind(kind)
    .bind(issuer_id)
    .fetch_all(db)
    .await
}

/// Cuts every live pass whose end lies more than `max_seconds` after its start down to that
/// lifetime; returns how many were cut.
pub async fn cut_to_lifetime(tx: &mut Tx, max_seconds: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE passes SET ends_at = starts_at + $1 WHERE ends_at > starts_at + $1 \
         AND revoked_at IS NULL AND expiry_recorded_at IS NULL",
    )
    .bind(max_seconds)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected())
}
