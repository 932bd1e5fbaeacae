//! What every request handler can reach. Each part takes only what it needs through `FromRef`: the
//! protocol its [`OidcState`], the session doors the database and configuration.

use std::sync::Arc;

use axum::extract::FromRef;

use crate::config::Config;
use crate::db::Db;
use crate::oidc::OidcState;
use crate::secrets::Sealer;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub sealer: Arc<Sealer>,
    /// The protocol's state: its caches of keys, the JWK Set and discovery, and its grant recorder.
    pub oidc: OidcState,
    /// Passcode checks (Argon2) allowed to run at once: one per core, which bounds their memory.
    pub passcode_checks: Arc<tokio::sync::Semaphore>,
    /// This instance's Prometheus series (see `metrics`).
    pub metrics: Arc<crate::metrics::Metrics>,
}

impl AppState {
    pub fn new(db: Db, config: Config, sealer: Sealer) -> Self {
        let metrics = Arc::new(crate::metrics::Metrics::new());
        crate::metrics::observe(&db, &metrics);
        let (config, sealer) = (Arc::new(config), Arc::new(sealer));
        Self {
            metrics,
            oidc: OidcState::new(db.clone(), config.clone(), sealer.clone()),
            passcode_checks: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            )),
            db,
            config,
            sealer,
        }
    }
}
