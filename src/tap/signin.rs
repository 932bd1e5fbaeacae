//! Checking a passcode at sign-in: one function that takes a username and a passcode and returns the
//! user, or a refusal. Until the right passcode has been verified the refusal says nothing about why
//! (that would tell a stranger which usernames exist and hold passes); once it has, the person holding
//! the passcode is told the truth: expired, used, not yet started, locked, disabled. The reason always
//! goes to the audit trail.

use time::{Duration, OffsetDateTime};

use super::pass::{Pass, Reason};
use super::passcode::{self, Passcode};
use super::policy;
use crate::audit::{self, Actor, Event, Severity};
use crate::db::passes::PassRow;
use crate::db::{self, Db, Tx};
use crate::directory::User;
use crate::error::AppError;

/// A successful pass sign-in.
#[derive(Clone, Debug)]
pub struct PassSignIn {
    pub user: User,
    pub pass_id: String,
    /// When the pass ends: sessions that begin with it end no later.
    pub ends_at: OffsetDateTime,
    /// When the restricted session it opens ends: the policy's enrollment window, never past the pass.
    pub enrollment_ends_at: OffsetDateTime,
    pub one_time: bool,
    /// The `sid` the session opened by this sign-in must carry: a one-time pass is held by it.
    pub sid: String,
}

/// A refused sign-in. `Refused` is the same whatever the cause (unknown user, no pass, wrong
/// passcode); `Told` follows the right passcode and says why the pass cannot be used; `Error` is the
/// service failing, never a verdict on the passcode.
#[derive(Debug, thiserror::Error)]
pub enum TapRefused {
    #[error("that username and passcode do not match a usable Temporary Access Pass")]
    Refused,
    #[error("the passcode is right, but the pass cannot be used: {}", .0.words())]
    Told(Truth),
    #[error(transparent)]
    Error(#[from] AppError),
}

/// Why a pass whose passcode was entered correctly cannot be used, with the time that explains it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Truth {
    Expired {
        at: OffsetDateTime,
    },
    OneTimeUsed {
        at: Option<OffsetDateTime>,
    },
    NotYetValid {
        starts_at: OffsetDateTime,
    },
    Locked,
    UserDisabled,
    Revoked,
    DisabledByPolicy,
    NotInScope,
    /// A one-time pass held by another sign-in in progress, until `until` at the latest.
    InUse {
        until: OffsetDateTime,
    },
}

impl Truth {
    /// Why, in a few words (times in UTC); the sign-in page says it at length, in the reader's zone.
    pub fn words(&self) -> String {
        let utc = |at: &OffsetDateTime| super::rfc3339(crate::db::ts(*at));
        match self {
            Truth::Expired { at } => format!("it expired at {}", utc(at)),
            Truth::OneTimeUsed { at: Some(at) } => {
                format!("it was for one use and was used at {}", utc(at))
            }
            Truth::OneTimeUsed { at: None } => "it was for one use and has been used".into(),
            Truth::NotYetValid { starts_at } => format!("it starts at {}", utc(starts_at)),
            Truth::Locked => "it is locked after too many wrong tries".into(),
            Truth::UserDisabled => "the account is disabled".into(),
            Truth::Revoked => "it was revoked".into(),
            Truth::DisabledByPolicy => "the policy turns passes off".into(),
            Truth::NotInScope => "the account is outside the pass policy's scope".into(),
            Truth::InUse { until } => format!(
                "another sign-in holds this one-time pass, until {} at the latest",
                utc(until)
            ),
        }
    }

    fn of(reason: Reason, pass: &Pass, policy: &policy::Policy) -> Option<Self> {
        Some(match reason {
            Reason::EnabledByPolicy => return None,
            Reason::Expired => Truth::Expired {
                at: pass.end_under(policy),
            },
            Reason::OneTimeUsed => Truth::OneTimeUsed { at: pass.used_at },
            Reason::NotYetValid => Truth::NotYetValid {
                starts_at: pass.starts_at,
            },
            Reason::Locked => Truth::Locked,
            Reason::UserDisabled => Truth::UserDisabled,
            Reason::Revoked => Truth::Revoked,
            Reason::DisabledByPolicy => Truth::DisabledByPolicy,
            Reason::NotInScope => Truth::NotInScope,
            Reason::InUse => Truth::InUse {
                until: pass.held_until.unwrap_or(pass.ends_at),
            },
        })
    }
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
            TapRefused::Told(truth) => AppError::Forbidden(TapRefused::Told(truth).to_string()),
            TapRefused::Error(e) => e,
        }
    }
}

/// Checks `entry` against `username`'s pass and, when it matches, spends it (`tap.used`) at once.
pub async fn check_passcode(
    db: &Db,
    username: &str,
    entry: &str,
    address: Option<String>,
) -> Result<PassSignIn, TapRefused> {
    let (signed_in, tx) = spend_passcode(db, username, Passcode::parse(entry), address).await?;
    tx.commit().await?;
    Ok(signed_in)
}

