//! Issuing a pass: within the policy, by someone allowed to, replacing any pass the user had.

use time::{Duration, OffsetDateTime};

use super::authority::Authority;
use super::pass::{Pass, PassView};
use super::passcode::{self, Passcode};
use super::policy::{self, LENGTH_RANGE, Policy};
use super::revoke::end_derived;
use crate::audit::{self, Actor, Event, Severity};
use crate::db::passes::PassRow;
use crate::db::{self, Db, Tx};
use crate::directory::User;
use crate::error::AppError;

/// How far ahead a pass may start.
pub const MAX_START_AHEAD: Duration = Duration::days(30);
/// Clock skew forgiven for a start given as "now".
const START_SLACK: Duration = Duration::minutes(1);

/// What the issuer asks for; `None` takes the policy's default.
#[derive(Clone, Debug, Default)]
pub struct IssueRequest {
    pub lifetime: Option<Duration>,
    pub start: Option<OffsetDateTime>,
    pub one_time: Option<bool>,
    pub length: Option<u32>,
}

/// A new pass and its passcode, which is never available again.
#[derive(Debug)]
pub struct Issued {
    pub pass: PassView,
    pub passcode: Passcode,
}

/// The settings of a pass about to be issued, checked against the policy.
#[derive(Clone, Debug)]
pub(super) struct Settings {
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
    pub one_time: bool,
    pub length: u32,
}

pub(super) fn settings(
    policy: &Policy,
    request: &IssueRequest,
    now: OffsetDateTime,
) -> Result<Settings, AppError> {
    let lifetime = request
        .lifetime
        .unwrap_or(Duration::minutes(policy.default_lifetime.into()));
    let (min, max) = (
        Duration::minutes(policy.min_lifetime.into()),
        Duration::minutes(policy.max_lifetime.into()),
    );
    if lifetime < min || lifetime > max {
        return Err(AppError::invalid(format!(
            "the lifetime must be between {} and {} minutes under the current policy",
            policy.min_lifetime, policy.max_lifetime
        )));
    }
    let starts_at = match request.start {
        None => now,
        Some(start) if start < now - START_SLACK => {
            return Err(AppError::invalid("the start must be now or in the future"));
        }
        Some(start) if start > now + MAX_START_AHEAD => {
            return Err(AppError::invalid(
                "the start may be at most 30 days in the future",
            ));
        }
        Some(start) => db::from_ts(db::ts(start.max(now))),
    };
    let one_time = match request.one_time {
        Some(false) if policy.one_time_required => {
            return Err(AppError::invalid(
                "the policy requires one-time passes; a multi-use pass cannot be issued",
            ));
        }
        Some(one_time) => one_time,
        None => policy.one_time_required,
    };
    let length = request.length.unwrap_or(policy.default_length);
    if length < policy.default_length || length > LENGTH_RANGE.1 {
        return Err(AppError::invalid(format!(
            "the length must be between {} and {} characters under the current policy",
            policy.default_length, LENGTH_RANGE.1
        )));
    }
    Ok(Settings {
        starts_at,
        ends_at: starts_at + lifetime,
        one_time,
        length,
    })
}

/// Checks that `user` may be given a pass at all, whoever asks.
pub fn check_target(policy: &Policy, user: &User, in_scope: bool) -> Result<(), AppError> {
    if !policy.enabled {
        return Err(AppError::Forbidden(
            "Temporary Access Passes are disabled by policy".into(),
        ));
    }
    if !user.enabled {
        return Err(AppError::Forbidden(format!(
            "{}'s account is disabled, so no pass can be issued for it.",
            user.username
        )));
    }
    if !in_scope {
        return Err(AppError::Forbidden(format!(
            "{} is outside the scope of the Temporary Access Pass policy.",
            user.username
        )));
    }
    Ok(())
}

/// Issues a pass for the user with this id, replacing any pass they had (`tap.replaced`).
pub async fn issue(
    db: &Db,
    authority: &Authority,
    user_id: &str,
    request: IssueRequest,
    address: Option<String>,
) -> Result<Issued, AppError> {
    let prepared = prepare(db, authority, user_id, &request).await?;
    let mut tx = db.begin().await?;
    prepared.apply(&mut tx, address, &[]).await?;
    tx.commit().await?;
    Ok(prepared.issued())
}

/// A pass checked and hashed, ready to be written.
pub(super) struct Prepared {
    pub user: User,
    pub actor: Actor,
    pub policy: Policy,
    pub settings: Settings,
    pub passcode: Passcode,
    pub row: PassRow,
    pub now: OffsetDateTime,
}

