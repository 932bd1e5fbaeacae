//! The `client_assertions` table: the `jti` of every accepted client assertion (private_key_jwt),
//! until it expires, so that each is accepted once across instances.

use sqlx::Any;

use super::Tx;

/// Records `jti` for `client_id`; false when it was already recorded (a replay).
pub async fn accept_once<'e, E>(
    db: E,
    client_id: &str,
    jti: &str,
    expires_at: i64,
) -> Result<bool, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let done = sqlx::query(
        "INSERT INTO client_assertions (client_id, jti, expires_at) VALUES ($1, $2, $3) \
         ON CONFLICT (client_id, jti) DO NOTHING",
    )
    .bind(client_id)
    .bind(jti)
    .bind(expires_at)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Forgets the `jti`s of assertions that expired before `now`: they can no longer be presented.
pub async fn purge(tx: &mut Tx, now: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM client_assertions WHERE expires_at < $1")
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected())
}
