//! Checking a passcode at sign-in: one function that takes a username and a passcode and returns the
//! user, or a failure that says nothing about why. The reason goes to the audit trail.

use time::OffsetDateTime;

use super::pass::{Pass, Reason};
use super::passcode::{self, Passcode};
use super::policy;
use crate::audit::{self, Actor, Event, Severity};
use crate::db::passes::PassRow;
use crate::db::{self, Db};
use crate::directory::User;
use crate::error::AppError;

/// A successful pass sign-in.
#[derive(Clone, Debug)]
pub struct PassSignIn {
    pub user: User,
    pub pass_id: String,
    /// When the pass ends: sessions that begin with it end no later.
    pub ends_at: OffsetDateTime,
    pub one_time: bool,
}

/// A refused sign-in. `Refused` is the same whatever the cause (unknown user, no pass, wrong
/// passcode, pass not usable); `Error` is the service failing, never a verdict on the passcode.
#[derive(Debug, thiserror::Error)]
pub enum TapRefused {
    #[error("that username and passcode do not match a usable Temporary Access Pass")]
    Refused,
    #[error(transparent)]
    Error(#[from] AppError),
}

impl From<sqlx::Error> for TapRefused {
    fn from(error: sqlx::Error) -> Self {
        TapRefused::Error(error.into())
    }
}

impl From<TapRefused> for AppError {
    fn from(refused: TapRefused) -> Self {
        match refused {
            TapRefused::Refused => AppError::Forbidden(TapRefused::Refused.to_string()),
            TapRefused::Error(e) => e,
        }
    }
}

/// Checks `entry` against `username`'s pass. Exactly one full Argon2 verification runs whatever the
/// outcome. A one-time pass is consumed atomically: of concurrent attempts, exactly one succeeds.
pub async fn check_passcode(
    db: &Db,
    username: &str,
    entry: &str,
    address: Option<String>,
) -> Result<PassSignIn, TapRefused> {
    let user = db::users::find_by_username(db.pool(), username)
        .await?
        .map(User::from);
    let row = match &user {
        Some(user) => db::passes::find_by_user(db.pool(), &user.id).await?,
        None => None,
    };
    let matched = passcode::verify(
        Passcode::parse(entry),
        row.as_ref().map(|r| r.code_hash.clone()),
    )
    .await;

    let (user, row) = match (user, row) {
        (Some(user), Some(row)) => (user, row),
        (user, _) => {
            let failure = Failure {
                reason: if user.is_some() {
                    "no_pass"
                } else {
                    "unknown_user"
                },
                address,
            };
            // An unknown username is not written down: it may be a passcode typed in the wrong field.
            return Err(failure.record(db, user.as_ref().map(|u| (u, None))).await);
        }
    };
    let policy = policy::load(db).await?;
    let now = db::now();
    let pass = Pass::from(&row);
    let state = pass.reason(
        &policy,
        super::pass::in_scope(db, &policy, &user.id).await?,
        now,
    );
    if !matched {
        // Only a pass that could still be used counts wrong entries towards its lock.
        let countable = matches!(state, Reason::EnabledByPolicy | Reason::NotYetValid);
        return Err(wrong_passcode(db, &user, &row, &policy, countable, address).await);
    }
    if !user.enabled {
        let failure = Failure {
            reason: "user_disabled",
            address,
        };
        return Err(failure.record(db, Some((&user, Some(&row)))).await);
    }
    if !state.is_usable() {
        let failure = Failure {
            reason: state.as_str(),
            address,
        };
        return Err(failure.record(db, Some((&user, Some(&row)))).await);
    }

    let mut tx = db.begin().await?;
    // Defence in depth beside the revocation at every role change: the issuer must still be
    // allowed to issue this pass to this person as they are now.
    if !super::issuer::may_still_issue(&mut tx, &row, &user).await? {
        super::issuer::revoke(&mut tx, &Actor::System, &row, &user, address.clone()).await?;
        let event = pass_event("tap.failed", &user, &row, address);
        audit::record(
            &mut tx,
            event.failed().detail("reason", super::issuer::REASON),
        )
        .await?;
        tx.commit().await?;
        return Err(TapRefused::Refused);
    }
    let one_time = row.one_time != 0;
    let won = db::passes::mark_used(
        &mut tx,
        &row.id,
        one_time,
        i64::from(policy.max_failed_attempts),
        db::ts(now),
    )
    .await?;
    if !won {
        // Another attempt consumed it (or it was revoked) between our read and now.
        let event = pass_event("tap.failed", &user, &row, address);
        audit::record(&mut tx, event.failed().detail("reason", "no_longer_usable")).await?;
        tx.commit().await?;
        return Err(TapRefused::Refused);
    }
    audit::record(&mut tx, pass_event("tap.used", &user, &row, address)).await?;
    tx.commit().await?;
    Ok(PassSignIn {
        user,
        pass_id: row.id,
        ends_at: pass.end_under(&policy),
        one_time,
    })
}

fn pass_event(action: &'static str, user: &User, row: &PassRow, address: Option<String>) -> Event {
    Event::new(Actor::Anonymous, action)
        .target(user.target())
        .address(address)
        .detail("pass_id", &row.id)
        .detail("start", super::rfc3339(row.starts_at))
        .detail("end", super::rfc3339(row.ends_at))
        .detail("one_time", row.one_time != 0)
}

struct Failure {
    reason: &'static str,
    address: Option<String>,
}

impl Failure {
    /// Records `tap.failed` and returns the uniform refusal (or the error that prevented recording).
    async fn record(self, db: &Db, about: Option<(&User, Option<&PassRow>)>) -> TapRefused {
        let result = async {
            let mut tx = db.begin().await?;
            let event = match about {
                Some((user, Some(row))) => pass_event("tap.failed", user, row, self.address),
                Some((user, None)) => Event::new(Actor::Anonymous, "tap.failed")
                    .target(user.target())
                    .address(self.address),
                None => Event::new(Actor::Anonymous, "tap.failed").address(self.address),
            };
            audit::record(&mut tx, event.failed().detail("reason", self.reason)).await?;
            tx.commit().await
        }
        .await;
        match result {
            Ok(()) => TapRefused::Refused,
            Err(e) => TapRefused::Error(e.into()),
        }
    }
}

/// Counts a wrong passcode against a live pass and locks it at the policy's limit (`tap.locked`).
async fn wrong_passcode(
    db: &Db,
    user: &User,
    row: &PassRow,
    policy: &policy::Policy,
    countable: bool,
    address: Option<String>,
) -> TapRefused {
    let result: Result<(), sqlx::Error> = async {
        let mut tx = db.begin().await?;
        let failures = if countable {
            db::passes::add_failure(&mut tx, &row.id).await?
        } else {
            row.failed_attempts
        };
        audit::record(
            &mut tx,
            pass_event("tap.failed", user, row, address.clone())
                .failed()
                .detail("reason", "wrong_passcode")
                .detail("failed_attempts", failures),
        )
        .await?;
        if countable
            && failures >= i64::from(policy.max_failed_attempts)
            && db::passes::lock(&mut tx, &row.id, db::ts(db::now())).await?
        {
            audit::record(
                &mut tx,
                pass_event("tap.locked", user, row, address)
                    .severity(Severity::High)
                    .detail("failed_attempts", failures),
            )
            .await?;
        }
        tx.commit().await
    }
    .await;
    match result {
        Ok(()) => TapRefused::Refused,
        Err(e) => TapRefused::Error(e.into()),
    }
}
