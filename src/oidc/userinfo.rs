//! `/userinfo` (GET and POST): claims about the signed-in person, by the access token's scope. The token
//! comes in the `Authorization: Bearer` header or, for POST, as the `access_token` form parameter; a
//! DPoP-bound token only as `Authorization: DPoP` with a proof (`oidc::dpop`).

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::audience::Accept;
use super::dpop::{self, Presented};
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
    let presented = Presented::from_headers(&headers)?;
    respond(&state, &headers, "GET", presented).await
}

pub async fn userinfo_post(
    State(state): State<OidcState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, OAuthError> {
    let in_header = Presented::from_headers(&headers)?;
    let in_body = if body.is_empty() {
        None
    } else {
        Params::from_form(&headers, &body)?.take("access_token")
    };
    let presented = match (in_header, in_body) {
        (Some(_), Some(_)) => {
            return Err(OAuthError::invalid_request(
                "send the access token once: in the header or in the body",
            ));
        }
        (None, Some(token)) => Some(Presented::Bearer(token)),
        (presented, None) => presented,
    };
    respond(&state, &headers, "POST", presented).await
}

async fn respond(
    state: &OidcState,
    headers: &HeaderMap,
    method: &str,
    presented: Option<Presented>,
) -> Result<Response, OAuthError> {
    let presented = presented.ok_or_else(OAuthError::token_missing)?;
    let verified = tokens::verify_access_token(state, presented.token(), Accept::OwnClient).await?;
    dpop::at_resource(state, headers, method, "/userinfo", &presented, &verified).await?;
    let claims = &verified.claims;
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
    if verified.cnf.is_some() {
        if let Ok(nonce) = HeaderValue::from_str(&dpop::current_nonce(state)) {
            response.headers_mut().insert(dpop::NONCE_HEADER, nonce);
        }
    }
    Ok(response)
}
