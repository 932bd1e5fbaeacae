//! The `reveal_links` table: one-time links that reveal a pass's passcode. Opening, failing and
//! destroying are single conditional `UPDATE`s, so exactly one of several concurrent openers wins.

use sqlx::{Any, FromRow};

use super::Tx;

#[derive(Clone, Debug, FromRow)]
pub struct RevealRow {
    pub id: String,
    pub token_hash: String,
    pub pass_id: String,
    pub user_id: String,
    pub passcode_sealed: Option<String>,
    pub confirm: String,
    pub created_by_kind: String,
    pub created_by_name: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub opened_at: Option<i64>,
    pub opened_by: Option<String>,
    pub opened_address: Option<String>,
    pub revoked_at: Option<i64>,
    pub failed_attempts: i64,
    pub locked_at: Option<i64>,
}

const COLUMNS: &str = "id, token_hash, pass_id, user_id, passcode_sealed, confirm, created_by_kind, \
     created_by_name, created_at, expires_at, opened_at, opened_by, opened_address, revoked_at, \
     failed_attempts, locked_at";

/// Still waiting to be opened.
const LIVE: &str = "opened_at IS NULL AND revoked_at IS NULL AND locked_at IS NULL AND passcode_sealed IS NOT NULL";

pub async fn insert(tx: &mut Tx, row: &RevealRow) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "INSERT INTO reveal_links ({COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
    ))
    .bind(&row.id)
    .bind(&row.token_hash)
    .bind(&row.pass_id)
    .bind(&row.user_id)
    .bind(&row.passcode_sealed)
    .bind(&row.confirm)
    .bind(&row.created_by_kind)
    .bind(&row.created_by_name)
    .bind(row.created_at)
    .bind(row.expires_at)
    .bind(row.opened_at)
    .bind(&row.opened_by)
    .bind(&row.opened_address)
    .bind(row.revoked_at)
    .bind(row.failed_attempts)
    .bind(row.locked_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn find_by_token_hash<'e, E>(db: E, hash: &str) -> Result<Option<RevealRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as::<Any, RevealRow>(&format!(
        "SELECT {COLUMNS} FROM reveal_links WHERE token_hash = $1"
    ))
    .bind(hash)
    .fetch_optional(db)
    .await
}

/// The user's links, newest first.
pub async fn of_user<'e, E>(db: E, user_id: &str) -> Result<Vec<RevealRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as::<Any, RevealRow>(&format!(
        "SELECT {COLUMNS} FROM reveal_links WHERE user_id = $1 ORDER BY created_at DESC, id"
    ))
    .bind(user_id)
    .fetch_all(db)
    .await
}

/// Marks the link opened and destroys its sealed passcode, if it is still live at `now`; true when
/// this call won.
pub async fn open(
    tx: &mut Tx,
    id: &str,
    opened_by: &str,
    address: Option<&str>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(&format!(
        "UPDATE reveal_links SET opened_at = $2, opened_by = $3, opened_address = $4, \
         passcode_sealed = NULL WHERE id = $1 AND {LIVE} AND expires_at > $2"
    ))
    .bind(id)
    .bind(now)
    .bind(opened_by)
    .bind(address)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Counts a wrong confirmation; at `max` the link locks and its passcode is destroyed. Returns the
/// new count (0 when the link was no longer live).
pub async fn add_failure(tx: &mut Tx, id: &str, max: i64, now: i64) -> Result<i64, sqlx::Error> {
    let done = sqlx::query(&format!(
        "UPDATE reveal_links SET failed_attempts = failed_attempts + 1 WHERE id = $1 AND {LIVE}"
    ))
    .bind(id)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(0);
    }
    let (n,): (i64,) = sqlx::query_as("SELECT failed_attempts FROM reveal_links WHERE id = $1")
        .bind(id)
        .fetch_one(&mut **tx)
        .await?;
    if n >= max {
        sqlx::query("UPDATE reveal_links SET locked_at = $2, passcode_sealed = NULL WHERE id = $1")
            .bind(id)
            .bind(now)
            .execute(&mut **tx)
            .await?;
    }
    Ok(n)
}

/// Revokes every live link of the user, destroying their passcodes; returns how many.
pub async fn revoke_of_user(tx: &mut Tx, user_id: &str, now: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(&format!(
        "UPDATE reveal_links SET revoked_at = $2, passcode_sealed = NULL \
         WHERE user_id = $1 AND {LIVE}"
    ))
    .bind(user_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected())
}

/// Revokes the live links of one pass (it ended), destroying their passcodes.
pub async fn revoke_of_pass(tx: &mut Tx, pass_id: &str, now: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(&format!(
        "UPDATE reveal_links SET revoked_at = $2, passcode_sealed = NULL \
         WHERE pass_id = $1 AND {LIVE}"
    ))
    .bind(pass_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected())
}

/// Destroys the sealed passcodes of links that expired by `now`; returns how many.
pub async fn destroy_expired<'e, E>(db: E, now: i64) -> Result<u64, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let done = sqlx::query(
        "UPDATE reveal_links SET passcode_sealed = NULL \
         WHERE expires_at <= $1 AND passcode_sealed IS NOT NULL",
    )
    .bind(now)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}
