//! The in-memory cache of usable keys. Several instances share one database and agree on keys: the signing
//! cache reloads every [`CACHE_TTL`], and verification reloads when it meets an unknown `kid`.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use tokio::sync::RwLock;

use super::store::{ensure, open};
use super::{SigningAlg, SigningKey};
use crate::db::{self, Db};
use crate::error::AppError;
use crate::secrets::Sealer;

/// How long a signing instance trusts its cached keys before looking for a rotation.
const CACHE_TTL: StdDuration = StdDuration::from_secs(30);

/// The in-memory cache of usable keys, shared by the handlers of one instance.
#[derive(Default)]
pub struct KeyCache {
    inner: RwLock<Option<Loaded>>,
    /// Held while reloading, so that requests meeting an empty or expired cache together load it once.
    loading: tokio::sync::Mutex<()>,
}

impl fmt::Debug for KeyCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyCache")
    }
}

struct Loaded {
    keys: Vec<Arc<SigningKey>>,
    at: Instant,
}

impl KeyCache {
    pub fn new() -> Self {
        Self::default()
    }

    /// The active key for `alg`, generating keys on first use.
    pub async fn signing_key(
        &self,
        db: &Db,
        sealer: &Sealer,
        alg: SigningAlg,
    ) -> Result<Arc<SigningKey>, AppError> {
        if let Some(key) = self.cached(|k| k.active && k.alg == alg, CACHE_TTL).await {
            return Ok(key);
        }
        let _loading = self.loading.lock().await;
        // Another request may have loaded the keys while this one waited.
        if let Some(key) = self.cached(|k| k.active && k.alg == alg, CACHE_TTL).await {
            return Ok(key);
        }
        self.reload(db, sealer).await?;
        if let Some(key) = self.cached(|k| k.active && k.alg == alg, CACHE_TTL).await {
            return Ok(key);
        }
        ensure(db, sealer).await?;
        self.reload(db, sealer).await?;
        self.cached(|k| k.active && k.alg == alg, CACHE_TTL)
            .await
            .ok_or_else(|| AppError::Internal(format!("no active {alg} signing key")))
    }

    /// A published key by `kid` (for verifying). A `kid` unknown here is looked up in the database (another
    /// instance may have rotated), and the cache reloaded when it exists there.
    pub async fn find(
        &self,
        db: &Db,
        sealer: &Sealer,
        kid: &str,
    ) -> Result<Option<Arc<SigningKey>>, AppError> {
        if let Some(key) = self.cached(|k| k.kid == kid, CACHE_TTL).await {
            return Ok(Some(key));
        }
        let plausible = kid.len() <= 128 && kid.bytes().all(|b| b.is_ascii_graphic());
        if !plausible || !db::keys::is_published(db.pool(), kid, db::ts(db::now())).await? {
            return Ok(None);
        }
        let _loading = self.loading.lock().await;
        if let Some(key) = self.cached(|k| k.kid == kid, CACHE_TTL).await {
            return Ok(Some(key));
        }
        self.reload(db, sealer).await?;
        Ok(self.cached(|k| k.kid == kid, CACHE_TTL).await)
    }

    async fn cached(
        &self,
        wanted: impl Fn(&SigningKey) -> bool,
        ttl: StdDuration,
    ) -> Option<Arc<SigningKey>> {
        let guard = self.inner.read().await;
        let loaded = guard.as_ref().filter(|l| l.at.elapsed() < ttl)?;
        loaded.keys.iter().find(|k| wanted(k)).cloned()
    }

    /// Reads the published keys and opens their private halves.
    pub async fn reload(&self, db: &Db, sealer: &Sealer) -> Result<(), AppError> {
        let rows = db::keys::published(db.pool(), db::ts(db::now())).await?;
        let mut keys = Vec::with_capacity(rows.len());
        for row in rows {
            match open(sealer, &row) {
                Ok(key) => keys.push(Arc::new(key)),
                // One unreadable key must not stop the others from working.
                Err(e) => tracing::error!(kid = %row.kid, error = %e, "signing key unusable"),
            }
        }
        *self.inner.write().await = Some(Loaded {
            keys,
            at: Instant::now(),
        });
        Ok(())
    }
}
