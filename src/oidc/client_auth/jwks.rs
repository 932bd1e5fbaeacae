//! The keys a `private_key_jwt` client registered: inline, or fetched from its `jwks_uri` — with a
//! timeout, a size limit and no redirects, kept five minutes, and fetched again (at most every 30
//! seconds) when an assertion names a `kid` the cached set lacks, so a client can rotate its keys.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;

use crate::oidc::OidcState;
use crate::oidc::clients::{self, Client, ClientKeys};

const FRESH: Duration = Duration::from_secs(300);
const REFETCH_AFTER: Duration = Duration::from_secs(30);
const TIMEOUT: Duration = Duration::from_secs(5);

/// Fetched JWK Sets by URL, shared by every request of this instance.
pub struct ClientJwks {
    http: reqwest::Client,
    cache: Mutex<HashMap<String, (Instant, Arc<JwkSet>)>>,
}

impl Default for ClientJwks {
    fn default() -> Self {
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Self {
            http,
            cache: Mutex::default(),
        }
    }
}

/// The registered keys of `client`, for an assertion naming `kid`; `Err` says why there are none.
pub async fn keys_of(
    state: &OidcState,
    client: &Client,
    kid: Option<&str>,
) -> Result<Arc<JwkSet>, String> {
    match client.keys() {
        Some(ClientKeys::Inline(set)) => clients::check_set(&set).map(Arc::new),
        Some(ClientKeys::Uri(uri)) => state.client_jwks.get(&uri, kid).await,
        None => Err("the client has no registered keys".into()),
    }
}

impl ClientJwks {
    async fn get(&self, uri: &str, kid: Option<&str>) -> Result<Arc<JwkSet>, String> {
        let cached = self.cache.lock().ok().and_then(|c| c.get(uri).cloned());
        if let Some((at, set)) = &cached {
            let has_kid = kid.is_none_or(|k| set.find(k).is_some());
            if (has_kid && at.elapsed() < FRESH) || at.elapsed() < REFETCH_AFTER {
                return Ok(set.clone());
            }
        }
        match self.fetch(uri).await {
            Ok(set) => {
                let set = Arc::new(set);
                if let Ok(mut cache) = self.cache.lock() {
                    cache.insert(uri.to_string(), (Instant::now(), set.clone()));
                }
                Ok(set)
            }
            // A passing failure of the client's server: what was fetched before still holds a while.
            Err(why) => match cached {
                Some((at, set)) if at.elapsed() < FRESH * 2 => Ok(set),
                _ => Err(why),
            },
        }
    }

    async fn fetch(&self, uri: &str) -> Result<JwkSet, String> {
        let failed = |what: &str| format!("the client's jwks_uri {what}");
        let mut response = self
            .http
            .get(uri)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|_| failed("cannot be fetched"))?;
        if !response.status().is_success() {
            return Err(failed(&format!("answered {}", response.status())));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|_| failed("cannot be read"))?
        {
            body.extend_from_slice(&chunk);
            if body.len() > clients::MAX_JWKS_BYTES {
                return Err(failed("serves more than 16 KiB"));
            }
        }
        let text = String::from_utf8(body).map_err(|_| failed("is not text"))?;
        clients::check_set(&text).map_err(|why| failed(&format!("is not a JWK Set: {why}")))
    }
}
