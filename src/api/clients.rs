//! `/api/v1/clients…`: registered clients (administrators only). A new secret is in the response that
//! creates it only.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::auth::ApiCaller;
use super::body::{JsonBody, present};
use crate::admin::service::clients::{self, ClientEdit, ClientInput, KeysInput, LogoutInput};
use crate::directory::Role;
use crate::error::AppError;
use crate::oidc::clients::Client;
use crate::state::AppState;

#[derive(Serialize)]
struct WithSecret {
    #[serde(flatten)]
    client: Client,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_secret: Option<String>,
}

fn with_secret(status: StatusCode, client: Client, secret: Option<String>) -> Response {
    let shown = secret.is_some();
    let mut response = (
        status,
        Json(WithSecret {
            client,
            client_secret: secret,
        }),
    )
        .into_response();
    if shown {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

pub async fn clients_get(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Vec<Client>>, AppError> {
    Ok(Json(clients::list(&state.db, &caller.authority).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateBody {
    id: String,
    /// The display name (OpenID `client_name`).
    #[serde(alias = "client_name")]
    name: Option<String>,
    /// Shown beside the name on the sign-in pages: absolute https (http only on loopback).
    logo_uri: Option<String>,
    #[serde(default)]
    public: bool,
    #[serde(default)]
    redirect_uris: Vec<String>,
    #[serde(default)]
    post_logout_redirect_uris: Vec<String>,
    #[serde(default)]
    grant_types: Vec<String>,
    scope: Option<String>,
    id_token_alg: Option<String>,
    access_token_alg: Option<String>,
    #[serde(default)]
    roles: Vec<Role>,
    backchannel_logout_uri: Option<String>,
    backchannel_logout_session_required: Option<bool>,
    frontchannel_logout_uri: Option<String>,
    frontchannel_logout_session_required: Option<bool>,
    allowed_origins: Option<Vec<String>>,
    may_introspect: Option<bool>,
    /// `private_key_jwt`: a JWK Set of the client's public keys, or where it publishes them.
    jwks: Option<serde_json::Value>,
    jwks_uri: Option<String>,
    /// RFC 9126: only pushed authorization requests (`/par`).
    #[serde(default)]
    require_pushed_authorization_requests: bool,
    /// RFC 9449: only token requests with a DPoP proof.
    #[serde(default)]
    dpop_bound_access_tokens: bool,
}

pub async fn clients_post(
    State(state): State<AppState>,
    caller: ApiCaller,
    JsonBody(body): JsonBody<CreateBody>,
) -> Result<Response, AppError> {
    let input = ClientInput {
        id: body.id,
        name: body.name,
        logo_uri: body.logo_uri,
        public: body.public,
        redirect_uris: body.redirect_uris,
        post_logout_redirect_uris: body.post_logout_redirect_uris,
        grant_types: body.grant_types,
        scopes: body.scope,
        id_token_alg: body.id_token_alg,
        access_token_alg: body.access_token_alg,
        roles: body.roles,
        logout: LogoutInput {
            backchannel_logout_uri: body.backchannel_logout_uri.map(Some),
            backchannel_logout_session_required: body.backchannel_logout_session_required,
            frontchannel_logout_uri: body.frontchannel_logout_uri.map(Some),
            frontchannel_logout_session_required: body.frontchannel_logout_session_required,
            allowed_origins: body.allowed_origins,
            may_introspect: body.may_introspect,
        },
        keys: KeysInput {
            jwks: body.jwks,
            jwks_uri: body.jwks_uri,
        },
        require_pushed_authorization_requests: body.require_pushed_authorization_requests,
        dpop_bound_access_tokens: body.dpop_bound_access_tokens,
    };
    let (client, secret) = clients::add(&state.db, &caller.authority, input).await?;
    Ok(with_secret(StatusCode::CREATED, client, secret))
}

pub async fn client_get(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Client>, AppError> {
    Ok(Json(clients::get(&state.db, &caller.authority, &id).await?))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EditBody {
    #[serde(default, deserialize_with = "present", alias = "client_name")]
    name: Option<Option<String>>,
    /// `null` removes the logo.
    #[serde(default, deserialize_with = "present")]
    logo_uri: Option<Option<String>>,
    redirect_uris: Option<Vec<String>>,
    post_logout_redirect_uris: Option<Vec<String>>,
    grant_types: Option<Vec<String>>,
    scope: Option<String>,
    id_token_alg: Option<String>,
    access_token_alg: Option<String>,
    roles: Option<Vec<Role>>,
    #[serde(default, deserialize_with = "present")]
    backchannel_logout_uri: Option<Option<String>>,
    backchannel_logout_session_required: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    frontchannel_logout_uri: Option<Option<String>>,
    frontchannel_logout_session_required: Option<bool>,
    allowed_origins: Option<Vec<String>>,
    may_introspect: Option<bool>,
    #[serde(default)]
    new_secret: bool,
    jwks: Option<serde_json::Value>,
    jwks_uri: Option<String>,
    require_pushed_authorization_requests: Option<bool>,
    dpop_bound_access_tokens: Option<bool>,
}

pub async fn client_patch(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<EditBody>,
) -> Result<Response, AppError> {
    let edit = ClientEdit {
        name: body.name,
        logo_uri: body.logo_uri,
        redirect_uris: body.redirect_uris,
        post_logout_redirect_uris: body.post_logout_redirect_uris,
        grant_types: body.grant_types,
        scopes: body.scope,
        id_token_alg: body.id_token_alg,
        access_token_alg: body.access_token_alg,
        roles: body.roles,
        logout: LogoutInput {
            backchannel_logout_uri: body.backchannel_logout_uri,
            backchannel_logout_session_required: body.backchannel_logout_session_required,
            frontchannel_logout_uri: body.frontchannel_logout_uri,
            frontchannel_logout_session_required: body.frontchannel_logout_session_required,
            allowed_origins: body.allowed_origins,
            may_introspect: body.may_introspect,
        },
        new_secret: body.new_secret,
        keys: KeysInput {
            jwks: body.jwks,
            jwks_uri: body.jwks_uri,
        },
        require_pushed_authorization_requests: body.require_pushed_authorization_requests,
        dpop_bound_access_tokens: body.dpop_bound_access_tokens,
    };
    let (client, secret) = clients::update(&state.db, &caller.authority, &id, edit).await?;
    Ok(with_secret(StatusCode::OK, client, secret))
}

pub async fn client_delete(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Client>, AppError> {
    Ok(Json(
        clients::remove(&state.db, &caller.authority, &id).await?,
    ))
}
