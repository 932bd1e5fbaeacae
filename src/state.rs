//! What every request handler can reach.

use std::sync::Arc;

use crate::config::Config;
use crate::db::Db;
use crate::secrets::Sealer;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub sealer: Arc<Sealer>,
    /// Signing keys in memory (see `oidc::keys`).
    pub keys: Arc<crate::oidc::keys::KeyCache>,
    /// The discovery document, built once from the configuration.
    pub discovery: axum::body::Bytes,
    /// The JWK Set as last served (see `oidc::jwks`).
    pub jwks: Arc<crate::oidc::jwks::JwksCache>,
    /// Passcode checks (Argon2) allowed to run at once: one per core, which bounds their memory.
    pub passcode_checks: Arc<tokio::sync::Semaphore>,
    /// Group commit of append-only grants (see `oidc::recorder`).
    pub recorder: Arc<crate::oidc::recorder::Recorder>,
    /// This instance's Prometheus series (see `metrics`).
    pub metrics: Arc<crate::metrics::Metrics>,
}

impl AppState {
    pub fn new(db: Db, config: Config, sealer: Sealer) -> Self {
        let metrics = Arc::new(crate::metrics::Metrics::new());
        crate::metrics::observe(&db, &metrics);
        Self {
            metrics,
            discovery: crate::oidc::discovery::document(&config),
            jwks: Arc::default(),
            passcode_checks: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            )),
            recorder: Arc::new(crate::oidc::recorder::Recorder::new(db.clone())),
            db,
            config: Arc::new(config),
            sealer: Arc::new(sealer),
            keys: Arc::default(),
        }
    }
}
