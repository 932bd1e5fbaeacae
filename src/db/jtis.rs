//! The `used_jtis` table: the once-only store of JWT ids — client assertions (private_key_jwt) and DPoP
//! proofs — each kept until it could no longer be presented, so that each is accepted once across
//! instances. `issuer` says whose ids they are (`client:<id>`, `dpop:<thumbprint>`).

use sqlx::Any;

use super::Tx;

/// Records `jti` for `issuer`; false when it was already recorded (a replay).
pub async fn accept_once<'e, E>(
    db: E,
    issuer: &str,
    jti: &str,
    expires_at: i64,
) -> Result<bool, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let done = sqlx::query(
        "INSERT INTO used_jtis (issuer, jti, expires_at) VALUES ($1, $2, $3) \
         ON CONFLICT (issuer, jti) DO NOTHING",
    )
    .bind(issuer)
    .bind(jti)
    .bind(expires_at)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Forgets the ids that expired before `now`: what carried them can no longer be presented.
pub async fn purge(tx: &mut Tx, now: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM used_jtis WHERE expires_at < $1")
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected())
}
