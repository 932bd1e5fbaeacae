//! `/par` (RFC 9126, pushed authorization requests): a confidential client authenticates and POSTs the
//! parameters it would have put in the `/authorize` URL. They pass the same ordered checks; the request
//! is kept under a `request_uri` of one use and a short life (`tokens.pushed_request`), which the client
//! then sends to `/authorize` with its `client_id` alone ([`take`]). Only the digest of the
//! `request_uri` is stored.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::authorize::checks;
use super::authorize::request::AuthRequest;
use super::error::{ErrorCode, OAuthError};
use super::params::Params;
use super::token::no_store;
use super::{client_auth, dpop};
use crate::db::{self, pushed::PushedRow};
use crate::error::AppError;
use crate::oidc::OidcState;
use crate::secrets;

/// What every `request_uri` tapid hands out begins with (RFC 9126 §2.2).
pub const URI_PREFIX: &str = "urn:ietf:params:oauth:request_uri:";

#[derive(Serialize)]
struct Pushed {
    request_uri: String,
    expires_in: u32,
}

pub async fn par_post(
    State(state): State<OidcState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, OAuthError> {
    let mut params = Params::from_form(&headers, &body)?;
    // RFC 9449 §10.1: a proof sent with the pushed request binds its code to the proof's key.
    let dpop = dpop::at_token_endpoint(&state, &headers, "/par").await?;
    let client = client_auth::authenticate(&state, &headers, &params).await?;
    if client.public {
        return Err(OAuthError::unauthorized_client(
            "pushed authorization requests are for confidential clients",
        ));
    }
    if params.get("request_uri").is_some() {
        return Err(OAuthError::invalid_request(
            "a pushed request cannot itself carry a request_uri",
        ));
    }
    // With Basic authentication the body need not repeat the client_id (RFC 9126 §2.1).
    params.or_insert("client_id", &client.id);
    let (checked, mut request) = checks::validate(&state, &params)
        .await
        .map_err(|(error, _)| error)?;
    if let Some(proof) = dpop {
        if request
            .dpop_jkt
            .as_ref()
            .is_some_and(|jkt| *jkt != proof.jkt)
        {
            return Err(OAuthError::invalid_dpop_proof(
                "dpop_jkt is not the thumbprint of the proof's key",
            ));
        }
        request.dpop_jkt = Some(proof.jkt);
    }
    if checked.id != client.id {
        return Err(OAuthError::invalid_request(
            "client_id does not match the authenticated client",
        ));
    }
    let random = secrets::new_secret();
    let lifetime = state.config.tokens.pushed_request.get();
    let now = db::ts(db::now());
    let json = serde_json::to_string(&request)
        .map_err(|e| AppError::Internal(format!("cannot store the request: {e}")))?;
    db::pushed::insert(
        state.db.pool(),
        &PushedRow {
            uri_hash: secrets::digest(&random),
            client_id: client.id.clone(),
            params: json,
            created_at: now,
            expires_at: now + i64::from(lifetime),
            used_at: None,
        },
    )
    .await?;
    let mut response = (
        StatusCode::CREATED,
        Json(Pushed {
            request_uri: format!("{URI_PREFIX}{random}"),
            expires_in: lifetime,
        }),
    )
        .into_response();
    no_store(response.headers_mut());
    Ok(response)
}

fn refused(why: &'static str) -> OAuthError {
    OAuthError::new(ErrorCode::InvalidRequestUri, why).not_redirectable()
}

/// The pushed request `request_uri` stands for, taken (once) by `client_id`: refused when it is not one
/// tapid handed out, is another client's, was used, or has expired.
pub async fn take(
    state: &OidcState,
    client_id: &str,
    request_uri: &str,
) -> Result<AuthRequest, OAuthError> {
    let random = request_uri
        .strip_prefix(URI_PREFIX)
        .filter(|r| r.len() <= 128)
        .ok_or_else(|| refused("This request_uri was not issued by tapid's /par."))?;
    let hash = secrets::digest(random);
    let now = db::ts(db::now());
    let row = db::pushed::find(state.db.pool(), &hash)
        .await?
        .ok_or_else(|| refused("This request_uri is not known here."))?;
    if !secrets::constant_time_eq(&row.client_id, client_id) {
        return Err(refused(
            "This request_uri was pushed by another application.",
        ));
    }
    if row.used_at.is_some() {
        return Err(refused(
            "This request_uri was already used: push the request again.",
        ));
    }
    if row.expires_at <= now {
        return Err(refused(
            "This request_uri has expired: push the request again.",
        ));
    }
    if !db::pushed::take(state.db.pool(), &hash, client_id, now).await? {
        return Err(refused(
            "This request_uri was already used: push the request again.",
        ));
    }
    serde_json::from_str(&row.params).map_err(|e| {
        AppError::Internal(format!("a stored pushed request does not parse: {e}")).into()
    })
}
