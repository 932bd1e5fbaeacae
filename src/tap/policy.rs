//! The pass policy: one per deployment, stored in the database, validated on every change.
//!
//! A pass's state is computed from its stored facts and the policy as it is *now*, so narrowing the
//! policy takes effect on passes already issued (and on the restricted sessions they opened,
//! `tap::restricted`): disabled, one-time required, out of scope, or cut to a shorter lifetime.

use serde::Serialize;

use crate::audit::{self, Actor, Event, Severity};
use crate::db::tap_policy::{PolicyGroupRow, PolicyRow};
use crate::db::{self, Db, Tx};
use crate::error::AppError;

/// Lifetimes (minutes) any policy may allow.
pub const LIFETIME_RANGE: (u32, u32) = (10, 43_200);
/// Passcode lengths any policy may ask for.
pub const LENGTH_RANGE: (u32, u32) = (8, 48);
pub const MAX_FAILED_RANGE: (u32, u32) = (1, 100);
/// Minutes a restricted session may last.
pub const ENROLLMENT_WINDOW_RANGE: (u32, u32) = (1, 1_440);

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PolicyGroup {
    pub id: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Policy {
    pub enabled: bool,
    /// Everyone is in scope (minus the excluded groups); otherwise only members of `include_groups`.
    pub all_users: bool,
    pub include_groups: Vec<PolicyGroup>,
    pub exclude_groups: Vec<PolicyGroup>,
    /// Minutes.
    pub min_lifetime: u32,
    pub max_lifetime: u32,
    pub default_lifetime: u32,
    pub default_length: u32,
    pub one_time_required: bool,
    pub max_failed_attempts: u32,
    /// Minutes a restricted session (after a pass sign-in) may last, capped by the pass's end.
    pub enrollment_window: u32,
}

impl Policy {
    /// Whether a user belonging to these groups (ids) is in scope.
    pub fn in_scope(&self, group_ids: &[String]) -> bool {
        let member = |groups: &[PolicyGroup]| groups.iter().any(|g| group_ids.contains(&g.id));
        (self.all_users || member(&self.include_groups)) && !member(&self.exclude_groups)
    }

    fn from_rows(row: PolicyRow, groups: Vec<PolicyGroupRow>) -> Self {
        let pick = |mode: &str| {
            groups
                .iter()
                .filter(|g| g.mode == mode)
                .map(|g| PolicyGroup {
                    id: g.group_id.clone(),
                    name: g.name.clone(),
                })
                .collect()
        };
        let minutes = |v: i64| u32::try_from(v).unwrap_or(0);
        Self {
            enabled: row.enabled != 0,
            all_users: row.all_users != 0,
            include_groups: pick("include"),
            exclude_groups: pick("exclude"),
            min_lifetime: minutes(row.min_lifetime),
            max_lifetime: minutes(row.max_lifetime),
            default_lifetime: minutes(row.default_lifetime),
            default_length: minutes(row.default_length),
            one_time_required: row.one_time_required != 0,
            max_failed_attempts: minutes(row.max_failed_attempts),
            enrollment_window: minutes(row.enrollment_window),
        }
    }

    fn to_row(&self) -> PolicyRow {
        PolicyRow {
            enabled: i64::from(self.enabled),
            all_users: i64::from(self.all_users),
            min_lifetime: i64::from(self.min_lifetime),
            max_lifetime: i64::from(self.max_lifetime),
            default_lifetime: i64::from(self.default_lifetime),
            default_length: i64::from(self.default_length),
            one_time_required: i64::from(self.one_time_required),
            max_failed_attempts: i64::from(self.max_failed_attempts),
            enrollment_window: i64::from(self.enrollment_window),
            updated_at: db::ts(db::now()),
        }
    }

    /// Checks every rule a policy must satisfy, naming the first one broken.
    pub fn validate(&self) -> Result<(), AppError> {
        let range = |name: &str, value: u32, (lo, hi): (u32, u32)| {
            if (lo..=hi).contains(&value) {
                Ok(())
            } else {
                Err(AppError::invalid(format!(
                    "{name} must be between {lo} and {hi} (got {value})"
                )))
            }
        };
        range("the minimum lifetime", self.min_lifetime, LIFETIME_RANGE)?;
        range("the maximum lifetime", self.max_lifetime, LIFETIME_RANGE)?;
        range(
            "the default lifetime",
            self.default_lifetime,
            LIFETIME_RANGE,
        )?;
        range("the length", self.default_length, LENGTH_RANGE)?;
        range(
            "the failed attempts before a pass locks",
            self.max_failed_attempts,
            MAX_FAILED_RANGE,
        )?;
        range(
            "the enrollment window",
            self.enrollment_window,
            ENROLLMENT_WINDOW_RANGE,
        )?;
        if !(self.min_lifetime <= self.default_lifetime
            && self.default_lifetime <= self.max_lifetime)
        {
            return Err(AppError::invalid(format!(
                "The shortest lifetime must be at most the default one, and the default at most the \
                 longest (now {}, {} and {} minutes).",
                self.min_lifetime, self.default_lifetime, self.max_lifetime
            )));
        }
        if let Some(g) = self
            .include_groups
            .iter()
            .find(|g| self.exclude_groups.contains(g))
        {
            return Err(AppError::invalid(format!(
                "The group {} cannot be both included and excluded.",
                g.name
            )));
        }
        Ok(())
    }
}

/// Who is in scope, as a change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScopeChange {
    AllUsers,
    /// Only members of these groups (names).
    Groups(Vec<String>),
}

