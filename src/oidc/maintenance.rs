//! Forgetting what can no longer be used: expired codes, pending requests and tokens; ending expired
//! sign-in sessions, with the Logout Tokens their applications are owed (and, from the same ticker,
//! sign-in throttle counters whose window is over). Revocation only
//! matters while a token could still be presented, so an expired row is dead weight.

use std::time::Duration as StdDuration;

use time::Duration;

use crate::db::{self, Db};
use crate::error::AppError;

/// How often each instance purges.
const INTERVAL: StdDuration = StdDuration::from_secs(600);
/// Codes are kept a little past expiry, so that a late replay is still recognised (and revokes).
const CODE_GRACE: Duration = Duration::hours(1);
/// Delivered or abandoned Logout Tokens stay visible in the console this long.
const LOGOUT_RETENTION: Duration = Duration::days(7);

/// Purges every [`INTERVAL`] for as long as the server runs.
pub fn spawn(db: Db) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(INTERVAL);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            if let Err(e) = purge(&db).await {
                e.log();
            }
            if let Err(e) = crate::throttle::purge(&db).await {
                e.log();
            }
        }
    })
}

/// Deletes expired codes, pending authorization requests and tokens, and ends expired sessions;
/// returns how many rows went.
pub async fn purge(db: &Db) -> Result<u64, AppError> {
    let now = db::now();
    let mut tx = db.begin().await?;
    let mut gone = db::codes::delete_expired(&mut tx, db::ts(now - CODE_GRACE)).await?;
    gone += db::codes::delete_expired_requests(&mut *tx, db::ts(now)).await?;
    gone += db::devices::delete_expired(&mut tx, db::ts(now - CODE_GRACE)).await?;
    gone += db::pushed::delete_expired(&mut tx, db::ts(now - CODE_GRACE)).await?;
    gone += db::tokens::delete_expired(&mut tx, db::ts(now)).await?;
    gone += db::sessions::end_expired(&mut tx, db::ts(now)).await?;
    gone += db::jtis::purge(&mut tx, db::ts(now)).await?;
    gone += db::logout::purge(&mut tx, db::ts(now - LOGOUT_RETENTION)).await?;
    tx.commit().await?;
    Ok(gone)
}
