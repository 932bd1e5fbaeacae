//! A pass as stored, and its state: usable, or the reason it is not — always computed from the
//! stored facts and the policy as it is now.

use serde::Serialize;
use time::{Duration, OffsetDateTime};

use super::policy::Policy;
use crate::db::passes::PassRow;
use crate::db::{self, Db};
use crate::directory::User;
use crate::error::AppError;

/// Why a pass can or cannot be used now. The names are part of the CLI and API contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Reason {
    EnabledByPolicy,
    DisabledByPolicy,
    NotInScope,
    NotYetValid,
    Expired,
    OneTimeUsed,
    Locked,
    Revoked,
    /// The pass is fine, but its holder's account is disabled: nobody can sign in with it.
    UserDisabled,
    /// A one-time pass held by a sign-in in progress that has not registered anything yet: nobody
    /// else can use it meanwhile; usable again if that sign-in ends having done nothing.
    InUse,
}

impl Reason {
    pub fn is_usable(self) -> bool {
        self == Reason::EnabledByPolicy
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Reason::EnabledByPolicy => "EnabledByPolicy",
            Reason::DisabledByPolicy => "DisabledByPolicy",
            Reason::NotInScope => "NotInScope",
            Reason::NotYetValid => "NotYetValid",
            Reason::Expired => "Expired",
            Reason::OneTimeUsed => "OneTimeUsed",
            Reason::Locked => "Locked",
            Reason::Revoked => "Revoked",
            Reason::UserDisabled => "UserDisabled",
            Reason::InUse => "InUse",
        }
    }

    /// The same, as an audit event's `reason`: one vocabulary (snake case) with every other reason the
    /// trail records (`wrong_passcode`, `user_disabled`, …). The API and CLI keep [`Reason::as_str`].
    pub fn audit_reason(self) -> &'static str {
        match self {
            Reason::EnabledByPolicy => "enabled_by_policy",
            Reason::DisabledByPolicy => "disabled_by_policy",
            Reason::NotInScope => "not_in_scope",
            Reason::NotYetValid => "not_yet_valid",
            Reason::Expired => "expired",
            Reason::OneTimeUsed => "one_time_used",
            Reason::Locked => "locked",
            Reason::Revoked => "revoked",
            Reason::UserDisabled => "user_disabled",
            Reason::InUse => "in_use",
        }
    }
}

/// Who issued a pass.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CreatedBy {
    pub kind: String,
    pub id: Option<String>,
    pub name: Option<String>,
}

/// A pass without its hash.
#[derive(Clone, Debug)]
pub struct Pass {
    pub id: String,
    pub user_id: String,
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
    pub one_time: bool,
    pub created_by: CreatedBy,
    pub created_at: OffsetDateTime,
    pub last_used_at: Option<OffsetDateTime>,
    pub used_at: Option<OffsetDateTime>,
    pub failed_attempts: i64,
    pub locked_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
    /// A one-time pass: the session holding it, and until when.
    pub held_by_session: Option<String>,
    pub held_until: Option<OffsetDateTime>,
}

impl From<&PassRow> for Pass {
    fn from(row: &PassRow) -> Self {
        Self {
            id: row.id.clone(),
            user_id: row.user_id.clone(),
            starts_at: db::from_ts(row.starts_at),
            ends_at: db::from_ts(row.ends_at),
            one_time: row.one_time != 0,
            created_by: CreatedBy {
                kind: row.created_by_kind.clone(),
                id: row.created_by_id.clone(),
                name: row.created_by_name.clone(),
            },
            created_at: db::from_ts(row.created_at),
            last_used_at: row.last_used_at.map(db::from_ts),
            used_at: row.used_at.map(db::from_ts),
            failed_attempts: row.failed_attempts,
            locked_at: row.locked_at.map(db::from_ts),
            revoked_at: row.revoked_at.map(db::from_ts),
            held_by_session: row.held_by_session.clone(),
            held_until: row.held_until.map(db::from_ts),
        }
    }
}

impl Pass {
    /// When the pass ends under `policy`: never later than its start plus the maximum lifetime in
    /// force now (a policy narrowed after issuance cuts passes already issued).
    pub fn end_under(&self, policy: &Policy) -> OffsetDateTime {
        let longest = self.starts_at + Duration::minutes(policy.max_lifetime.into());
        self.ends_at.min(longest)
    }

    /// The session holding this one-time pass at `now`, if a live hold exists.
    pub fn held_at(&self, now: OffsetDateTime) -> Option<&str> {
        match (&self.held_by_session, self.held_until) {
            (Some(sid), Some(until)) if self.one_time && self.used_at.is_none() && until > now => {
                Some(sid)
            }
            _ => None,
        }
    }

