//! Prometheus metrics: what an operator graphs. Served on `metrics_listen` only (off by default), never on
//! the public port. Label values are bounded: route templates rather than paths, grant types, methods and
//! registered client ids, never usernames or addresses.
//!
//! Most business series are derived from the audit events of committed transactions (see
//! [`crate::db::Committed`]), so a sign-in, a token or a pass counts exactly when its record does.

mod events;
pub mod http;
mod server;

use std::sync::Arc;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

pub use server::spawn;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TokenLabels {
    grant_type: String,
    client: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SigninLabels {
    method: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EventLabels {
    event: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LevelLabels {
    level: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BuildLabels {
    version: String,
}

type Histograms<L> = Family<L, Histogram, fn() -> Histogram>;

/// Seconds, from a millisecond to about half a minute.
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

/// Every series of one instance, in its own registry (no process-wide state).
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    request_seconds: Histograms<RouteLabels>,
    tokens: Family<TokenLabels, Counter>,
    signins: Family<SigninLabels, Counter>,
    passes: Family<EventLabels, Counter>,
    throttled: Counter,
    sessions: Family<LevelLabels, Gauge>,
    connections: Family<StateLabels, Gauge>,
    write_wait_seconds: Histogram,
    audit_append_seconds: Histogram,
    webhook_deliveries: Family<OutcomeLabels, Counter>,
    webhook_pending: Gauge,
    log_lines_dropped: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut m = Self {
            registry: Registry::default(),
            requests: Family::default(),
            request_seconds: Family::new_with_constructor(latency_histogram),
            tokens: Family::default(),
            signins: Family::default(),
            passes: Family::default(),
            throttled: Counter::default(),
            sessions: Family::default(),
            connections: Family::default(),
            write_wait_seconds: latency_histogram(),
            audit_append_seconds: latency_histogram(),
            webhook_deliveries: Family::default(),
            webhook_pending: Gauge::default(),
            log_lines_dropped: Counter::default(),
        };
        let r = &mut m.registry;
        r.register(
            "tapid_http_requests",
            "HTTP requests by method, route template and status class",
            m.requests.clone(),
        );
        r.register(
            "tapid_http_request_duration_seconds",
            "HTTP request latency by method and route template",
            m.request_seconds.clone(),
        );
        r.register(
            "tapid_tokens_issued",
            "Token responses issued, by grant type and client",
            m.tokens.clone(),
        );
        r.register(
            "tapid_signins",
            "Sign-ins by method and outcome",
            m.signins.clone(),
        );
        r.register(
            "tapid_tap_events",
            "Temporary Access Pass events (issued, used, failed, locked, expired, …)",
            m.passes.clone(),
        );
        r.register(
            "tapid_throttle_refusals",
            "Credential submissions refused by the sign-in throttle",
            m.throttled.clone(),
        );
        r.register(
            "tapid_active_sessions",
            "Signed-in sessions not yet expired, by level (whole deployment)",
            m.sessions.clone(),
        );
        r.register(
            "tapid_db_connections",
            "Database connections of this instance's pool, in use or idle",
            m.connections.clone(),
        );
        r.register(
            "tapid_db_write_wait_seconds",
            "Time a writing transaction waited for its turn, a pooled connection and the chain lock",
            m.write_wait_seconds.clone(),
        );
        r.register(
            "tapid_audit_append_seconds",
            "Time to append a transaction's events to the audit chain",
            m.audit_append_seconds.clone(),
        );
        r.register(
            "tapid_log_lines_dropped",
            "Log lines dropped because standard output's reader was behind (the buffer was full)",
            m.log_lines_dropped.clone(),
        );
        r.register(
            "tapid_webhook_deliveries",
            "Webhook delivery attempts by outcome",
            m.webhook_deliveries.clone(),
        );
        r.register(
            "tapid_webhook_pending",
            "Webhook messages waiting for delivery (whole deployment)",
            m.webhook_pending.clone(),
        );
        let build: Family<BuildLabels, Gauge> = Family::default();
        build
            .get_or_create(&BuildLabels {
                version: env!("CARGO_PKG_VERSION").into(),
            })
            .set(1);
        r.register("tapid_build_info", "tapid's version; always 1", build);
        m.start_at_zero();
        m
    }

    /// Every series of a known label set exists from the start, at zero, so that rates and alerts work
    /// before the first event.
    fn start_at_zero(&self) {
        for method in events::SIGNIN_METHODS {
            for outcome in ["success", "failure"] {
                let labels = SigninLabels {
                    method: (*method).into(),
                    outcome: outcome.into(),
                };
                drop(self.signins.get_or_create(&labels));
            }
        }
        for event in events::PASS_EVENTS {
            drop(self.passes.get_or_create(&EventLabels {
                event: (*event).into(),
            }));
        }
        for outcome in ["success", "failure"] {
            drop(self.webhook_deliveries.get_or_create(&OutcomeLabels {
                outcome: outcome.into(),
            }));
        }
    }

    /// Counts a webhook delivery attempt.
    /// Brings the dropped-lines series up to `total`, the log writer's own running count.
    pub fn log_lines_dropped(&self, total: u64) {
        let seen = self.log_lines_dropped.get();
        if total > seen {
            self.log_lines_dropped.inc_by(total - seen);
        }
    }

    pub fn webhook_delivery(&self, delivered: bool) {
        let outcome = if delivered { "success" } else { "failure" };
        self.webhook_deliveries
            .get_or_create(&OutcomeLabels {
                outcome: outcome.into(),
            })
            .inc();
    }

    /// The exposition (OpenMetrics text), after reading the gauges that come from the database.
    pub async fn render(&self, db: &crate::db::Db) -> Result<String, sqlx::Error> {
        let now = crate::db::ts(time::OffsetDateTime::now_utc());
        let sessions = crate::db::metrics::active_sessions(db.pool(), now).await?;
        for level in ["tap", "1fa", "phr"] {
            self.sessions
                .get_or_create(&LevelLabels {
                    level: level.into(),
                })
                .set(0);
        }
        for (level, count) in sessions {
            self.sessions
                .get_or_create(&LevelLabels { level })
                .set(count);
        }
        let (in_use, idle) = crate::db::metrics::pool_connections(db);
        for (state, n) in [("in_use", in_use), ("idle", idle)] {
            self.connections
                .get_or_create(&StateLabels {
                    state: state.into(),
                })
                .set(i64::from(n));
        }
        let pending = crate::db::webhooks::pending_count(db.pool()).await?;
        self.webhook_pending.set(pending);
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)
            .map_err(|e| sqlx::Error::Protocol(format!("encoding metrics: {e}")))?;
        Ok(out)
    }
}

/// Has `metrics` count what each committed transaction of `db` recorded.
pub fn observe(db: &crate::db::Db, metrics: &Arc<Metrics>) {
    let metrics = metrics.clone();
    db.observe_commits(Arc::new(move |committed| metrics.committed(committed)));
}
