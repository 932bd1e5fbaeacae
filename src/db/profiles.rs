//! The `user_profiles` and `group_profiles` tables: what provisioning knows beyond the directory.

use sqlx::{Any, FromRow};

use super::Tx;

#[derive(Clone, Debug, Default, FromRow, PartialEq, Eq)]
pub struct UserProfileRow {
    pub user_id: String,
    pub external_id: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub employee_number: Option<String>,
    pub department: Option<String>,
    pub manager_id: Option<String>,
    pub time_zone: Option<String>,
    pub email_type: Option<String>,
    pub email_primary: Option<i64>,
    pub start_date: Option<String>,
    pub updated_at: i64,
}

const USER_COLUMNS: &str = "user_id, external_id, given_name, family_name, employee_number, \
     department, manager_id, time_zone, email_type, email_primary, start_date, updated_at";

/// Inserts or replaces a user's profile.
pub async fn put_user(tx: &mut Tx, row: &UserProfileRow) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "INSERT INTO user_profiles ({USER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
         ON CONFLICT (user_id) DO UPDATE SET external_id = excluded.external_id, \
         given_name = excluded.given_name, family_name = excluded.family_name, \
         employee_number = excluded.employee_number, department = excluded.department, \
         manager_id = excluded.manager_id, time_zone = excluded.time_zone, \
         email_type = excluded.email_type, email_primary = excluded.email_primary, \
         start_date = excluded.start_date, updated_at = excluded.updated_at"
    ))
    .bind(&row.user_id)
    .bind(&row.external_id)
    .bind(&row.given_name)
    .bind(&row.family_name)
    .bind(&row.employee_number)
    .bind(&row.department)
    .bind(&row.manager_id)
    .bind(&row.time_zone)
    .bind(&row.email_type)
    .bind(row.email_primary)
    .bind(&row.start_date)
    .bind(row.updated_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn find_user<'e, E>(db: E, user_id: &str) -> Result<Option<UserProfileRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as::<Any, UserProfileRow>(&format!(
        "SELECT {USER_COLUMNS} FROM user_profiles WHERE user_id = $1"
    ))
    .bind(user_id)
    .fetch_optional(db)
    .await
}

pub async fn all_users<'e, E>(db: E) -> Result<Vec<UserProfileRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as::<Any, UserProfileRow>(&format!("SELECT {USER_COLUMNS} FROM user_profiles"))
        .fetch_all(db)
        .await
}

#[derive(Clone, Debug, Default, FromRow, PartialEq, Eq)]
pub struct GroupProfileRow {
    pub group_id: String,
    pub external_id: Option<String>,
    pub updated_at: i64,
}

pub async fn put_group(tx: &mut Tx, row: &GroupProfileRow) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO group_profiles (group_id, external_id, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (group_id) DO UPDATE SET external_id = excluded.external_id, \
         updated_at = excluded.updated_at",
    )
    .bind(&row.group_id)
    .bind(&row.external_id)
    .bind(row.updated_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn find_group<'e, E>(
    db: E,
    group_id: &str,
) -> Result<Option<GroupProfileRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as::<Any, GroupProfileRow>(
        "SELECT group_id, external_id, updated_at FROM group_profiles WHERE group_id = $1",
    )
    .bind(group_id)
    .fetch_optional(db)
    .await
}

pub async fn all_groups<'e, E>(db: E) -> Result<Vec<GroupProfileRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as::<Any, GroupProfileRow>(
        "SELECT group_id, external_id, updated_at FROM group_profiles",
    )
    .fetch_all(db)
    .await
}

/// Every membership as (group id, user id).
pub async fn all_memberships<'e, E>(db: E) -> Result<Vec<(String, String)>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as("SELECT group_id, user_id FROM group_members")
        .fetch_all(db)
        .await
}

/// Every user as (id, username): for naming members and managers.
pub async fn all_usernames<'e, E>(db: E) -> Result<Vec<(String, String)>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as("SELECT id, username FROM users")
        .fetch_all(db)
        .await
}

/// The groups a user belongs to as (id, name), by name.
pub async fn groups_of_user<'e, E>(
    db: E,
    user_id: &str,
) -> Result<Vec<(String, String)>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as(
        "SELECT g.id, g.name FROM groups g JOIN group_members m ON m.group_id = g.id \
         WHERE m.user_id = $1 ORDER BY g.name_key",
    )
    .bind(user_id)
    .fetch_all(db)
    .await
}

/// A group's members as (id, username), by username.
pub async fn members_of_group<'e, E>(
    db: E,
    group_id: &str,
) -> Result<Vec<(String, String)>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as(
        "SELECT u.id, u.username FROM users u JOIN group_members m ON m.user_id = u.id \
         WHERE m.group_id = $1 ORDER BY u.username_key",
    )
    .bind(group_id)
    .fetch_all(db)
    .await
}
