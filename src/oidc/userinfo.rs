//! `/userinfo` (GET and POST): claims about the signed-in person, by the access token's scope. The token
//! comes in the `Authorization: Bearer` header or, for POST, as the `access_token` form parameter.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::audience::Accept;
use super::error::{ErrorCode, OAuthError};
use super::params::Params;
use super::token::no_store;
use super::{claims, scope, tokens};
use crate::directory;
use crate::oidc::OidcState;

pub async fn userinfo_get(
    State(state): State<OidcState>,
    headers: HeaderMap,
) -> Result<Response, OAuthError> {
    let token = bearer(&headers)?;
    respond(&state, token).await
}

pub async fn userinfo_post(
    State(state): State<OidcState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, OAuthError> {
    let in_header = bearer(&headers)?;
    let in_body = if body.is_empty() {
        None
    } else {
        Params::from_form(&headers, &body)?.take("access_token")
    };
    let token = match (in_header, in_body) {
        (Some(_), Some(_)) => {
            return Err(OAuthError::invalid_request(
                "send the access token once: in the header or in the body",
            ));
        }
        (token, None) | (None, token) => token,
    };
    respond(&state, token).await
}

/// The bearer token of the `Authorization` header, if there is one.
pub fn bearer(headers: &HeaderMap) -> Result<Option<String>, OAuthError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| OAuthError::invalid_token("malformed Authorization header"))?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(Some(token.trim().to_string()))
        }
        _ => Err(OAuthError::invalid_token(
            "the Authorization header must be Bearer",
        )),
    }
}

async fn respond(state: &OidcState, token: Option<String>) -> Result<Response, OAuthError> {
    let token = token.ok_or_else(OAuthError::token_missing)?;
    let claims = tokens::verify_access_token(state, &token, Accept::OwnClient).await?;
    if claims.is_client_token() || !claims.has_scope(scope::OPENID) {
        return Err(OAuthError::new(
            ErrorCode::InsufficientScope,
            "the access token was not issued for the openid scope",
        ));
    }
    let user = directory::users::find_by_id(&state.db, &claims.sub)
        .await?
        .filter(|u| u.enabled)
        .ok_or_else(|| OAuthError::invalid_token("the user can no longer sign in"))?;
    let scope = scope::Scope::stored(&claims.scope, "an access token")?;
    let mut body = claims::for_user(&state.db, &user, &scope).await?;
    body.insert("sub".into(), json!(user.id));
    let mut response = Json(body).into_response();
    no_store(response.headers_mut());
    Ok(response)
}
