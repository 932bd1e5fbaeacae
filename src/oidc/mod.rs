//! The OpenID Connect provider: one file per endpoint, grants/ with one file per grant type, tokens.rs
//! for minting and verifying, keys.rs for signing keys, clients.rs for relying parties.

pub mod audience;
pub mod authorize;
pub mod claims;
pub mod client_auth;
pub mod clients;
pub mod discovery;
pub mod error;
pub mod grants;
pub mod introspect;
pub mod jwks;
pub mod keys;
pub mod logout;
pub mod maintenance;
pub mod params;
pub mod pkce;
pub mod recorder;
pub mod revoke;
pub mod scope;
pub mod state;
pub mod token;
pub mod tokens;
pub mod userinfo;

use axum::Router;
use axum::http::{Method, header};
use axum::routing::{get, post};
use tower_http::cors::{Any, CorsLayer};

pub use error::OAuthError;
pub use state::OidcState;

pub fn router() -> Router<OidcState> {
    // Browser-based public clients call these from other origins; they carry no cookies.
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .max_age(std::time::Duration::from_secs(600));
    let for_browsers = Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(discovery::configuration_get),
        )
        .route("/jwks", get(jwks::jwks_get))
        .route("/token", post(token::token_post))
        .route(
            "/userinfo",
            get(userinfo::userinfo_get).post(userinfo::userinfo_post),
        )
        .layer(cors);
    Router::new()
        .merge(for_browsers)
        .route(
            "/authorize",
            get(authorize::authorize_get).post(authorize::authorize_post),
        )
        .route("/authorize/resume", get(authorize::resume_get))
        .route("/logout", get(logout::logout_get).post(logout::logout_post))
        .route("/logout/confirm", post(logout::confirm_post))
        .route("/revoke", post(revoke::revoke_post))
        .route("/introspect", post(introspect::introspect_post))
}
