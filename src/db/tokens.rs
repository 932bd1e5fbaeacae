//! The `oidc_tokens` table: issued access tokens (by jti) and refresh tokens (by digest).

use sqlx::{Any, FromRow};

use super::Tx;

#[derive(Clone, Debug, FromRow)]
pub struct TokenRow {
    pub id: String,
    /// `access` or `refresh`.
    pub kind: String,
    pub token_hash: Option<String>,
    pub family_id: String,
    pub client_id: String,
    pub user_id: Option<String>,
    pub scope: String,
    pub sid: Option<String>,
    pub acr: Option<String>,
    pub amr: String,
    pub auth_time: Option<i64>,
    pub tap_id: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub cap_at: Option<i64>,
    pub rotated_at: Option<i64>,
    pub revoked_at: Option<i64>,
    /// DPoP (RFC 9449): the thumbprint of the key the token is bound to.
    pub dpop_jkt: Option<String>,
}

pub const ACCESS: &str = "access";
pub const REFRESH: &str = "refresh";

const COLUMNS: &str = "id, kind, token_hash, family_id, client_id, user_id, scope, sid, acr, amr, \
     auth_time, tap_id, created_at, expires_at, cap_at, rotated_at, revoked_at, dpop_jkt";

pub async fn insert(tx: &mut Tx, row: &TokenRow) -> Result<(), sqlx::Error> {
    insert_all(tx, std::slice::from_ref(row)).await
}

/// Inserts every row, several to a statement (one round trip to the database for up to 64 rows).
pub async fn insert_all(tx: &mut Tx, rows: &[TokenRow]) -> Result<(), sqlx::Error> {
    let mut rest = rows;
    for size in super::insert_chunks(rows.len()) {
        let (chunk, after) = rest.split_at(size);
        rest = after;
        let sql = format!(
            "INSERT INTO oidc_tokens ({COLUMNS}) VALUES {}",
            super::values_list(size, 18)
        );
        let mut query = sqlx::query(&sql);
        for row in chunk {
            query = query
                .bind(&row.id)
                .bind(&row.kind)
                .bind(&row.token_hash)
                .bind(&row.family_id)
                .bind(&row.client_id)
                .bind(&row.user_id)
                .bind(&row.scope)
                .bind(&row.sid)
                .bind(&row.acr)
                .bind(&row.amr)
                .bind(row.auth_time)
                .bind(&row.tap_id)
                .bind(row.created_at)
                .bind(row.expires_at)
                .bind(row.cap_at)
                .bind(row.rotated_at)
                .bind(row.revoked_at)
                .bind(&row.dpop_jkt);
        }
        query.execute(&mut **tx).await?;
    }
    // The session's end must reach every client that received tokens in it (back-channel logout).
    for row in rows {
        if let (ACCESS, Some(sid), Some(user_id)) = (row.kind.as_str(), &row.sid, &row.user_id) {
            super::logout::remember_client(tx, sid, &row.client_id, user_id, row.created_at)
                .await?;
        }
    }
    Ok(())
}

pub async fn find_by_id<'e, E>(db: E, id: &str) -> Result<Option<TokenRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as::<Any, TokenRow>(&format!("SELECT {COLUMNS} FROM oidc_tokens WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

/// A refresh token by the digest of its value.
pub async fn find_refresh<'e, E>(db: E, token_hash: &str) -> Result<Option<TokenRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as::<Any, TokenRow>(&format!(
        "SELECT {COLUMNS} FROM oidc_tokens WHERE token_hash = $1 AND kind = 'refresh'"
    ))
    .bind(token_hash)
    .fetch_optional(db)
    .await
}

/// Marks a refresh token as exchanged; false if it already was (or was revoked) meanwhile.
pub async fn mark_rotated(tx: &mut Tx, id: &str, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE oidc_tokens SET rotated_at = $2 \
         WHERE id = $1 AND rotated_at IS NULL AND revoked_at IS NULL",
    )
    .bind(id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Revokes one token.
pub async fn revoke(tx: &mut Tx, id: &str, now: i64) -> Result<u64, sqlx::Error> {
    let done =
        sqlx::query("UPDATE oidc_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
            .bind(id)
            .bind(now)
            .execute(&mut **tx)
            .await?;
    Ok(done.rows_affected())
}

/// Revokes every token issued from one grant (a code, or a refresh-token lineage).
pub async fn revoke_family(tx: &mut Tx, family_id: &str, now: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE oidc_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL",
    )
    .bind(family_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected())
}

/// Revokes every token derived from a sign-in that began with this Temporary Access Pass (the pass was
/// revoked or expired). Returns how many tokens were revoked.
pub async fn revoke_by_tap(tx: &mut Tx, tap_id: &str) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE oidc_tokens SET revoked_at = $2 WHERE tap_id = $1 AND revoked_at IS NULL",
    )
    .bind(tap_id)
    .bind(super::ts(time::OffsetDateTime::now_utc()))
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected())
}

/// Revokes every token issued to a user (disabled, methods reset). Returns how many were revoked.
pub async fn revoke_by_user(tx: &mut Tx, user_id: &str) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE oidc_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL",
    )
    .bind(user_id)
    .bind(super::ts(time::OffsetDateTime::now_utc()))
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected())
}

/// Forgets tokens that expired before `before`.
pub async fn delete_expired(tx: &mut Tx, before: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM oidc_tokens WHERE expires_at < $1")
        .bind(before)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected())
}
