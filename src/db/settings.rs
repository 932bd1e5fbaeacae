//! The `settings` table: named values of this deployment.

use sqlx::Any;

pub async fn get<'e, E>(db: E, name: &str) -> Result<Option<String>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let row: Option<(String,)> = sqlx::query_as("SELECT value FROM settings WHERE name = $1")
        .bind(name)
        .fetch_optional(db)
        .await?;
    Ok(row.map(|(v,)| v))
}

/// Stores a value unless one exists; returns the value now stored.
pub async fn insert_if_absent<'e, E>(db: E, name: &str, value: &str) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query("INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
        .bind(name)
        .bind(value)
        .execute(db)
        .await?;
    Ok(())
}
