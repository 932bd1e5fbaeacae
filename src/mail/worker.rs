//! The outbox's worker: each round it leases the due messages, sends them, and removes each the
//! server accepted; a failed one waits (1 s, 2 s, 4 s … up to an hour) and is dropped after
//! [`MAX_ATTEMPTS`]. It runs beside the server and never inside a request.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tokio::task::JoinHandle;

use super::send::Transport;
use super::{Mail, notice, open};
use crate::config::Config;
use crate::db::{self, Db, mail::MailRow};
use crate::secrets::Sealer;

const POLL: Duration = Duration::from_secs(2);
/// Attempts at one message before it is given up (logged).
pub const MAX_ATTEMPTS: i64 = 12;
const BATCH: i64 = 20;

/// Starts draining the outbox with `transport` until the task is aborted.
pub fn spawn(
    db: Db,
    sealer: Arc<Sealer>,
    config: Arc<Config>,
    transport: Transport,
) -> JoinHandle<()> {
    let wake = Arc::new(Notify::new());
    let nudge = wake.clone();
    db.observe_commits(Arc::new(move |committed| {
        if !committed.events.is_empty() {
            nudge.notify_one();
        }
    }));
    let worker = Worker {
        lease_seconds: 2 * i64::from(config.smtp.timeout_seconds.get()) + 5,
        owner: uuid::Uuid::new_v4().to_string(),
        db,
        sealer,
        config,
        transport,
    };
    tokio::spawn(async move {
        loop {
            if let Err(e) = worker.round().await {
                tracing::warn!(error = %e, "mail: cannot read the outbox");
            }
            tokio::select! {
                _ = wake.notified() => {},
                _ = tokio::time::sleep(POLL) => {},
            }
        }
    })
}

struct Worker {
    db: Db,
    sealer: Arc<Sealer>,
    config: Arc<Config>,
    transport: Transport,
    owner: String,
    lease_seconds: i64,
}

impl Worker {
    async fn round(&self) -> Result<(), sqlx::Error> {
        let now = db::ts(db::now());
        let pool = self.db.pool();
        let due =
            db::mail::lease_due(pool, &self.owner, now, now + self.lease_seconds, BATCH).await?;
        for row in due {
            let Some(mail) = self.compose(&row).await? else {
                db::mail::remove(pool, &row.id).await?;
                continue;
            };
            match self.transport.send(&mail).await {
                Ok(()) => {
                    tracing::info!(id = %row.id, "mail sent");
                    db::mail::remove(pool, &row.id).await?;
                }
                Err(error) if row.attempts + 1 >= MAX_ATTEMPTS => {
                    tracing::warn!(id = %row.id, error, "mail given up after its last attempt");
                    db::mail::remove(pool, &row.id).await?;
                }
                Err(error) => {
                    let wait = 2i64
                        .saturating_pow(row.attempts.clamp(0, 12) as u32)
                        .min(3600);
                    tracing::info!(id = %row.id, error, retry_in = wait, "mail not sent");
                    db::mail::failed(pool, &row.id, db::ts(db::now()) + wait, &error).await?;
                }
            }
        }
        Ok(())
    }

    /// The message a row stands for; `None` when there is nothing to send any more (the person or
    /// their address gone, or a sealed message that no longer opens).
    async fn compose(&self, row: &MailRow) -> Result<Option<Mail>, sqlx::Error> {
        if let Some(sealed) = &row.body_sealed {
            let mail = open(&self.sealer, &row.id, sealed);
            if mail.is_none() {
                tracing::error!(id = %row.id, "mail: a queued message does not open with this key");
            }
            return Ok(mail);
        }
        let (Some(seq), Some(user_id)) = (row.event_seq, &row.user_id) else {
            return Ok(None);
        };
        let Some(event) = db::audit::chain_page(self.db.pool(), seq - 1, 1)
            .await?
            .into_iter()
            .next()
        else {
            return Ok(None);
        };
        let Some(user) = db::users::find_by_id(self.db.pool(), user_id).await? else {
            return Ok(None);
        };
        let Some(to) = user.email.filter(|e| !e.is_empty()) else {
            return Ok(None);
        };
        let zone = db::profiles::find_user(self.db.pool(), &user.id)
            .await?
            .and_then(|p| p.time_zone);
        let helpdesk = &self.config.smtp.helpdesk_contact;
        Ok(
            notice::for_event(&event, &to, &user.username, helpdesk, zone.as_deref()).and_then(
                |n| {
                    n.render()
                        .map_err(|e| tracing::error!(error = %e, "mail: a notice does not render"))
                        .ok()
                },
            ),
        )
    }
}
