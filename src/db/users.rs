//! The `users` table.

use sqlx::{Any, FromRow};

use super::Tx;

#[derive(Clone, Debug, FromRow)]
pub struct UserRow {
    pub id: String,
    pub username: String,
    pub display_name: Option<String>,
    pub email: Option<String>,
    /// 0 or 1, like `enabled`.
    pub email_verified: i64,
    /// 0 or 1: sqlx's `Any` driver has no portable boolean.
    pub enabled: i64,
    pub roles: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str =
    "id, username, display_name, email, email_verified, enabled, roles, created_at, updated_at";

pub async fn insert(tx: &mut Tx, row: &UserRow) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO users (id, username, username_key, display_name, email, enabled, roles, created_at, \
         updated_at, email_verified) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&row.id)
    .bind(&row.username)
    .bind(row.username.to_lowercase())
    .bind(&row.display_name)
    .bind(&row.email)
    .bind(row.enabled)
    .bind(&row.roles)
    .bind(row.created_at)
    .bind(row.updated_at)
    .bind(row.email_verified)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Many users in few statements (imports, and tests that need a large directory): a few hundred rows
/// a statement, within both backends' limits on arguments.
pub async fn insert_many(tx: &mut Tx, rows: &[UserRow]) -> Result<(), sqlx::Error> {
    const COLUMNS_PER_ROW: usize = 10;
    for chunk in rows.chunks(500) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| {
                let n = i * COLUMNS_PER_ROW;
                let places: Vec<String> = (1..=COLUMNS_PER_ROW)
                    .map(|k| format!("${}", n + k))
                    .collect();
                format!("({})", places.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO users (id, username, username_key, display_name, email, enabled, roles, created_at, \
             updated_at, email_verified) VALUES {}",
            values.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for row in chunk {
            query = query
                .bind(&row.id)
                .bind(&row.username)
                .bind(row.username.to_lowercase())
                .bind(&row.display_name)
                .bind(&row.email)
                .bind(row.enabled)
                .bind(&row.roles)
                .bind(row.created_at)
                .bind(row.updated_at)
                .bind(row.email_verified);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

pub async fn update(tx: &mut Tx, row: &UserRow) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET display_name = $2, email = $3, enabled = $4, roles = $5, updated_at = $6, \
         email_verified = $7 WHERE id = $1",
    )
    .bind(&row.id)
    .bind(&row.display_name)
    .bind(&row.email)
    .bind(row.enabled)
    .bind(&row.roles)
    .bind(row.updated_at)
    .bind(row.email_verified)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn delete(tx: &mut Tx, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// By username, compared case-insensitively.
pub async fn find_by_username<'e, E>(db: E, username: &str) -> Result<Option<UserRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let sql = format!("SELECT {COLUMNS} FROM users WHERE username_key = $1");
    sqlx::query_as::<Any, UserRow>(&sql)
        .bind(username.to_lowercase())
        .fetch_optional(db)
        .await
}

pub async fn find_by_id<'e, E>(db: E, id: &str) -> Result<Option<UserRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1");
    sqlx::query_as::<Any, UserRow>(&sql)
        .bind(id)
        .fetch_optional(db)
        .await
}

/// Users whose username, name or email contains `search` (case-insensitively), by username.
pub async fn list<'e, E>(
    db: E,
    search: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<Vec<UserRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let pattern = search.map(|s| format!("%{}%", escape_like(&s.to_lowercase())));
    let sql = format!(
        "SELECT {COLUMNS} FROM users \
         WHERE ($1 IS NULL OR username_key LIKE $1 ESCAPE '\\' \
                OR LOWER(COALESCE(display_name, '')) LIKE $1 ESCAPE '\\' \
                OR LOWER(COALESCE(email, '')) LIKE $1 ESCAPE '\\') \
         ORDER BY username_key LIMIT $2 OFFSET $3"
    );
    sqlx::query_as::<Any, UserRow>(&sql)
        .bind(pattern)
        .bind(limit)
        .bind(offset)
        .fetch_all(db)
        .await
}

/// Like [`list`], from the username after `after` (keyset paging: as fast on the last page as on the
/// first, and stable while users are added).
pub async fn list_after<'e, E>(
    db: E,
    search: Option<&str>,
    after: &str,
    limit: i64,
) -> Result<Vec<UserRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let pattern = search.map(|s| format!("%{}%", escape_like(&s.to_lowercase())));
    let sql = format!(
        "SELECT {COLUMNS} FROM users \
         WHERE username_key > $2 \
           AND ($1 IS NULL OR username_key LIKE $1 ESCAPE '\\' \
                OR LOWER(COALESCE(display_name, '')) LIKE $1 ESCAPE '\\' \
                OR LOWER(COALESCE(email, '')) LIKE $1 ESCAPE '\\') \
         ORDER BY username_key LIMIT $3"
    );
    sqlx::query_as::<Any, UserRow>(&sql)
        .bind(pattern)
        .bind(after.to_lowercase())
        .bind(limit)
        .fetch_all(db)
        .await
}

pub async fn count<'e, E>(db: E) -> Result<i64, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users")
        .fetch_one(db)
        .await?;
    Ok(n)
}

fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}
