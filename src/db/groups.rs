//! The `groups` and `group_members` tables.

use sqlx::{Any, FromRow};

use super::Tx;

#[derive(Clone, Debug, FromRow)]
pub struct GroupRow {
    pub id: String,
    pub name: String,
    pub created_at: i64,
    pub members: i64,
}

pub async fn insert(tx: &mut Tx, id: &str, name: &str, created_at: i64) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO groups (id, name, name_key, created_at) VALUES ($1, $2, $3, $4)")
        .bind(id)
        .bind(name)
        .bind(name.to_lowercase())
        .bind(created_at)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn rename(tx: &mut Tx, id: &str, name: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE groups SET name = $2, name_key = $3 WHERE id = $1")
        .bind(id)
        .bind(name)
        .bind(name.to_lowercase())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn delete(tx: &mut Tx, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM groups WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

const SELECT: &str = "SELECT g.id, g.name, g.created_at, \
     (SELECT COUNT(*) FROM group_members m WHERE m.group_id = g.id) AS members FROM groups g";

pub async fn find_by_name<'e, E>(db: E, name: &str) -> Result<Option<GroupRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as::<Any, GroupRow>(&format!("{SELECT} WHERE g.name_key = $1"))
        .bind(name.to_lowercase())
        .fetch_optional(db)
        .await
}

pub async fn find_by_id<'e, E>(db: E, id: &str) -> Result<Option<GroupRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as::<Any, GroupRow>(&format!("{SELECT} WHERE g.id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn list<'e, E>(db: E) -> Result<Vec<GroupRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as::<Any, GroupRow>(&format!("{SELECT} ORDER BY g.name_key"))
        .fetch_all(db)
        .await
}

/// Adds a membership; returns false when it already existed.
pub async fn add_member(tx: &mut Tx, group_id: &str, user_id: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO group_members (group_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(group_id)
    .bind(user_id)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes a membership; returns false when there was none.
pub async fn remove_member(
    tx: &mut Tx,
    group_id: &str,
    user_id: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM group_members WHERE group_id = $1 AND user_id = $2")
        .bind(group_id)
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Names of the groups a user belongs to, sorted.
pub async fn names_of_user<'e, E>(db: E, user_id: &str) -> Result<Vec<String>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT g.name FROM groups g JOIN group_members m ON m.group_id = g.id \
         WHERE m.user_id = $1 ORDER BY g.name_key",
    )
    .bind(user_id)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|(n,)| n).collect())
}

/// Ids of the groups a user belongs to.
pub async fn ids_of_user<'e, E>(db: E, user_id: &str) -> Result<Vec<String>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT group_id FROM group_members WHERE user_id = $1")
            .bind(user_id)
            .fetch_all(db)
            .await?;
    Ok(rows.into_iter().map(|(n,)| n).collect())
}

/// Usernames of a group's members, sorted.
pub async fn member_names<'e, E>(db: E, group_id: &str) -> Result<Vec<String>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT u.username FROM users u JOIN group_members m ON m.user_id = u.id \
         WHERE m.group_id = $1 ORDER BY u.username_key",
    )
    .bind(group_id)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|(n,)| n).collect())
}
