//! The expiry task: records `tap.expired` exactly once per pass when its end passes (even with several
//! instances on one database), ends what began with it, gives back one-time passes whose holding
//! session ran out of time (`tap.released`), and purges passes after the retention period.

use std::time::Duration as StdDuration;

use time::{Duration, OffsetDateTime};

use super::revoke::end_derived;
use crate::audit::{self, Actor, Event, Target};
use crate::db::{self, Db};
use crate::error::AppError;

/// How often each instance looks for passes that have ended.
const INTERVAL: StdDuration = StdDuration::from_secs(30);

/// What one sweep did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sweep {
    /// Passes whose expiry this sweep recorded.
    pub expired: u64,
    pub purged: u64,
    /// One-time passes given back because the session holding them ran out of time.
    pub released: u64,
}

/// Runs sweeps every [`INTERVAL`] for as long as the server runs.
pub fn spawn(db: Db, retention_days: u32) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(INTERVAL);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            let now = OffsetDateTime::now_utc();
            if let Err(e) = sweep(&db, retention_days, now).await {
                e.log();
            }
        }
    })
}

/// Records the expiry of every pass that ended by `now`, then purges those past retention.
pub async fn sweep(db: &Db, retention_days: u32, now: OffsetDateTime) -> Result<Sweep, AppError> {
    let now_ts = db::ts(now);
    let mut done = Sweep::default();
    for row in db::passes::expired_unrecorded(db.pool(), now_ts).await? {
        let mut tx = db.begin().await?;
        // The conditional update decides which instance records it; the others skip.
        if !db::passes::claim_expiry(&mut tx, &row.id, now_ts).await? {
            continue;
        }
        let ended = end_derived(&mut tx, &row.id).await?;
        let username = db::users::find_by_id(&mut *tx, &row.user_id)
            .await?
            .map(|u| u.username)
            .unwrap_or_default();
        audit::record(
            &mut tx,
            Event::new(Actor::System, "tap.expired")
                .target(Target::new("user", &row.user_id, username))
                .detail("pass_id", &row.id)
                .detail("start", super::rfc3339(row.starts_at))
                .detail("end", super::rfc3339(row.ends_at))
                .detail("one_time", row.one_time != 0)
                .detail("sessions_ended", ended.sessions)
                .detail("tokens_revoked", ended.tokens),
        )
        .await?;
        tx.commit().await?;
        done.expired += 1;
    }
    done.released = super::hold::release_lapsed(db, now).await?;
    // An expired reveal link keeps nothing to reveal.
    db::reveal::destroy_expired(db.pool(), now_ts).await?;
    let cutoff = db::ts(now - Duration::days(retention_days.into()));
    let mut tx = db.begin().await?;
    done.purged = db::passes::purge(&mut tx, cutoff).await?;
    if done.purged > 0 {
        audit::record(
            &mut tx,
            Event::new(Actor::System, "tap.purged")
                .detail("passes", done.purged)
                .detail("retention_days", retention_days),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(done)
}
