//! What the protocol's handlers reach: the database and configuration, and the protocol's own caches.
//! The application's state holds one and hands it over through `FromRef`; nothing here knows the pages.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::FromRef;

use super::client_auth::jwks::ClientJwks;
use super::jwks::JwksCache;
use super::keys::KeyCache;
use super::recorder::Recorder;
use crate::config::Config;
use crate::db::Db;
use crate::secrets::Sealer;

#[derive(Clone, FromRef)]
pub struct OidcState {
    pub db: Db,
    pub config: Arc<Config>,
    pub sealer: Arc<Sealer>,
    /// Signing keys in memory (see `oidc::keys`).
    pub keys: Arc<KeyCache>,
    /// The discovery document, built once from the configuration.
    pub discovery: Bytes,
    /// The JWK Set as last served (see `oidc::jwks`).
    pub jwks: Arc<JwksCache>,
    /// Group commit of append-only grants (see `oidc::recorder`).
    pub recorder: Arc<Recorder>,
    /// `private_key_jwt` clients' fetched key sets (see `oidc::client_auth::jwks`).
    pub client_jwks: Arc<ClientJwks>,
}

impl OidcState {
    pub fn new(db: Db, config: Arc<Config>, sealer: Arc<Sealer>) -> Self {
        Self {
            discovery: super::discovery::document(&config),
            keys: Arc::default(),
            jwks: Arc::default(),
            recorder: Arc::new(Recorder::new(db.clone())),
            client_jwks: Arc::default(),
            db,
            config,
            sealer,
        }
    }
}
