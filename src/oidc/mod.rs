//! The OpenID Connect provider: one file per endpoint, grants/ with one file per grant type, tokens/
//! for minting and verifying, keys/ for signing keys, clients/ for relying parties, and [`OidcState`],
//! the protocol's own state (its caches), reached through `FromRef`.

pub mod audience;
pub mod authorize;
pub mod backchannel;
pub mod claims;
pub mod client_auth;
pub mod clients;
pub mod device;
pub mod discovery;
pub mod dpop;
pub mod error;
pub mod grants;
pub mod introspect;
pub mod jwks;
pub mod keys;
pub mod logout;
pub mod maintenance;
pub mod par;
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
use axum::routing::{get, post};

pub use error::OAuthError;
pub use state::OidcState;

/// The endpoints a browser application calls itself, from its own origin: they answer CORS (see
/// `http::cors`) for the origins of registered clients.
pub fn browser_router() -> Router<OidcState> {
    Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(discovery::configuration_get),
        )
        .route(
            "/.well-known/oauth-authorization-server",
            get(discovery::configuration_get),
        )
        .route("/jwks", get(jwks::jwks_get))
        .route("/token", post(token::token_post))
        .route(
            "/userinfo",
            get(userinfo::userinfo_get).post(userinfo::userinfo_post),
        )
        .route("/revoke", post(revoke::revoke_post))
}

/// The rest of the protocol: browser navigations (no CORS) and server-to-server calls.
pub fn router() -> Router<OidcState> {
    Router::new()
        .route(
            "/authorize",
            get(authorize::authorize_get).post(authorize::authorize_post),
        )
        .route("/authorize/resume", get(authorize::resume_get))
        .route("/logout", get(logout::logout_get).post(logout::logout_post))
        .route("/logout/confirm", post(logout::confirm_post))
        .route("/introspect", post(introspect::introspect_post))
        .route("/par", post(par::par_post))
        .merge(device::router())
}
