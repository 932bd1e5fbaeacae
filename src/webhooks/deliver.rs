//! The delivery worker of one instance. Each round it finds endpoints whose oldest message is due, takes
//! an endpoint's lease (so one instance at a time delivers to it, which keeps the order), and sends its
//! messages oldest first until one fails; a failed message is retried after a doubling wait and holds back
//! the messages behind it. A message leaves the outbox only once the endpoint answered 2xx, so a crash
//! mid-delivery means that message is sent again (same `webhook-id`): at least once, in order.

use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tracing::Instrument;

use super::endpoints::seal_context;
use crate::admin::service::audit::AuditEvent;
use crate::db::{self, webhooks::OutboxRow};
use crate::state::AppState;

/// How often the outbox is looked at without a nudge (events written by another instance or the CLI).
const POLL: Duration = Duration::from_secs(1);

/// Starts delivering until the task is aborted.
pub fn spawn(state: AppState) -> JoinHandle<()> {
    let wake = Arc::new(Notify::new());
    let nudge = wake.clone();
    state.db.observe_commits(Arc::new(move |committed| {
        if !committed.events.is_empty() {
            nudge.notify_one();
        }
    }));
    let worker = Worker::new(state);
    tokio::spawn(async move {
        loop {
            worker.round().await;
            tokio::select! {
                _ = wake.notified() => {},
                _ = tokio::time::sleep(POLL) => {},
            }
        }
    })
}

struct Worker {
    state: AppState,
    http: reqwest::Client,
    /// This process's name in leases.
    owner: String,
    lease_seconds: i64,
    max_backoff: i64,
}

/// Why an attempt failed: what the console shows as the last status, and a short error.
struct Failure {
    status: String,
    error: String,
}

impl Worker {
    fn new(state: AppState) -> Self {
        let settings = &state.config.webhooks;
        let timeout = Duration::from_secs(u64::from(settings.timeout_seconds.get()));
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("tapid/", env!("CARGO_PKG_VERSION"), " webhooks"))
            .build()
            .expect("an HTTP client");
        Self {
            // A lease outlives any one attempt, so two instances never send to one endpoint at once.
            lease_seconds: 2 * i64::from(settings.timeout_seconds.get()) + 5,
            max_backoff: i64::from(settings.max_backoff_seconds.get()),
            owner: uuid::Uuid::new_v4().to_string(),
            http,
            state,
        }
    }

    async fn round(&self) {
        let due = match db::webhooks::due_endpoints(self.state.db.pool(), now()).await {
            Ok(due) => due,
            Err(e) => {
                tracing::warn!(error = %e, "webhooks: cannot read the outbox");
                return;
            }
        };
        for endpoint in due {
            if let Err(e) = self.drain(&endpoint).await {
                tracing::warn!(error = %e, endpoint, "webhooks: delivery interrupted");
            }
        }
    }

    /// Sends the endpoint's due messages in order while it holds the lease and they succeed.
    async fn drain(&self, endpoint_id: &str) -> Result<(), sqlx::Error> {
        let pool = self.state.db.pool();
        loop {
            let now = now();
            if !db::webhooks::lease(
                pool,
                endpoint_id,
                &self.owner,
                now,
                now + self.lease_seconds,
            )
            .await?
            {
                return Ok(()); // another instance delivers to it
            }
            let Some(message) = db::webhooks::head(pool, endpoint_id).await? else {
                return db::webhooks::release(pool, endpoint_id, &self.owner).await;
            };
            if message.next_attempt_at > now {
                return db::webhooks::release(pool, endpoint_id, &self.owner).await;
            }
            let Some(endpoint) = db::webhooks::find(pool, endpoint_id).await? else {
                return Ok(()); // removed meanwhile
            };
            let outcome = self.send(&endpoint, &message).await?;
            self.state.metrics.webhook_delivery(outcome.is_ok());
            match outcome {
                Ok(status) => {
                    db::webhooks::delivered(&self.state.db, &message, now, &status).await?
                }
                Err(failure) => {
                    let wait = backoff(message.attempts + 1, self.max_backoff);
                    tracing::info!(
                        endpoint = endpoint_id,
                        seq = message.event_seq,
                        status = %failure.status,
                        retry_in = wait,
                        "webhook delivery failed"
                    );
                    db::webhooks::failed(
                        &self.state.db,
                        &message,
                        now,
                        now + wait,
                        &failure.status,
                        &failure.error,
                    )
                    .await?;
                    return db::webhooks::release(pool, endpoint_id, &self.owner).await;
                }
            }
        }
    }

    /// One attempt; the status code on success.
    async fn send(
        &self,
        endpoint: &db::webhooks::EndpointRow,
        message: &OutboxRow,
    ) -> Result<Result<String, Failure>, sqlx::Error> {
        let pool = self.state.db.pool();
        let Some(event) = db::audit::chain_page(pool, message.event_seq - 1, 1)
            .await?
            .into_iter()
            .next()
        else {
            return Ok(Err(failure(
                "missing",
                "the event is not in the audit trail",
            )));
        };
        let Some(secret) = self
            .state
            .sealer
            .open(&endpoint.secret_sealed, &seal_context(&endpoint.id))
            .and_then(|bytes| String::from_utf8(bytes).ok())
        else {
            return Ok(Err(failure(
                "secret",
                "the signing secret cannot be opened",
            )));
        };
        let id = event.id.clone();
        let event = AuditEvent::from(event);
        let body = serde_json::to_vec(&serde_json::json!({
            "type": event.action,
            "timestamp": event.at.format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            "data": event,
        }))
        .unwrap_or_default();
        let timestamp = now();
        let Some(signature) = super::signature::sign(&secret, &id, timestamp, &body) else {
            return Ok(Err(failure("secret", "the signing secret is malformed")));
        };
        let span = tracing::info_span!("webhook delivery", otel.kind = "client", webhook.id = %id);
        let response = async {
            self.http
                .post(&endpoint.url)
                .headers(crate::traces::outgoing_headers())
                .header("content-type", "application/json")
                .header("webhook-id", &id)
                .header("webhook-timestamp", timestamp.to_string())
                .header("webhook-signature", signature)
                .body(body)
                .send()
                .await
        }
        .instrument(span)
        .await;
        Ok(match response {
            Ok(r) if r.status().is_success() => Ok(r.status().as_u16().to_string()),
            Ok(r) => Err(failure(
                &r.status().as_u16().to_string(),
                &format!("the endpoint answered {}", r.status()),
            )),
            Err(e) if e.is_timeout() => {
                Err(failure("timeout", "the endpoint did not answer in time"))
            }
            Err(e) if e.is_connect() => {
                Err(failure("connect", "the endpoint could not be reached"))
            }
            Err(_) => Err(failure("error", "the request failed")),
        })
    }
}

fn failure(status: &str, error: &str) -> Failure {
    Failure {
        status: status.into(),
        error: error.into(),
    }
}

/// Seconds to wait after the `attempts`-th failure: 1, 2, 4, … up to `max`.
fn backoff(attempts: i64, max: i64) -> i64 {
    let exponent = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
    2i64.saturating_pow(exponent).min(max).max(1)
}

fn now() -> i64 {
    db::ts(OffsetDateTime::now_utc())
}

#[cfg(test)]
mod tests {
    use super::backoff;

    #[test]
    fn the_wait_doubles_up_to_the_maximum() {
        let waits: Vec<i64> = (1..=6).map(|a| backoff(a, 10)).collect();
        assert_eq!(waits, [1, 2, 4, 8, 10, 10]);
        assert_eq!(backoff(1_000, 3600), 3600);
    }
}