/// Every check of issuing (the issuer's authority, the target, the policy), then the passcode and
/// its hash: everything but the writing.
pub(super) async fn prepare(
    db: &Db,
    authority: &Authority,
    user_id: &str,
    request: &IssueRequest,
) -> Result<Prepared, AppError> {
    let user: User = db::users::find_by_id(db.pool(), user_id)
        .await?
        .map(User::from)
        .ok_or_else(|| AppError::NotFound("There is no such user.".into()))?;
    authority.may_issue_for(&user)?;
    let policy = policy::load(db).await?;
    check_target(
        &policy,
        &user,
        super::pass::in_scope(db, &policy, &user.id).await?,
    )?;
    let now = db::now();
    let settings = settings(&policy, request, now)?;
    let passcode = Passcode::generate(settings.length as usize);
    let code_hash = passcode::hash(&passcode).await?;
    let actor = authority.actor();
    let row = new_row(&user, &actor, &settings, code_hash, now);
    Ok(Prepared {
        user,
        actor,
        policy,
        settings,
        passcode,
        row,
        now,
    })
}

impl Prepared {
    pub(super) async fn apply(
        &self,
        tx: &mut Tx,
        address: Option<String>,
        extra: &[(&str, serde_json::Value)],
    ) -> Result<(), sqlx::Error> {
        apply(
            tx,
            &self.user,
            &self.actor,
            &self.row,
            &self.settings,
            address,
            extra,
        )
        .await
    }

    pub(super) fn view(&self) -> PassView {
        let pass = Pass::from(&self.row);
        let reason = pass.reason(&self.policy, true, self.now);
        PassView::new(&pass, &self.user, reason)
    }

    pub(super) fn issued(self) -> Issued {
        Issued {
            pass: self.view(),
            passcode: self.passcode,
        }
    }
}

/// Within `tx`: replaces `user`'s pass (if any) by `row`, recording `tap.replaced` and `tap.issued`
/// (with `extra` details, e.g. the batch it belongs to).
pub(super) async fn apply(
    tx: &mut Tx,
    user: &User,
    actor: &Actor,
    row: &PassRow,
    settings: &Settings,
    address: Option<String>,
    extra: &[(&str, serde_json::Value)],
) -> Result<(), sqlx::Error> {
    if let Some(old) = db::passes::find_by_user(&mut **tx, &user.id).await? {
        let ended = end_derived(tx, &old.id).await?;
        db::passes::delete(tx, &old.id).await?;
        audit::record(
            tx,
            Event::new(actor.clone(), "tap.replaced")
                .target(user.target())
                .address(address.clone())
                .detail("pass_id", &old.id)
                .detail("start", super::rfc3339(old.starts_at))
                .detail("end", super::rfc3339(old.ends_at))
                .detail("one_time", old.one_time != 0)
                .detail("sessions_ended", ended.sessions)
                .detail("tokens_revoked", ended.tokens),
        )
        .await?;
    }
    db::passes::insert(tx, row).await?;
    let severity = if user.roles.is_empty() {
        Severity::Info
    } else {
        Severity::High
    };
    let mut event = Event::new(actor.clone(), "tap.issued")
        .target(user.target())
        .severity(severity)
        .address(address)
        .detail("pass_id", &row.id)
        .detail("start", super::rfc3339(row.starts_at))
        .detail("end", super::rfc3339(row.ends_at))
        .detail("one_time", settings.one_time)
        .detail("length", settings.length)
        .detail("target_roles", &user.roles);
    for (key, value) in extra {
        event = event.detail(key, value);
    }
    audit::record(tx, event).await
}

pub(super) fn new_row(
    user: &User,
    actor: &Actor,
    settings: &Settings,
    code_hash: String,
    now: OffsetDateTime,
) -> PassRow {
    let (kind, id, name) = match actor {
        Actor::User { id, name } => ("user", Some(id.clone()), Some(name.clone())),
        Actor::Client { id } => ("client", Some(id.clone()), Some(id.clone())),
        Actor::Cli => ("cli", None, Some("operator".to_string())),
        Actor::System => ("system", None, Some("tapid".to_string())),
        Actor::Anonymous => ("anonymous", None, None),
    };
    PassRow {
        id: uuid::Uuid::new_v4().to_string(),
        user_id: user.id.clone(),
        code_hash,
        starts_at: db::ts(settings.starts_at),
        ends_at: db::ts(settings.ends_at),
        one_time: i64::from(settings.one_time),
        created_by_kind: kind.into(),
        created_by_id: id,
        created_by_name: name,
        created_at: db::ts(now),
        last_used_at: None,
        used_at: None,
        failed_attempts: 0,
        locked_at: None,
        revoked_at: None,
        expiry_recorded_at: None,
        held_by_session: None,
        held_until: None,
    }
}
