//! Registering, listing and removing endpoints: one set of functions for the CLI, the console and the API.
//! Only administrators may; each change is an audit event. The secret is returned once, at creation.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::admin::service::rules;
use crate::audit::{self, Event, Target};
use crate::db::{self, Db, webhooks::EndpointRow};
use crate::error::AppError;
use crate::secrets::Sealer;
use crate::tap::Authority;

/// Longest accepted endpoint URL.
const MAX_URL: usize = 2048;

/// An endpoint as people and scripts see it (never its secret).
#[derive(Clone, Debug, Serialize)]
pub struct Endpoint {
    pub id: String,
    pub url: String,
    pub description: String,
    pub event_types: Vec<String>,
    /// Only events of high severity (e.g. a pass issued for a privileged user).
    pub high_only: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Messages waiting for delivery.
    pub pending: i64,
    pub delivered: i64,
    /// Consecutive failed attempts (0 once a delivery succeeds).
    pub failures: i64,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_attempt_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_success_at: Option<OffsetDateTime>,
    /// The HTTP status of the last attempt, or what went wrong before one (`timeout`, `connect`).
    pub last_status: Option<String>,
    pub last_error: Option<String>,
}

impl From<EndpointRow> for Endpoint {
    fn from(row: EndpointRow) -> Self {
        let mut event_types: Vec<String> = row
            .event_types
            .split_whitespace()
            .map(String::from)
            .collect();
        event_types.sort();
        Self {
            id: row.id,
            url: row.url,
            description: row.description,
            event_types,
            high_only: row.high_only != 0,
            created_at: db::from_ts(row.created_at),
            pending: row.pending,
            delivered: row.delivered,
            failures: row.failures,
            last_attempt_at: row.last_attempt_at.map(db::from_ts),
            last_success_at: row.last_success_at.map(db::from_ts),
            last_status: row.last_status,
            last_error: row.last_error,
        }
    }
}

impl Endpoint {
    pub fn target(&self) -> Target {
        Target::new("webhook", &self.id, &self.url)
    }
}

/// What an administrator asks for.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewEndpoint {
    pub url: String,
    pub event_types: Vec<String>,
    #[serde(default)]
    pub high_only: bool,
    #[serde(default)]
    pub description: String,
}

/// A new endpoint and its signing secret, shown this once.
#[derive(Clone, Debug, Serialize)]
pub struct Created {
    #[serde(flatten)]
    pub endpoint: Endpoint,
    pub secret: String,
}

pub async fn list(db: &Db, authority: &Authority) -> Result<Vec<Endpoint>, AppError> {
    rules::may_administer(authority, "see webhooks")?;
    Ok(db::webhooks::list(db.pool())
        .await?
        .into_iter()
        .map(Endpoint::from)
        .collect())
}

pub async fn get(db: &Db, authority: &Authority, id: &str) -> Result<Endpoint, AppError> {
    rules::may_administer(authority, "see webhooks")?;
    find(db, id).await
}

async fn find(db: &Db, id: &str) -> Result<Endpoint, AppError> {
    db::webhooks::find(db.pool(), id)
        .await?
        .map(Endpoint::from)
        .ok_or_else(|| AppError::NotFound(format!("There is no webhook with the id {id}.")))
}

pub async fn create(
    db: &Db,
    sealer: &Sealer,
    authority: &Authority,
    new: NewEndpoint,
) -> Result<Created, AppError> {
    rules::may_administer(authority, "register webhooks")?;
    let url = check_url(&new.url)?;
    let event_types = check_event_types(&new.event_types)?;
    let description = new.description.trim();
    if description.chars().count() > 200 {
        return Err(AppError::invalid(
            "the description is longer than 200 characters",
        ));
    }
    let id = uuid::Uuid::now_v7().to_string();
    let secret = super::signature::new_secret();
    let sealed = sealer.seal(secret.as_bytes(), &seal_context(&id));
    let mut tx = db.begin().await?;
    db::webhooks::insert(
        &mut tx,
        &db::webhooks::NewEndpoint {
            id: &id,
            url: &url,
            description,
            high_only: new.high_only,
            secret_sealed: &sealed,
            created_at: db::ts(OffsetDateTime::now_utc()),
            event_types: &event_types,
        },
    )
    .await?;
    audit::record(
        &mut tx,
        Event::new(authority.actor(), "webhook.created")
            .target(Target::new("webhook", &id, &url))
            .detail("event_types", &event_types)
            .detail("high_only", new.high_only),
    )
    .await?;
    tx.commit().await?;
    Ok(Created {
        endpoint: find(db, &id).await?,
        secret,
    })
}

pub async fn remove(db: &Db, authority: &Authority, id: &str) -> Result<Endpoint, AppError> {
    rules::may_administer(authority, "remove webhooks")?;
    let endpoint = find(db, id).await?;
    let mut tx = db.begin().await?;
    if !db::webhooks::delete(&mut tx, id).await? {
        return Err(AppError::NotFound(format!(
            "There is no webhook with the id {id}."
        )));
    }
    audit::record(
        &mut tx,
        Event::new(authority.actor(), "webhook.removed")
            .target(endpoint.target())
            .detail("undelivered", endpoint.pending),
    )
    .await?;
    tx.commit().await?;
    Ok(endpoint)
}

/// The context a secret is sealed under: it opens only for its own endpoint.
pub fn seal_context(id: &str) -> String {
    format!("webhook-secret:{id}")
}

fn check_url(url: &str) -> Result<String, AppError> {
    let url = url.trim();
    if url.len() > MAX_URL {
        return Err(AppError::invalid("the URL is too long"));
    }
    let parsed = url::Url::parse(url)
        .map_err(|_| AppError::invalid("the URL must be an absolute http or https URL"))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(AppError::invalid(
            "the URL must be an absolute http or https URL",
        ));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() || parsed.fragment().is_some() {
        return Err(AppError::invalid(
            "the URL may not carry credentials or a fragment",
        ));
    }
    Ok(parsed.to_string())
}

/// An action (`tap.locked`), a family (`tap.*`) or `*`; at least one, at most 50.
fn check_event_types(types: &[String]) -> Result<Vec<String>, AppError> {
    let mut out: Vec<String> = types
        .iter()
        .flat_map(|t| t.split([',', ' ']))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(String::from)
        .collect();
    out.sort();
    out.dedup();
    if out.is_empty() {
        return Err(AppError::invalid(
            "name at least one event type (e.g. tap.locked, tap.* or *)",
        ));
    }
    if out.len() > 50 {
        return Err(AppError::invalid("at most 50 event types"));
    }
    let word = |w: &str| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
    for t in &out {
        let ok = t == "*"
            || match t.split_once('.') {
                Some((family, "*")) => word(family),
                Some((family, name)) => word(family) && word(name),
                None => false,
            };
        if !ok {
            return Err(AppError::invalid(format!(
                "{t} is not an event type (e.g. tap.locked, tap.* or *)."
            )));
        }
    }
    Ok(out)
}