    /// The state at `now` under `policy`, for a user who is (or is not) in the policy's scope.
    /// The first reason that applies wins, the most final first. The policy in force now applies to
    /// passes issued before it: a multi-use pass is `DisabledByPolicy` while one-time passes are
    /// required, and a pass lives no longer than the maximum lifetime.
    pub fn reason(&self, policy: &Policy, in_scope: bool, now: OffsetDateTime) -> Reason {
        if self.revoked_at.is_some() {
            Reason::Revoked
        } else if !policy.enabled || (!self.one_time && policy.one_time_required) {
            Reason::DisabledByPolicy
        } else if !in_scope {
            Reason::NotInScope
        } else if now >= self.end_under(policy) {
            Reason::Expired
        } else if self.one_time && self.used_at.is_some() {
            Reason::OneTimeUsed
        } else if self.held_at(now).is_some() {
            Reason::InUse
        } else if self.locked_at.is_some()
            || self.failed_attempts >= i64::from(policy.max_failed_attempts)
        {
            Reason::Locked
        } else if now < self.starts_at {
            Reason::NotYetValid
        } else {
            Reason::EnabledByPolicy
        }
    }
}

/// What `tap show` and the API report about a pass: never the passcode or its hash.
#[derive(Clone, Debug, Serialize)]
pub struct PassView {
    pub id: String,
    pub user_id: String,
    pub username: String,
    #[serde(with = "time::serde::rfc3339")]
    pub start: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub end: OffsetDateTime,
    pub one_time: bool,
    pub created_by: CreatedBy,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used: Option<OffsetDateTime>,
    pub failed_attempts: i64,
    pub usable: bool,
    pub reason: Reason,
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
}

impl PassView {
    pub fn new(pass: &Pass, user: &User, reason: Reason) -> Self {
        Self {
            id: pass.id.clone(),
            user_id: user.id.clone(),
            username: user.username.clone(),
            start: pass.starts_at,
            end: pass.ends_at,
            one_time: pass.one_time,
            created_by: pass.created_by.clone(),
            created_at: pass.created_at,
            last_used: pass.last_used_at,
            failed_attempts: pass.failed_attempts,
            usable: reason.is_usable(),
            reason,
            revoked_at: pass.revoked_at,
        }
    }
}

/// Whether a user is in the policy's scope.
pub async fn in_scope(db: &Db, policy: &Policy, user_id: &str) -> Result<bool, AppError> {
    let groups = db::groups::ids_of_user(db.pool(), user_id).await?;
    Ok(policy.in_scope(&groups))
}

/// The state of a user's pass now.
pub async fn show(db: &Db, user: &User) -> Result<PassView, AppError> {
    let row = db::passes::find_by_user(db.pool(), &user.id)
        .await?
        .ok_or_else(|| {
            AppError::NotFound(format!("{} has no Temporary Access Pass.", user.username))
        })?;
    let policy = super::policy::load(db).await?;
    let mut pass = Pass::from(&row);
    pass.ends_at = pass.end_under(&policy);
    let reason = pass.reason(
        &policy,
        in_scope(db, &policy, &user.id).await?,
        OffsetDateTime::now_utc(),
    );
    Ok(PassView::new(&pass, user, for_account(reason, user)))
}

/// The state of a pass as its holder's account allows: a disabled account's pass is `UserDisabled`
/// unless it was revoked (the most final reason stays).
pub fn for_account(reason: Reason, user: &User) -> Reason {
    if user.enabled || reason == Reason::Revoked {
        reason
    } else {
        Reason::UserDisabled
    }
}

#[cfg(test)]
mod reason_tests {
    use super::Reason;

    #[test]
    fn the_audit_reason_of_every_pass_state_is_its_code_in_snake_case() {
        let all = [
            Reason::EnabledByPolicy,
            Reason::DisabledByPolicy,
            Reason::NotInScope,
            Reason::NotYetValid,
            Reason::Expired,
            Reason::OneTimeUsed,
            Reason::Locked,
            Reason::Revoked,
            Reason::UserDisabled,
            Reason::InUse,
        ];
        for reason in all {
            let code = reason.as_str();
            let mut snake = String::new();
            for (i, c) in code.chars().enumerate() {
                if c.is_ascii_uppercase() && i > 0 {
                    snake.push('_');
                }
                snake.push(c.to_ascii_lowercase());
            }
            assert_eq!(reason.audit_reason(), snake, "{code}");
        }
    }
}
