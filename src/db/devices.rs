//! The `device_codes` table (the device authorization grant, RFC 8628). Every change of state is one
//! conditional statement, so that instances racing on the same code agree: one approval or denial, one
//! redemption, one poll per interval.

use sqlx::{Any, FromRow};

use super::Tx;

#[derive(Clone, Debug, FromRow)]
pub struct DeviceRow {
    pub id: String,
    pub device_code_hash: String,
    pub user_code_hash: String,
    pub client_id: String,
    pub scope: String,
    pub level: String,
    pub status: String,
    pub user_id: Option<String>,
    pub sid: Option<String>,
    pub acr: Option<String>,
    pub amr: String,
    pub auth_time: Option<i64>,
    pub tap_id: Option<String>,
    pub session_expires_at: Option<i64>,
    pub family_id: String,
    pub poll_interval: i64,
    pub last_polled_at: Option<i64>,
    pub created_at: i64,
    pub expires_at: i64,
    pub decided_at: Option<i64>,
    pub used_at: Option<i64>,
}

const COLUMNS: &str = "id, device_code_hash, user_code_hash, client_id, scope, level, status, user_id, \
     sid, acr, amr, auth_time, tap_id, session_expires_at, family_id, poll_interval, last_polled_at, \
     created_at, expires_at, decided_at, used_at";

pub const PENDING: &str = "pending";
pub const APPROVED: &str = "approved";
pub const DENIED: &str = "denied";

/// Stores a new pending code; false when its user code collides with a stored one (draw another).
pub async fn insert<'e, E>(db: E, row: &DeviceRow) -> Result<bool, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let done = sqlx::query(&format!(
        "INSERT INTO device_codes ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, \
         $12, $13, $14, $15, $16, $17, $18, $19, $20, $21) ON CONFLICT DO NOTHING"
    ))
    .bind(&row.id)
    .bind(&row.device_code_hash)
    .bind(&row.user_code_hash)
    .bind(&row.client_id)
    .bind(&row.scope)
    .bind(&row.level)
    .bind(&row.status)
    .bind(&row.user_id)
    .bind(&row.sid)
    .bind(&row.acr)
    .bind(&row.amr)
    .bind(row.auth_time)
    .bind(&row.tap_id)
    .bind(row.session_expires_at)
    .bind(&row.family_id)
    .bind(row.poll_interval)
    .bind(row.last_polled_at)
    .bind(row.created_at)
    .bind(row.expires_at)
    .bind(row.decided_at)
    .bind(row.used_at)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn find_by_device_code<'e, E>(
    db: E,
    device_code_hash: &str,
) -> Result<Option<DeviceRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as::<Any, DeviceRow>(&format!(
        "SELECT {COLUMNS} FROM device_codes WHERE device_code_hash = $1"
    ))
    .bind(device_code_hash)
    .fetch_optional(db)
    .await
}

pub async fn find_by_user_code<'e, E>(
    db: E,
    user_code_hash: &str,
) -> Result<Option<DeviceRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as::<Any, DeviceRow>(&format!(
        "SELECT {COLUMNS} FROM device_codes WHERE user_code_hash = $1"
    ))
    .bind(user_code_hash)
    .fetch_optional(db)
    .await
}

pub async fn find<'e, E>(db: E, id: &str) -> Result<Option<DeviceRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as::<Any, DeviceRow>(&format!("SELECT {COLUMNS} FROM device_codes WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

/// What the approving (or denying) person and session were.
pub struct Decision<'a> {
    pub status: &'a str,
    pub user_id: &'a str,
    pub sid: &'a str,
    pub acr: &'a str,
    pub amr: &'a str,
    pub auth_time: i64,
    pub tap_id: Option<&'a str>,
    pub session_expires_at: i64,
}

/// Approves or denies a pending, unexpired code; false when it was no longer pending (decided by
/// someone else first, or expired).
pub async fn decide(
    tx: &mut Tx,
    id: &str,
    decision: &Decision<'_>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE device_codes SET status = $2, user_id = $3, sid = $4, acr = $5, amr = $6, \
         auth_time = $7, tap_id = $8, session_expires_at = $9, decided_at = $10 \
         WHERE id = $1 AND status = 'pending' AND expires_at > $10",
    )
    .bind(id)
    .bind(decision.status)
    .bind(decision.user_id)
    .bind(decision.sid)
    .bind(decision.acr)
    .bind(decision.amr)
    .bind(decision.auth_time)
    .bind(decision.tap_id)
    .bind(decision.session_expires_at)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The interval a device that keeps polling too fast is slowed to, at most (seconds).
pub const MAX_INTERVAL: i64 = 60;

/// Counts a poll if the last counted one is at least the interval ago; false when the device polls
/// too fast (its interval is then raised by five seconds, RFC 8628 §3.5, up to [`MAX_INTERVAL`]).
pub async fn poll<'e, E>(db: E, id: &str, now: i64) -> Result<bool, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any> + Copy,
{
    let done = sqlx::query(
        "UPDATE device_codes SET last_polled_at = $2 \
         WHERE id = $1 AND (last_polled_at IS NULL OR last_polled_at + poll_interval <= $2)",
    )
    .bind(id)
    .bind(now)
    .execute(db)
    .await?;
    if done.rows_affected() == 1 {
        return Ok(true);
    }
    sqlx::query(
        "UPDATE device_codes SET poll_interval = CASE WHEN poll_interval < $2 THEN poll_interval + 5 \
         ELSE poll_interval END WHERE id = $1",
    )
    .bind(id)
    .bind(MAX_INTERVAL)
    .execute(db)
    .await?;
    Ok(false)
}

/// Marks an approved code redeemed; false if it already was (another instance won).
pub async fn mark_used(tx: &mut Tx, id: &str, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE device_codes SET used_at = $2 WHERE id = $1 AND status = 'approved' AND used_at IS NULL",
    )
    .bind(id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Forgets codes that expired before `before`.
pub async fn delete_expired(tx: &mut Tx, before: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM device_codes WHERE expires_at < $1")
        .bind(before)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected())
}
