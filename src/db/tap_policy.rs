//! The `tap_policy` row and its `tap_policy_groups`.

use sqlx::{Any, FromRow};

use super::Tx;

#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct PolicyRow {
    pub enabled: i64,
    pub all_users: i64,
    pub min_lifetime: i64,
    pub max_lifetime: i64,
    pub default_lifetime: i64,
    pub default_length: i64,
    pub one_time_required: i64,
    pub max_failed_attempts: i64,
    pub enrollment_window: i64,
    pub updated_at: i64,
}

/// A group named by the policy.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct PolicyGroupRow {
    pub group_id: String,
    pub name: String,
    pub mode: String,
}

pub async fn get<'e, E>(db: E) -> Result<PolicyRow, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as::<Any, PolicyRow>(
        "SELECT enabled, all_users, min_lifetime, max_lifetime, default_lifetime, default_length, \
         one_time_required, max_failed_attempts, enrollment_window, updated_at FROM tap_policy WHERE id = 1",
    )
    .fetch_one(db)
    .await
}

pub async fn groups<'e, E>(db: E) -> Result<Vec<PolicyGroupRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as::<Any, PolicyGroupRow>(
        "SELECT p.group_id, g.name, p.mode FROM tap_policy_groups p JOIN groups g ON g.id = p.group_id \
         ORDER BY p.mode, g.name_key",
    )
    .fetch_all(db)
    .await
}

pub async fn update(tx: &mut Tx, row: &PolicyRow) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE tap_policy SET enabled = $1, all_users = $2, min_lifetime = $3, max_lifetime = $4, \
         default_lifetime = $5, default_length = $6, one_time_required = $7, max_failed_attempts = $8, \
         enrollment_window = $9, updated_at = $10 WHERE id = 1",
    )
    .bind(row.enabled)
    .bind(row.all_users)
    .bind(row.min_lifetime)
    .bind(row.max_lifetime)
    .bind(row.default_lifetime)
    .bind(row.default_length)
    .bind(row.one_time_required)
    .bind(row.max_failed_attempts)
    .bind(row.enrollment_window)
    .bind(row.updated_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Replaces the groups of one mode (`include` or `exclude`).
pub async fn set_groups(tx: &mut Tx, mode: &str, group_ids: &[String]) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM tap_policy_groups WHERE mode = $1")
        .bind(mode)
        .execute(&mut **tx)
        .await?;
    for id in group_ids {
        sqlx::query(
            "INSERT INTO tap_policy_groups (group_id, mode) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(mode)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
