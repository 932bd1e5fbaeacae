//! `/device_authorization` (RFC 8628 §3.1–3.2): an authenticated client allowed the device grant asks
//! for a device code and a user code. The scopes it may ask for are the code flow's (`openid` required,
//! narrowed to the client's); `acr_values` sets the least level of the session that may approve.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::UserCode;
use crate::db::{self, devices::DeviceRow};
use crate::oidc::OidcState;
use crate::oidc::authorize::checks;
use crate::oidc::client_auth;
use crate::oidc::clients::GrantType;
use crate::oidc::error::OAuthError;
use crate::oidc::params::Params;
use crate::oidc::token::no_store;
use crate::secrets;

/// Draws of a user code before giving up on finding one not in use (a collision is rare: ~34 bits).
const DRAWS: usize = 5;

#[derive(Serialize)]
struct DeviceAuthorization {
    device_code: String,
    user_code: String,
    verification_uri: String,
    verification_uri_complete: String,
    expires_in: u32,
    interval: u32,
}

pub async fn device_authorization_post(
    State(state): State<OidcState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, OAuthError> {
    let params = Params::from_form(&headers, &body)?;
    let client = client_auth::authenticate(&state, &headers, &params).await?;
    if !client.allows_grant(GrantType::DeviceCode) {
        return Err(OAuthError::unauthorized_client(
            "this client may not use the device grant: register it with the device_code grant type",
        ));
    }
    let scope = checks::check_scope(&params, &client)?;
    let level = checks::check_acr_values(&params);
    let lifetime = state.config.tokens.device_code.get();
    let interval = state.config.tokens.device_interval.get();
    let device_code = secrets::new_secret();
    let now = db::ts(db::now());
    let mut row = DeviceRow {
        id: uuid::Uuid::new_v4().to_string(),
        device_code_hash: secrets::digest(&device_code),
        user_code_hash: String::new(),
        client_id: client.id.clone(),
        scope: scope.to_string(),
        level: level.acr().to_string(),
        status: crate::db::devices::PENDING.into(),
        user_id: None,
        sid: None,
        acr: None,
        amr: String::new(),
        auth_time: None,
        tap_id: None,
        session_expires_at: None,
        family_id: uuid::Uuid::new_v4().to_string(),
        poll_interval: i64::from(interval),
        last_polled_at: None,
        created_at: now,
        expires_at: now + i64::from(lifetime),
        decided_at: None,
        used_at: None,
    };
    let mut stored = None;
    for _ in 0..DRAWS {
        let code = UserCode::generate();
        row.user_code_hash = code.digest(&state.sealer);
        if db::devices::insert(state.db.pool(), &row).await? {
            stored = Some(code);
            break;
        }
    }
    let user_code = stored.ok_or_else(|| {
        crate::error::AppError::Internal("no free user code after several draws".into())
    })?;
    let verification_uri = state.config.issuer.url("/device");
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("user_code", &user_code.display())
        .finish();
    let complete = format!("{verification_uri}?{query}");
    let mut response = Json(DeviceAuthorization {
        device_code,
        user_code: user_code.display(),
        verification_uri,
        verification_uri_complete: complete,
        expires_in: lifetime,
        interval,
    })
    .into_response();
    no_store(response.headers_mut());
    Ok(response)
}
