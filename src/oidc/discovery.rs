//! `/.well-known/openid-configuration` (OpenID Connect Discovery 1.0), also served as
//! `/.well-known/oauth-authorization-server` (RFC 8414), where OAuth-only clients look first: RFC 8414
//! metadata is a superset-compatible reading of the same document.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use serde_json::json;

use super::clients::GrantType;
use super::keys::SigningAlg;
use super::{claims, client_auth, scope};
use crate::config::Config;
use crate::oidc::OidcState;
use crate::session::Level;

/// Serves the document built once at start (it depends only on the configuration).
pub async fn configuration_get(State(state): State<OidcState>) -> impl IntoResponse {
    (
        [
            (header::CACHE_CONTROL, "public, max-age=3600"),
            (header::CONTENT_TYPE, "application/json"),
        ],
        state.discovery.clone(),
    )
}

/// The discovery document for this configuration, as served.
pub fn document(config: &Config) -> Bytes {
    let issuer = &config.issuer;
    let algs: Vec<&str> = SigningAlg::ALL.iter().map(|a| a.as_str()).collect();
    let body = json!({
        "issuer": issuer.as_str(),
        "authorization_endpoint": issuer.url("/authorize"),
        "token_endpoint": issuer.url("/token"),
        "userinfo_endpoint": issuer.url("/userinfo"),
        "jwks_uri": issuer.url("/jwks"),
        "end_session_endpoint": issuer.url("/logout"),
        "revocation_endpoint": issuer.url("/revoke"),
        "introspection_endpoint": issuer.url("/introspect"),
        "device_authorization_endpoint": issuer.url("/device_authorization"),
        "pushed_authorization_request_endpoint": issuer.url("/par"),
        "require_pushed_authorization_requests": false,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "form_post"],
        "grant_types_supported": GrantType::ALL.map(GrantType::as_str),
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": client_auth::METHODS,
        "revocation_endpoint_auth_methods_supported": client_auth::METHODS,
        "introspection_endpoint_auth_methods_supported": client_auth::METHODS,
        "token_endpoint_auth_signing_alg_values_supported": client_auth::ASSERTION_ALGS,
        "revocation_endpoint_auth_signing_alg_values_supported": client_auth::ASSERTION_ALGS,
        "introspection_endpoint_auth_signing_alg_values_supported": client_auth::ASSERTION_ALGS,
        "id_token_signing_alg_values_supported": algs,
        "dpop_signing_alg_values_supported": super::dpop::ALGS,
        "subject_types_supported": ["public"],
        "scopes_supported": scope::SUPPORTED,
        "claims_supported": claims::SUPPORTED,
        "acr_values_supported": [Level::OneFactor.acr(), Level::PhishingResistant.acr()],
        "prompt_values_supported": ["none", "login", "consent", "select_account"],
        "claims_parameter_supported": false,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "require_request_uri_registration": false,
        "authorization_response_iss_parameter_supported": true,
        "frontchannel_logout_supported": true,
        "frontchannel_logout_session_supported": true,
        "backchannel_logout_supported": true,
        "backchannel_logout_session_supported": true,
    });
    Bytes::from(body.to_string())
}
