//! Issuing a pass: within the policy, by someone allowed to, replacing any pass the user had.

use time::{Duration, OffsetDateTime};

use super::authority::Authority;
use super::pass::{Pass, PassView};
use super::passcode::{self, Passcode};
use super::policy::{self, LENGTH_RANGE, Policy};
use super::revoke::end_derived;
use crate::audit::{self, Actor, Event, Severity};
use crate::db::passes::PassRow;
use crate::db::{self, Db};
use crate::directory::User;
use crate::error::AppError;

/// How far ahead a pass may start.
const MAX_START_AHEAD: Duration = Duration::days(30);
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
struct Settings {
    starts_at: OffsetDateTime,
    ends_at: OffsetDateTime,
    one_time: bool,
    length: u32,
}

fn settings(
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
            "user `{}` is disabled",
            user.username
        )));
    }
    if !in_scope {
        return Err(AppError::Forbidden(format!(
            "user `{}` is outside the scope of the Temporary Access Pass policy",
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
    let user: User = db::users::find_by_id(db.pool(), user_id)
        .await?
        .map(User::from)
        .ok_or_else(|| AppError::NotFound("user".into()))?;
    authority.may_issue_for(&user)?;
    let policy = policy::load(db).await?;
    check_target(
        &policy,
        &user,
        super::pass::in_scope(db, &policy, &user.id).await?,
    )?;
    let now = db::now();
    let settings = settings(&policy, &request, now)?;
    let passcode = Passcode::generate(settings.length as usize);
    let code_hash = passcode::hash(&passcode).await?;
    let actor = authority.actor();
    let row = new_row(&user, &actor, &settings, code_hash, now);

    let mut tx = db.begin().await?;
    if let Some(old) = db::passes::find_by_user(&mut *tx, &user.id).await? {
        let ended = end_derived(&mut tx, &old.id).await?;
        db::passes::delete(&mut tx, &old.id).await?;
        audit::record(
            &mut tx,
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
    db::passes::insert(&mut tx, &row).await?;
    let severity = if user.roles.is_empty() {
        Severity::Info
    } else {
        Severity::High
    };
    audit::record(
        &mut tx,
        Event::new(actor, "tap.issued")
            .target(user.target())
            .severity(severity)
            .address(address)
            .detail("pass_id", &row.id)
            .detail("start", super::rfc3339(row.starts_at))
            .detail("end", super::rfc3339(row.ends_at))
            .detail("one_time", settings.one_time)
            .detail("length", settings.length)
            .detail("target_roles", &user.roles),
    )
    .await?;
    tx.commit().await?;

    let pass = Pass::from(&row);
    let reason = pass.reason(&policy, true, now);
    Ok(Issued {
        pass: PassView::new(&pass, &user, reason),
        passcode,
    })
}

fn new_row(
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
    }
}
