//! `/token`: authenticates the client, then hands the request to the grant it names.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::clients::GrantType;
use super::error::{ErrorCode, OAuthError};
use super::grants;
use super::params::Params;
use super::{client_auth, dpop, tokens};
use crate::oidc::OidcState;
use crate::pages::ClientAddress;

pub async fn token_post(
    State(state): State<OidcState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, OAuthError> {
    let params = Params::from_form(&headers, &body)?;
    // The proof before the client's authentication: a request sent again with the nonce asked for must
    // not find its client assertion (a once-only jti) already spent by the first try.
    let dpop = dpop::at_token_endpoint(&state, &headers, "/token").await?;
    let grant_type = params.require("grant_type")?;
    let Some(grant_type) = GrantType::parse(grant_type) else {
        return Err(OAuthError::new(
            ErrorCode::UnsupportedGrantType,
            "the grant_type is not supported",
        ));
    };
    let client = client_auth::authenticate(&state, &headers, &params).await?;
    if !client.allows_grant(grant_type) {
        return Err(OAuthError::unauthorized_client(format!(
            "this client may not use the {grant_type} grant"
        )));
    }
    if client.dpop_bound_access_tokens && dpop.is_none() {
        return Err(OAuthError::invalid_dpop_proof(
            "this client must send a DPoP proof with every token request",
        ));
    }
    // Before any transaction: a first use may have to create keys, which takes the write lock.
    tokens::warm_keys(&state, &client).await?;
    let request = grants::Request {
        state: &state,
        client,
        params: &params,
        address,
        dpop,
    };
    let with_proof = request.dpop.is_some();
    let tokens = match grant_type {
        GrantType::AuthorizationCode => grants::authorization_code::exchange(request).await?,
        GrantType::RefreshToken => grants::refresh_token::exchange(request).await?,
        GrantType::ClientCredentials => grants::client_credentials::exchange(request).await?,
        GrantType::DeviceCode => grants::device_code::exchange(request).await?,
    };
    let mut response = Json(tokens).into_response();
    no_store(response.headers_mut());
    if with_proof {
        if let Ok(nonce) = HeaderValue::from_str(&dpop::current_nonce(&state)) {
            response.headers_mut().insert(dpop::NONCE_HEADER, nonce);
        }
    }
    Ok(response)
}

/// Token responses must never be cached (RFC 6749 §5.1).
pub fn no_store(headers: &mut HeaderMap) {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}