/// Changes to the policy; `None` leaves a setting as it is.
#[derive(Clone, Debug, Default)]
pub struct PolicyChanges {
    pub enabled: Option<bool>,
    pub min_lifetime: Option<u32>,
    pub max_lifetime: Option<u32>,
    pub default_lifetime: Option<u32>,
    pub default_length: Option<u32>,
    pub one_time_required: Option<bool>,
    pub scope: Option<ScopeChange>,
    /// The complete list of excluded groups (names).
    pub exclude_groups: Option<Vec<String>>,
    pub max_failed_attempts: Option<u32>,
    pub enrollment_window: Option<u32>,
}

/// The policy as stored now.
pub async fn load(db: &Db) -> Result<Policy, AppError> {
    let row = db::tap_policy::get(db.pool()).await?;
    let groups = db::tap_policy::groups(db.pool()).await?;
    Ok(Policy::from_rows(row, groups))
}

async fn load_in(tx: &mut Tx) -> Result<Policy, AppError> {
    let row = db::tap_policy::get(&mut **tx).await?;
    let groups = db::tap_policy::groups(&mut **tx).await?;
    Ok(Policy::from_rows(row, groups))
}

/// Applies changes after validating the result; records `policy.updated` with before and after.
pub async fn update(
    db: &Db,
    actor: &Actor,
    changes: PolicyChanges,
    address: Option<String>,
) -> Result<Policy, AppError> {
    let mut tx = db.begin().await?;
    let before = load_in(&mut tx).await?;
    let mut after = before.clone();
    let set = |target: &mut u32, value: Option<u32>| {
        if let Some(v) = value {
            *target = v;
        }
    };
    if let Some(enabled) = changes.enabled {
        after.enabled = enabled;
    }
    if let Some(required) = changes.one_time_required {
        after.one_time_required = required;
    }
    set(&mut after.min_lifetime, changes.min_lifetime);
    set(&mut after.max_lifetime, changes.max_lifetime);
    set(&mut after.default_lifetime, changes.default_lifetime);
    set(&mut after.default_length, changes.default_length);
    set(&mut after.max_failed_attempts, changes.max_failed_attempts);
    set(&mut after.enrollment_window, changes.enrollment_window);
    match changes.scope {
        Some(ScopeChange::AllUsers) => {
            after.all_users = true;
            after.include_groups.clear();
        }
        Some(ScopeChange::Groups(names)) => {
            after.all_users = false;
            after.include_groups = resolve_groups(&mut tx, &names).await?;
        }
        None => {}
    }
    if let Some(names) = changes.exclude_groups {
        after.exclude_groups = resolve_groups(&mut tx, &names).await?;
    }
    after.validate()?;
    if after == before {
        return Ok(after);
    }
    db::tap_policy::update(&mut tx, &after.to_row()).await?;
    let ids = |groups: &[PolicyGroup]| groups.iter().map(|g| g.id.clone()).collect::<Vec<_>>();
    db::tap_policy::set_groups(&mut tx, "include", &ids(&after.include_groups)).await?;
    db::tap_policy::set_groups(&mut tx, "exclude", &ids(&after.exclude_groups)).await?;
    // A shorter maximum lifetime cuts passes already issued to it; the expiry task then ends what
    // began with them when their new end passes.
    let cut = if after.max_lifetime < before.max_lifetime {
        db::passes::cut_to_lifetime(&mut tx, i64::from(after.max_lifetime) * 60).await?
    } else {
        0
    };
    audit::record(
        &mut tx,
        Event::new(actor.clone(), "policy.updated")
            .severity(Severity::High)
            .address(address)
            .detail("policy", "temporary_access_pass")
            .detail("before", &before)
            .detail("after", &after)
            .detail("passes_cut", cut),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

async fn resolve_groups(tx: &mut Tx, names: &[String]) -> Result<Vec<PolicyGroup>, AppError> {
    let mut groups: Vec<PolicyGroup> = Vec::new();
    for name in names {
        let group = db::groups::find_by_name(&mut **tx, name)
            .await?
            .ok_or_else(|| AppError::invalid(format!("There is no group named {name}.")))?;
        if !groups.iter().any(|g| g.id == group.id) {
            groups.push(PolicyGroup {
                id: group.id,
                name: group.name,
            });
        }
    }
    groups.sort_by_key(|g| g.name.to_lowercase());
    Ok(groups)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> Policy {
        Policy {
            enabled: true,
            all_users: true,
            include_groups: vec![],
            exclude_groups: vec![],
            min_lifetime: 60,
            max_lifetime: 480,
            default_lifetime: 60,
            default_length: 8,
            one_time_required: false,
            max_failed_attempts: 5,
            enrollment_window: 10,
        }
    }

    fn group(id: &str) -> PolicyGroup {
        PolicyGroup {
            id: id.into(),
            name: id.into(),
        }
    }

    #[test]
    fn the_defaults_are_valid() {
        assert!(defaults().validate().is_ok());
    }

    #[test]
    fn lifetimes_must_be_ordered_and_in_range() {
        let p = Policy {
            default_lifetime: 500,
            ..defaults()
        };
        assert!(p.validate().is_err());
        let p = Policy {
            min_lifetime: 5,
            ..defaults()
        };
        assert!(p.validate().is_err());
        let p = Policy {
            max_lifetime: 43_201,
            ..defaults()
        };
        assert!(p.validate().is_err());
        let p = Policy {
            default_length: 49,
            ..defaults()
        };
        assert!(p.validate().is_err());
    }

    #[test]
    fn scope_is_included_groups_minus_excluded_ones() {
        let only_staff = Policy {
            all_users: false,
            include_groups: vec![group("staff")],
            exclude_groups: vec![group("vip")],
            ..defaults()
        };
        assert!(only_staff.in_scope(&["staff".into()]));
        assert!(!only_staff.in_scope(&[]));
        assert!(!only_staff.in_scope(&["staff".into(), "vip".into()]));
        let nobody = Policy {
            all_users: false,
            ..defaults()
        };
        assert!(!nobody.in_scope(&["staff".into()]));
        assert!(defaults().in_scope(&[]));
    }
}