/// Checks `entry` (`None`: what was typed cannot be a passcode) against `username`'s pass. Exactly one
/// full Argon2 verification runs whatever the outcome. On success the pass is spent and `tap.used` recorded in the returned transaction, which the
/// caller commits together with the sign-in it completes: a crash in between spends nothing. A one-time
/// pass is consumed atomically: of concurrent attempts, exactly one succeeds.
pub async fn spend_passcode(
    db: &Db,
    username: &str,
    entry: Option<Passcode>,
    address: Option<String>,
) -> Result<(PassSignIn, Tx), TapRefused> {
    let user = db::users::find_by_username(db.pool(), username)
        .await?
        .map(User::from);
    let row = match &user {
        Some(user) => db::passes::find_by_user(db.pool(), &user.id).await?,
        None => None,
    };
    let matched = passcode::verify(entry, row.as_ref().map(|r| r.code_hash.clone())).await;

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
            let refused = TapRefused::Refused;
            return Err(failure
                .record(db, user.as_ref().map(|u| (u, None)), refused)
                .await);
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
        let countable = matches!(
            state,
            Reason::EnabledByPolicy | Reason::NotYetValid | Reason::InUse
        );
        return Err(wrong_passcode(db, &user, &row, &policy, countable, address).await);
    }
    // From here on the passcode is right: whoever typed it holds the pass and may know its state.
    if !user.enabled {
        let failure = Failure {
            reason: "user_disabled",
            address,
        };
        let told = TapRefused::Told(Truth::UserDisabled);
        return Err(failure.record(db, Some((&user, Some(&row))), told).await);
    }
    if let Some(truth) = Truth::of(state, &pass, &policy) {
        let failure = Failure {
            reason: state.audit_reason(),
            address,
        };
        let told = TapRefused::Told(truth);
        return Err(failure.record(db, Some((&user, Some(&row))), told).await);
    }
    spend(db, user, row, &policy, now, address).await
}

/// Spends a pass that matched and is usable: `tap.used` in a transaction left open for the caller. Of
/// concurrent attempts on a one-time pass, the conditional update lets exactly one win.
async fn spend(
    db: &Db,
    user: User,
    row: PassRow,
    policy: &policy::Policy,
    now: OffsetDateTime,
    address: Option<String>,
) -> Result<(PassSignIn, Tx), TapRefused> {
    let mut tx = db.begin().await?;
    // Defence in depth beside the revocation at every role change: the issuer must still be
    // allowed to issue this pass to this person as they are now.
    if !super::issuer::may_still_issue(&mut tx, &row, &user).await? {
        super::issuer::revoke(&mut tx, &Actor::System, &row, &user, address.clone()).await?;
        let event = pass_event(user.actor(), "tap.failed", &user, &row, address);
        audit::record(
            &mut tx,
            event.failed().detail("reason", super::issuer::REASON),
        )
        .await?;
        tx.commit().await?;
        return Err(TapRefused::Told(Truth::Revoked));
    }
    let one_time = row.one_time != 0;
    let max_failed = i64::from(policy.max_failed_attempts);
    // A pass longer than the policy now allows opens nothing past what the policy allows.
    let ends_at = Pass::from(&row).end_under(policy);
    let window = Duration::minutes(i64::from(policy.enrollment_window));
    let enrollment_ends_at = (now + window).min(ends_at);
    let sid = crate::secrets::random_token(16);
    let won = if one_time {
        // Held, not spent: the session spends it by registering a method, or gives it back.
        super::hold::take(&mut tx, &row, &sid, enrollment_ends_at, max_failed, now).await?
    } else {
        db::passes::mark_used(&mut tx, &row.id, false, max_failed, db::ts(now)).await?
    };
    if !won {
        // Another attempt took it (or it was revoked) between our read and now.
        let event = pass_event(user.actor(), "tap.failed", &user, &row, address);
        audit::record(&mut tx, event.failed().detail("reason", "no_longer_usable")).await?;
        tx.commit().await?;
        // The passcode was right: say what the pass is now (used, or held by the winner).
        let now_row = db::passes::find(db.pool(), &row.id).await?;
        let truth = now_row.and_then(|r| {
            let pass = Pass::from(&r);
            Truth::of(pass.reason(policy, true, db::now()), &pass, policy)
        });
        return Err(truth.map_or(TapRefused::Refused, TapRefused::Told));
    }
    let mut used = pass_event(user.actor(), "tap.used", &user, &row, address);
    if one_time {
        used = used.detail("held_until", super::rfc3339(db::ts(enrollment_ends_at)));
    }
    audit::record(&mut tx, used).await?;
    let signed_in = PassSignIn {
        user,
        pass_id: row.id,
        ends_at,
        enrollment_ends_at,
        one_time,
        sid,
    };
    Ok((signed_in, tx))
}

/// An event about `row`, by `actor`: the person once their passcode proved they hold the pass (`tap.used`,
/// a refusal that tells them the pass's state), anyone (`Actor::Anonymous`) before that.
fn pass_event(
    actor: Actor,
    action: &'static str,
    user: &User,
    row: &PassRow,
    address: Option<String>,
) -> Event {
    Event::new(actor, action)
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
    /// Records `tap.failed` and returns `refusal` (or the error that prevented recording).
    async fn record(
        self,
        db: &Db,
        about: Option<(&User, Option<&PassRow>)>,
        refusal: TapRefused,
    ) -> TapRefused {
        let result = async {
            let mut tx = db.begin().await?;
            let event = match about {
                // A refusal about a pass is recorded only once its passcode proved who typed it.
                Some((user, Some(row))) => {
                    pass_event(user.actor(), "tap.failed", user, row, self.address)
                }
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
            Ok(()) => refusal,
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
            pass_event(Actor::Anonymous, "tap.failed", user, row, address.clone())
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
                pass_event(Actor::Anonymous, "tap.locked", user, row, address)
                    .failed()
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
