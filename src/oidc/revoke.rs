//! `/revoke` (RFC 7009): a client revokes one of its own tokens. Revoking a refresh token revokes its
//! family (the access tokens of the same grant too). Unknown tokens get the same 200 as known ones.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::error::OAuthError;
use super::params::Params;
use super::token::no_store;
use super::{client_auth, tokens};
use crate::audit::{self, Actor, Event};
use crate::db;
use crate::oidc::OidcState;
use crate::pages::ClientAddress;
use crate::secrets;

pub async fn revoke_post(
    State(state): State<OidcState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, OAuthError> {
    let params = Params::from_form(&headers, &body)?;
    let client = client_auth::authenticate(&state, &headers, &params).await?;
    let token = params.require("token")?;
    let now = db::ts(db::now());
    let mut what = None;
    if token.len() <= 256 {
        if let Some(row) =
            db::tokens::find_refresh(state.db.pool(), &secrets::digest(token)).await?
        {
            if row.client_id == client.id {
                what = Some(("refresh_token", row.family_id));
            }
        }
    }
    if what.is_none() {
        if let Some(claims) = tokens::read_access_token(&state, token).await? {
            if claims.client_id == client.id {
                what = Some(("access_token", claims.jti));
            }
        }
    }
    if let Some((kind, id)) = what {
        let mut tx = state.db.begin().await?;
        let revoked = match kind {
            "refresh_token" => db::tokens::revoke_family(&mut tx, &id, now).await?,
            _ => db::tokens::revoke(&mut tx, &id, now).await?,
        };
        if revoked > 0 {
            audit::record(
                &mut tx,
                Event::new(
                    Actor::Client {
                        id: client.id.clone(),
                    },
                    "token.revoked",
                )
                .target(client.target())
                .address(address)
                .detail("token_type", kind)
                .detail("revoked_tokens", revoked),
            )
            .await?;
        }
        tx.commit().await?;
    }
    let mut response = StatusCode::OK.into_response();
    no_store(response.headers_mut());
    Ok(response)
}
