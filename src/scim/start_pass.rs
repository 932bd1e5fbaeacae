//! The pass a start date asks for. An HR system that sends tapid's extension attribute `startDate`
//! (`urn:ietf:params:scim:schemas:extension:tapid:2.0:User`) for a person gets them a Temporary Access
//! Pass valid from `scim.start_pass_time` on that day in their `timezone` (UTC when they have none),
//! issued by the provisioning client itself — so its role rules and the pass policy apply — and handed
//! over as a reveal link mailed to `scim.start_pass_send_to` (the manager or the person), never as a
//! passcode. A start further ahead than the policy lets a pass be issued waits, and the sweep issues
//! it when it comes in reach; a start date that has passed, or a pass that cannot be issued or
//! delivered, is not retried and the audit trail says why (`tap.start_pass_skipped`). One pass goes
//! out per start date, whatever the number of instances; a new start date asks for a new pass.

use std::time::Duration as StdDuration;

use time::{Duration, OffsetDateTime};

use super::auth::SCIM_SCOPE;
use crate::audit::{self, Actor, Event};
use crate::config::StartPassRecipient;
use crate::db::start_passes::StartPassRow;
use crate::db::{self, Db};
use crate::directory::{self, profiles};
use crate::error::AppError;
use crate::oidc;
use crate::state::AppState;
use crate::tap::reveal::SendTo;
use crate::tap::{self, Authority, IssueRequest, MAX_START_AHEAD, StartDate};

/// How often each instance looks for start dates come in reach.
const INTERVAL: StdDuration = StdDuration::from_secs(600);
/// Requests handled per look.
const BATCH: i64 = 200;
/// The furthest any time zone is ahead of UTC is 14 hours: a day covers it.
const EARLIEST_ZONE: Duration = Duration::days(1);

/// What a start asks for now.
#[derive(Debug, PartialEq, Eq)]
enum Due {
    /// Further ahead than a pass may be issued: later.
    Wait,
    /// Issue now, starting then (`None`: at once, the start time has come).
    Issue(Option<OffsetDateTime>),
    /// The start day is over.
    Passed,
}

fn due(start: OffsetDateTime, day_end: OffsetDateTime, now: OffsetDateTime) -> Due {
    if now >= day_end {
        Due::Passed
    } else if start > now + MAX_START_AHEAD {
        Due::Wait
    } else {
        Due::Issue((start > now).then_some(start))
    }
}

/// When the sweep first looks at a request: a day before the pass could first be issued in any zone.
fn due_at(start_date: &str) -> i64 {
    let now = db::now();
    let Ok(date) = StartDate::parse(start_date) else {
        return db::ts(now);
    };
    match date.at(0, 0, "UTC").and_then(|s| s.instant()) {
        Ok(midnight) => db::ts(midnight - MAX_START_AHEAD - EARLIEST_ZONE),
        Err(_) => db::ts(now),
    }
}

/// After a SCIM write set `user_id`'s start date to `start_date` (or removed it), as `client_id`:
/// records the request (or withdraws it) and issues the pass at once when it is in reach.
pub async fn start_date_changed(
    state: &AppState,
    client_id: &str,
    user_id: &str,
    start_date: Option<&str>,
) -> Result<(), AppError> {
    let mut tx = state.db.begin().await?;
    match start_date {
        Some(date) => {
            db::start_passes::request(
                &mut tx,
                user_id,
                date,
                client_id,
                db::ts(db::now()),
                due_at(date),
            )
            .await?
        }
        None => db::start_passes::withdraw(&mut tx, user_id).await?,
    }
    tx.commit().await?;
    if let Some(row) = db::start_passes::find(state.db.pool(), user_id).await? {
        handle(state, &row).await?;
    }
    Ok(())
}

/// Handles every request that has come in reach; returns how many were handled (issued or skipped).
pub async fn sweep(state: &AppState) -> Result<usize, AppError> {
    let rows = db::start_passes::due(state.db.pool(), db::ts(db::now()), BATCH).await?;
    let mut handled = 0;
    for row in rows {
        if handle(state, &row).await? {
            handled += 1;
        }
    }
    Ok(handled)
}

/// Sweeps every [`INTERVAL`] (and once at start) for as long as the server runs.
pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(INTERVAL);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            if let Err(e) = sweep(&state).await {
                e.log();
            }
        }
    })
}

