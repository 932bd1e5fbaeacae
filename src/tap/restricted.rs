//! A restricted session (level `tap`) lives only while the pass that opened it could still open it
//! under the policy in force now. Narrowing the policy (disabling passes, requiring one-time passes,
//! a shorter maximum lifetime or enrollment window, a person moved out of scope), revoking, locking or
//! expiring the pass ends the session at its next use, before it can register a method and reach `1fa`.

use time::{Duration, OffsetDateTime};

use super::pass::{self, Pass, Reason};
use super::policy;
use crate::audit::{self, Actor, Event, Target};
use crate::db::{self, Db};
use crate::error::AppError;

/// Why a restricted session of `user_id`, opened at `opened_at` by pass `tap_id`, may no longer be
/// used (the pass's state, or `EnrollmentWindowOver` when a narrowed window has passed), or `None`
/// while it may. A one-time pass reads `OneTimeUsed` after the sign-in that opened the session:
/// that use is this session's own.
pub async fn unusable(
    db: &Db,
    user_id: &str,
    tap_id: &str,
    opened_at: OffsetDateTime,
) -> Result<Option<&'static str>, AppError> {
    let Some(row) = db::passes::find(db.pool(), tap_id).await? else {
        return Ok(Some(Reason::Revoked.as_str()));
    };
    if row.user_id != user_id {
        return Ok(Some(Reason::Revoked.as_str()));
    }
    let policy = policy::load(db).await?;
    let in_scope = pass::in_scope(db, &policy, user_id).await?;
    let now = db::now();
    Ok(match Pass::from(&row).reason(&policy, in_scope, now) {
        Reason::EnabledByPolicy | Reason::OneTimeUsed | Reason::InUse => {
            let window = Duration::minutes(policy.enrollment_window.into());
            (now >= opened_at + window).then_some("EnrollmentWindowOver")
        }
        other => Some(other.as_str()),
    })
}

/// Ends the restricted session `sid` because its pass reads `reason`; records `session.ended`.
pub async fn end(
    db: &Db,
    user_id: &str,
    tap_id: &str,
    sid: &str,
    reason: &'static str,
) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    let ending = db::logout::Ending::Sid(sid);
    if db::sessions::end(&mut tx, ending, "pass_not_usable", db::ts(db::now())).await? > 0 {
        let username = db::users::find_by_id(&mut *tx, user_id)
            .await?
            .map(|u| u.username)
            .unwrap_or_default();
        audit::record(
            &mut tx,
            Event::new(Actor::System, "session.ended")
                .target(Target::new("user", user_id, username))
                .detail("pass_id", tap_id)
                .detail("reason", "pass_not_usable")
                .detail("pass_state", reason),
        )
        .await?;
    }
    super::hold::release(&mut tx, tap_id, sid, super::hold::Release::Ended).await?;
    tx.commit().await?;
    Ok(())
}
