//! The hold on a one-time pass. Signing in with a one-time pass does not spend it: the session it
//! opens holds it (no other session can use it meanwhile, on any instance), and the pass is spent only
//! when that session registers a method (`tap.spent`). A session that ends having registered nothing —
//! signed out, replaced, cut short, or simply over at the end of the setup window — gives it back
//! (`tap.released`): the pass works again until its own end. Every step is one conditional `UPDATE`
//! whose affected-row count says who won.

use time::OffsetDateTime;

use crate::audit::{self, Actor, Event, Target};
use crate::db::passes::PassRow;
use crate::db::{self, Db, Tx};
use crate::error::AppError;

/// Why a hold was given back, for the audit trail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Release {
    /// The person signed out.
    SignedOut,
    /// Someone else signed in on the same browser.
    Replaced,
    /// The session was ended because its pass or the policy no longer allowed it.
    Ended,
    /// The session's time (the setup window) ran out.
    Expired,
}

impl Release {
    fn as_str(self) -> &'static str {
        match self {
            Release::SignedOut => "signed_out",
            Release::Replaced => "session_replaced",
            Release::Ended => "session_ended",
            Release::Expired => "setup_window_over",
        }
    }
}

/// Takes the hold on one-time pass `row` for session `sid` until `until`. A lapsed hold of an earlier
/// session is recorded as released first. Returns whether this call won.
pub async fn take(
    tx: &mut Tx,
    row: &PassRow,
    sid: &str,
    until: OffsetDateTime,
    max_failed: i64,
    now: OffsetDateTime,
) -> Result<bool, sqlx::Error> {
    let won = db::passes::hold(tx, &row.id, sid, db::ts(until), max_failed, db::ts(now)).await?;
    if won && let Some(earlier) = &row.held_by_session {
        // Only a lapsed hold can have been taken over: its session ended without a word.
        released(tx, row, earlier, Release::Expired).await?;
    }
    Ok(won)
}

/// Spends pass `tap_id` if session `sid` holds it (`tap.spent`); false if it holds nothing (a
/// multi-use pass, or a pass already spent).
pub async fn spend(
    tx: &mut Tx,
    tap_id: &str,
    sid: &str,
    address: Option<String>,
) -> Result<bool, AppError> {
    let Some(row) = db::passes::find(&mut **tx, tap_id).await? else {
        return Ok(false);
    };
    if !db::passes::spend_held(tx, tap_id, sid, db::ts(db::now())).await? {
        return Ok(false);
    }
    let event = event(tx, "tap.spent", &row)
        .await?
        .address(address)
        .detail("sid", sid);
    audit::record(tx, event).await?;
    Ok(true)
}

/// Gives back the hold of session `sid` on pass `tap_id` (`tap.released`), if it has one.
pub async fn release(
    tx: &mut Tx,
    tap_id: &str,
    sid: &str,
    why: Release,
) -> Result<bool, sqlx::Error> {
    let Some(row) = db::passes::find(&mut **tx, tap_id).await? else {
        return Ok(false);
    };
    if !db::passes::release(tx, tap_id, sid).await? {
        return Ok(false);
    }
    released(tx, &row, sid, why).await?;
    Ok(true)
}

/// Records the release of every hold that lapsed by `now` (sessions that ran out of time); each once,
/// whichever instance's sweep gets there first. Returns how many.
pub async fn release_lapsed(db: &Db, now: OffsetDateTime) -> Result<u64, AppError> {
    let mut count = 0;
    for row in db::passes::lapsed_holds(db.pool(), db::ts(now)).await? {
        let Some(sid) = row.held_by_session.clone() else {
            continue;
        };
        let mut tx = db.begin().await?;
        if release(&mut tx, &row.id, &sid, Release::Expired).await? {
            count += 1;
        }
        tx.commit().await?;
    }
    Ok(count)
}

async fn released(tx: &mut Tx, row: &PassRow, sid: &str, why: Release) -> Result<(), sqlx::Error> {
    let event = event(tx, "tap.released", row)
        .await?
        .detail("sid", sid)
        .detail("reason", why.as_str())
        .detail("usable_until", super::rfc3339(row.ends_at));
    audit::record(tx, event).await
}

async fn event(tx: &mut Tx, action: &'static str, row: &PassRow) -> Result<Event, sqlx::Error> {
    let username = db::users::find_by_id(&mut **tx, &row.user_id)
        .await?
        .map(|u| u.username)
        .unwrap_or_default();
    Ok(Event::new(Actor::System, action)
        .target(Target::new("user", &row.user_id, username))
        .detail("pass_id", &row.id)
        .detail("one_time", row.one_time != 0))
}