/// Issues or skips the pass `row` asks for, if it is due and no instance took it; true when this
/// call handled it.
async fn handle(state: &AppState, row: &StartPassRow) -> Result<bool, AppError> {
    let db = &state.db;
    let Some(user) = directory::users::find_by_id(db, &row.user_id).await? else {
        return Ok(false);
    };
    let (profile, _) = profiles::of_user(db, &row.user_id).await?;
    let zone = profile.time_zone.as_deref().unwrap_or("UTC");
    let skip = |reason: &'static str, message: String| Skip {
        row,
        user: &user,
        reason,
        message,
    };
    let date = match StartDate::parse(&row.start_date) {
        Ok(date) => date,
        Err(message) => return skip("invalid_start_date", message).record(db).await,
    };
    let time = state.config.scim.start_pass_time;
    let start = date
        .at(time.hour, time.minute, zone)
        .and_then(|s| s.instant());
    let (start, day_end) = match (start, date.day_end(zone)) {
        (Ok(start), Ok(end)) => (start, end),
        (Err(message), _) | (_, Err(message)) => {
            return skip("unknown_time_zone", message).record(db).await;
        }
    };
    let start = match due(start, day_end, db::now()) {
        Due::Wait => return Ok(false),
        Due::Passed => {
            let message = format!("the start date {} is over in {zone}", date.date());
            return skip("start_date_passed", message).record(db).await;
        }
        Due::Issue(start) => start,
    };
    let Some(client) = oidc::clients::find(db, &row.requested_by)
        .await?
        .filter(|c| c.scopes.contains(SCIM_SCOPE))
    else {
        let message = format!(
            "the client `{}` that set the start date is no longer registered for SCIM",
            row.requested_by
        );
        return skip("issuer_gone", message).record(db).await;
    };
    if !db::start_passes::claim(db.pool(), &row.user_id, &row.start_date, db::ts(db::now())).await?
    {
        return Ok(false);
    }
    let authority = Authority::Client {
        id: client.id,
        roles: client.roles,
    };
    let request = IssueRequest {
        start,
        ..IssueRequest::default()
    };
    let send = match state.config.scim.start_pass_send_to {
        StartPassRecipient::Manager => SendTo::Manager,
        StartPassRecipient::Person => SendTo::Person,
    };
    let issued = tap::reveal::issue_with_link(
        db,
        &state.sealer,
        &state.config,
        &authority,
        &row.user_id,
        request,
        Some(send),
        None,
    )
    .await;
    match issued {
        Ok(_) => Ok(true),
        // The rules said no (policy, role, no address, mail not configured): say so, do not retry.
        Err(AppError::Invalid(message) | AppError::Forbidden(message)) => {
            skip("refused", message).record_claimed(db).await
        }
        Err(e) => {
            // The database or the key store was away: give it back for the next sweep.
            db::start_passes::unclaim(db.pool(), &row.user_id, &row.start_date).await?;
            Err(e)
        }
    }
}

/// A start pass not issued, and why.
struct Skip<'a> {
    row: &'a StartPassRow,
    user: &'a directory::User,
    reason: &'static str,
    message: String,
}

impl Skip<'_> {
    /// Claims the request and records why no pass went out, in one transaction.
    async fn record(self, db: &Db) -> Result<bool, AppError> {
        let mut tx = db.begin().await?;
        let (row, now) = (self.row, db::ts(db::now()));
        if !db::start_passes::claim(&mut *tx, &row.user_id, &row.start_date, now).await? {
            return Ok(false);
        }
        self.event(&mut tx).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Records why no pass went out for a request this instance already claimed.
    async fn record_claimed(self, db: &Db) -> Result<bool, AppError> {
        let mut tx = db.begin().await?;
        self.event(&mut tx).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn event(&self, tx: &mut db::Tx) -> Result<(), sqlx::Error> {
        let actor = Actor::Client {
            id: self.row.requested_by.clone(),
        };
        audit::record(
            tx,
            Event::new(actor, "tap.start_pass_skipped")
                .target(self.user.target())
                .detail("start_date", &self.row.start_date)
                .detail("reason", self.reason)
                .detail("message", &self.message),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> OffsetDateTime {
        OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).unwrap()
    }

    #[test]
    fn a_start_is_issued_ahead_within_the_limit_at_once_on_the_day_and_never_after_it() {
        let (start, end) = (at("2026-12-07T07:00:00Z"), at("2026-12-07T23:00:00Z"));
        assert_eq!(
            due(start, end, at("2026-12-01T10:00:00Z")),
            Due::Issue(Some(start))
        );
        assert_eq!(due(start, end, at("2026-10-01T10:00:00Z")), Due::Wait);
        assert_eq!(
            due(start, end, at("2026-12-07T09:30:00Z")),
            Due::Issue(None)
        );
        assert_eq!(due(start, end, at("2026-12-07T23:00:00Z")), Due::Passed);
    }

    #[test]
    fn the_sweep_first_looks_a_day_before_the_earliest_zone_could_issue() {
        let due = due_at("2026-12-31");
        assert_eq!(due, db::ts(at("2026-11-30T00:00:00Z")));
    }
}
