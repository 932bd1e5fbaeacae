//! The `methods` table: passkeys and authenticator apps.

use sqlx::{Any, FromRow};

use super::Tx;

#[derive(Clone, Debug, FromRow)]
pub struct MethodRow {
    pub id: String,
    pub user_id: String,
    pub kind: String,
    pub name: String,
    pub credential_id: Option<String>,
    pub data: String,
    pub last_step: Option<i64>,
    pub backed_up: i64,
    pub registered_with_tap: i64,
    /// The pass the registering session began with (NULL before migration 0006).
    pub tap_id: Option<String>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

const COLUMNS: &str = "id, user_id, kind, name, credential_id, data, last_step, backed_up, \
     registered_with_tap, tap_id, created_at, last_used_at";

pub async fn insert(tx: &mut Tx, row: &MethodRow) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "INSERT INTO methods ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    ))
    .bind(&row.id)
    .bind(&row.user_id)
    .bind(&row.kind)
    .bind(&row.name)
    .bind(&row.credential_id)
    .bind(&row.data)
    .bind(row.last_step)
    .bind(row.backed_up)
    .bind(row.registered_with_tap)
    .bind(&row.tap_id)
    .bind(row.created_at)
    .bind(row.last_used_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A user's methods, oldest first.
pub async fn list_for_user<'e, E>(db: E, user_id: &str) -> Result<Vec<MethodRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as::<Any, MethodRow>(&format!(
        "SELECT {COLUMNS} FROM methods WHERE user_id = $1 ORDER BY created_at, id"
    ))
    .bind(user_id)
    .fetch_all(db)
    .await
}

pub async fn find<'e, E>(db: E, user_id: &str, id: &str) -> Result<Option<MethodRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as::<Any, MethodRow>(&format!(
        "SELECT {COLUMNS} FROM methods WHERE user_id = $1 AND id = $2"
    ))
    .bind(user_id)
    .bind(id)
    .fetch_optional(db)
    .await
}

pub async fn find_by_credential_id<'e, E>(
    db: E,
    credential_id: &str,
) -> Result<Option<MethodRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as::<Any, MethodRow>(&format!(
        "SELECT {COLUMNS} FROM methods WHERE credential_id = $1"
    ))
    .bind(credential_id)
    .fetch_optional(db)
    .await
}

pub async fn count_for_user<'e, E>(db: E, user_id: &str) -> Result<i64, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_scalar::<Any, i64>("SELECT COUNT(*) FROM methods WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(db)
        .await
}

/// Accepts a TOTP time step only if it is later than the last one accepted: true when this call
/// won (a replayed or concurrently used code loses, on every instance).
pub async fn accept_totp_step<'e, E>(
    db: E,
    id: &str,
    step: i64,
    now: i64,
) -> Result<bool, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let done = sqlx::query(
        "UPDATE methods SET last_step = $2, last_used_at = $3 \
         WHERE id = $1 AND kind = 'totp' AND (last_step IS NULL OR last_step < $2)",
    )
    .bind(id)
    .bind(step)
    .bind(now)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records a passkey's use: its updated credential (signature counter, backup state) and the time.
pub async fn update_passkey_use<'e, E>(
    db: E,
    id: &str,
    data: &str,
    backed_up: i64,
    now: i64,
) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query("UPDATE methods SET data = $2, backed_up = $3, last_used_at = $4 WHERE id = $1")
        .bind(id)
        .bind(data)
        .bind(backed_up)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn rename(tx: &mut Tx, id: &str, name: &str) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("UPDATE methods SET name = $2 WHERE id = $1")
        .bind(id)
        .bind(name)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected())
}

pub async fn delete(tx: &mut Tx, id: &str) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM methods WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected())
}
