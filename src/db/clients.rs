//! The `oidc_clients` table.

use sqlx::{Any, FromRow};

use super::Tx;

#[derive(Clone, Debug, FromRow)]
pub struct ClientRow {
    pub id: String,
    pub name: Option<String>,
    pub secret_hash: Option<String>,
    pub redirect_uris: String,
    pub post_logout_redirect_uris: String,
    pub grant_types: String,
    pub scopes: String,
    pub id_token_alg: String,
    pub access_token_alg: String,
    pub roles: String,
    pub backchannel_logout_uri: Option<String>,
    pub backchannel_logout_session_required: i64,
    pub frontchannel_logout_uri: Option<String>,
    pub frontchannel_logout_session_required: i64,
    pub allowed_origins: String,
    pub may_introspect: i64,
    pub jwks: Option<String>,
    pub jwks_uri: Option<String>,
    pub require_pushed_authorization_requests: i64,
    pub logo_uri: Option<String>,
    pub dpop_bound_access_tokens: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, name, secret_hash, redirect_uris, post_logout_redirect_uris, grant_types, \
     scopes, id_token_alg, access_token_alg, roles, backchannel_logout_uri, \
     backchannel_logout_session_required, frontchannel_logout_uri, frontchannel_logout_session_required, \
     allowed_origins, may_introspect, jwks, jwks_uri, created_at, updated_at, \
     require_pushed_authorization_requests, logo_uri, dpop_bound_access_tokens";

pub async fn insert(tx: &mut Tx, row: &ClientRow) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "INSERT INTO oidc_clients ({COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, \
         $19, $20, $21, $22, $23)"
    ))
    .bind(&row.id)
    .bind(&row.name)
    .bind(&row.secret_hash)
    .bind(&row.redirect_uris)
    .bind(&row.post_logout_redirect_uris)
    .bind(&row.grant_types)
    .bind(&row.scopes)
    .bind(&row.id_token_alg)
    .bind(&row.access_token_alg)
    .bind(&row.roles)
    .bind(&row.backchannel_logout_uri)
    .bind(row.backchannel_logout_session_required)
    .bind(&row.frontchannel_logout_uri)
    .bind(row.frontchannel_logout_session_required)
    .bind(&row.allowed_origins)
    .bind(row.may_introspect)
    .bind(&row.jwks)
    .bind(&row.jwks_uri)
    .bind(row.created_at)
    .bind(row.updated_at)
    .bind(row.require_pushed_authorization_requests)
    .bind(&row.logo_uri)
    .bind(row.dpop_bound_access_tokens)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn update(tx: &mut Tx, row: &ClientRow) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE oidc_clients SET name = $2, secret_hash = $3, redirect_uris = $4, \
         post_logout_redirect_uris = $5, grant_types = $6, scopes = $7, id_token_alg = $8, \
         access_token_alg = $9, roles = $10, backchannel_logout_uri = $11, \
         backchannel_logout_session_required = $12, frontchannel_logout_uri = $13, \
         frontchannel_logout_session_required = $14, allowed_origins = $15, may_introspect = $16, \
         updated_at = $17, jwks = $18, jwks_uri = $19, \
         require_pushed_authorization_requests = $20, logo_uri = $21, dpop_bound_access_tokens = $22 WHERE id = $1",
    )
    .bind(&row.id)
    .bind(&row.name)
    .bind(&row.secret_hash)
    .bind(&row.redirect_uris)
    .bind(&row.post_logout_redirect_uris)
    .bind(&row.grant_types)
    .bind(&row.scopes)
    .bind(&row.id_token_alg)
    .bind(&row.access_token_alg)
    .bind(&row.roles)
    .bind(&row.backchannel_logout_uri)
    .bind(row.backchannel_logout_session_required)
    .bind(&row.frontchannel_logout_uri)
    .bind(row.frontchannel_logout_session_required)
    .bind(&row.allowed_origins)
    .bind(row.may_introspect)
    .bind(row.updated_at)
    .bind(&row.jwks)
    .bind(&row.jwks_uri)
    .bind(row.require_pushed_authorization_requests)
    .bind(&row.logo_uri)
    .bind(row.dpop_bound_access_tokens)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn delete(tx: &mut Tx, id: &str) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM oidc_clients WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected())
}

pub async fn find<'e, E>(db: E, id: &str) -> Result<Option<ClientRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as::<Any, ClientRow>(&format!("SELECT {COLUMNS} FROM oidc_clients WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn list<'e, E>(db: E) -> Result<Vec<ClientRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as::<Any, ClientRow>(&format!("SELECT {COLUMNS} FROM oidc_clients ORDER BY id"))
        .fetch_all(db)
        .await
}

/// Every origin a browser application may call the token endpoints from: the origins of the registered
/// redirect URIs and the explicitly allowed ones (both space-separated lists, as stored).
pub async fn origin_lists<'e, E>(db: E) -> Result<Vec<(String, String)>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as::<Any, (String, String)>(
        "SELECT redirect_uris, allowed_origins FROM oidc_clients",
    )
    .fetch_all(db)
    .await
}
