//! `/jwks`: the public signing keys, including retired ones still in their grace period.
//!
//! The set is read from the database, so that every instance publishes the same keys, but at most once per
//! [`FRESH`] per instance: in between it is served from memory. A rotation made elsewhere therefore shows
//! here within a second — well inside the five minutes relying parties may cache the set for anyway.

use std::sync::RwLock;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::error::OAuthError;
use super::keys;
use crate::db::Db;
use crate::error::AppError;
use crate::oidc::OidcState;
use crate::secrets::Sealer;

/// How long a set read from the database is served before it is read again.
pub const FRESH: Duration = Duration::from_secs(1);

pub async fn jwks_get(State(state): State<OidcState>) -> Result<Response, OAuthError> {
    let set = state.jwks.get(&state.db, &state.sealer).await?;
    let mut response = set.into_response();
    // Short: a relying party that meets an unknown kid after a rotation fetches again anyway.
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/jwk-set+json"),
    );
    Ok(response)
}

/// The serialised set and when it was read.
#[derive(Default)]
pub struct JwksCache {
    current: RwLock<Option<(Bytes, Instant)>>,
    /// Held while reading the set, so that requests meeting a stale copy read it once.
    loading: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for JwksCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JwksCache")
    }
}

impl JwksCache {
    /// The set as served: from memory while fresh, else read again.
    pub async fn get(&self, db: &Db, sealer: &Sealer) -> Result<Bytes, AppError> {
        if let Some(set) = self.fresh() {
            return Ok(set);
        }
        let _loading = self.loading.lock().await;
        if let Some(set) = self.fresh() {
            return Ok(set);
        }
        let set = Bytes::from(keys::jwks(db, sealer).await?.to_string());
        *self.current.write().unwrap_or_else(|e| e.into_inner()) =
            Some((set.clone(), Instant::now()));
        Ok(set)
    }

    fn fresh(&self) -> Option<Bytes> {
        let current = self.current.read().unwrap_or_else(|e| e.into_inner());
        current
            .as_ref()
            .filter(|(_, at)| at.elapsed() < FRESH)
            .map(|(set, _)| set.clone())
    }
}
