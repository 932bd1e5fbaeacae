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
}

impl AppState {
    pub fn new(db: Db, config: Config, sealer: Sealer) -> Self {
        Self {
            db,
            config: Arc::new(config),
            sealer: Arc::new(sealer),
            keys: Arc::default(),
        }
    }
}
