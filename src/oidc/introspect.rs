//! `/introspect` (RFC 7662): a client asks about one of its own tokens, or — a client registered as a
//! resource server (`may_introspect`) — about an access token whose audience includes it. Anything revoked,
//! rotated, expired, unknown or not the asker's business is simply `{"active": false}`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::audience::Accept;
use super::clients::Client;
use super::error::OAuthError;
use super::params::Params;
use super::token::no_store;
use super::tokens::AccessTokenClaims;
use super::tokens::TokenRefused;
use super::{client_auth, tokens};
use crate::db;
use crate::oidc::OidcState;
use crate::secrets;

pub async fn introspect_post(
    State(state): State<OidcState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, OAuthError> {
    let params = Params::from_form(&headers, &body)?;
    let client = client_auth::authenticate(&state, &headers, &params).await?;
    let token = params.require("token")?;
    let answer = describe(&state, &client, token).await?;
    let mut response = Json(answer).into_response();
    no_store(response.headers_mut());
    Ok(response)
}

async fn describe(state: &OidcState, client: &Client, token: &str) -> Result<Value, OAuthError> {
    let client_id = client.id.as_str();
    let inactive = json!({ "active": false });
    let now = db::ts(db::now());
    let issuer = state.config.issuer.as_str();
    if token.len() <= 256 {
        if let Some(row) =
            db::tokens::find_refresh(state.db.pool(), &secrets::digest(token)).await?
        {
            let live = row.revoked_at.is_none() && row.rotated_at.is_none() && row.expires_at > now;
            if !live || row.client_id != client_id {
                return Ok(inactive);
            }
            let mut answer = json!({
                "active": true,
                "token_type": "refresh_token",
                "client_id": row.client_id,
                "sub": row.user_id,
                "scope": row.scope,
                "iat": row.created_at,
                "exp": row.expires_at,
                "iss": issuer,
            });
            // A public client's refresh token bound to a DPoP key (RFC 9449 §5) says which.
            if let Some(jkt) = &row.dpop_jkt {
                answer["cnf"] = json!({ "jkt": jkt });
            }
            return Ok(answer);
        }
    }
    match tokens::verify_access_token(state, token, Accept::Any).await {
        Ok(verified)
            if verified.claims.client_id == client_id
                || for_resource_server(client, &verified.claims) =>
        {
            let claims = &verified.claims;
            let mut answer = json!({
                "active": true,
                "token_type": if verified.cnf.is_some() { "DPoP" } else { "Bearer" },
                "client_id": claims.client_id,
                "sub": claims.sub,
                "scope": claims.scope,
                "iat": claims.iat,
                "exp": claims.exp,
                "iss": claims.iss,
                "aud": claims.aud,
                "jti": claims.jti,
            });
            // RFC 9449 §6.2: the key a resource server must see proofs by.
            if let Some(cnf) = &verified.cnf {
                answer["cnf"] = json!({ "jkt": cnf.jkt });
            }
            Ok(answer)
        }
        Ok(_) => Ok(inactive),
        Err(TokenRefused::Invalid(_)) => Ok(inactive),
        Err(TokenRefused::Failed(e)) => Err(e.into()),
    }
}

/// Whether `client` is a resource server this access token is for (its audience names the client).
fn for_resource_server(client: &Client, claims: &AccessTokenClaims) -> bool {
    client.may_introspect && claims.aud == client.id
}
