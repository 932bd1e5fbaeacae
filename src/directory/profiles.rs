//! What provisioning knows about a person or group beyond the directory's own fields (the HR system's
//! `externalId`, name parts, the enterprise extension, the time zone). Each change is audited.

use crate::audit::{self, Actor, Event, Target};
use crate::db::profiles::{GroupProfileRow, UserProfileRow};
use crate::db::{self, Db};
use crate::error::AppError;

/// A person's profile; every field optional.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserProfile {
    pub external_id: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub employee_number: Option<String>,
    pub department: Option<String>,
    /// The manager's user id.
    pub manager_id: Option<String>,
    /// An IANA time zone name.
    pub time_zone: Option<String>,
    /// The type of the one email address kept (`work`, `home`, …).
    pub email_type: Option<String>,
    /// Whether the HR system marked it primary, when it said.
    pub email_primary: Option<bool>,
    /// The day the person starts, as the HR system sent it (SCIM, tapid's extension `startDate`).
    pub start_date: Option<String>,
}

impl UserProfile {
    fn from_row(row: UserProfileRow) -> Self {
        Self {
            external_id: row.external_id,
            given_name: row.given_name,
            family_name: row.family_name,
            employee_number: row.employee_number,
            department: row.department,
            manager_id: row.manager_id,
            time_zone: row.time_zone,
            email_type: row.email_type,
            email_primary: row.email_primary.map(|p| p != 0),
            start_date: row.start_date,
        }
    }

    /// Checks lengths and characters of every field.
    pub fn validate(&self) -> Result<(), AppError> {
        let fields = [
            ("externalId", &self.external_id),
            ("name.givenName", &self.given_name),
            ("name.familyName", &self.family_name),
            ("employeeNumber", &self.employee_number),
            ("department", &self.department),
            ("manager", &self.manager_id),
            ("timezone", &self.time_zone),
            ("emails.type", &self.email_type),
            ("startDate", &self.start_date),
        ];
        for (name, value) in fields {
            check_text(name, value.as_deref())?;
        }
        Ok(())
    }
}

/// At most 256 printable characters.
pub fn check_text(name: &str, value: Option<&str>) -> Result<(), AppError> {
    match value {
        Some(v) if v.chars().count() > 256 || !super::names::readable(v) => Err(AppError::invalid(
            format!("{name}: at most 256 characters, and no invisible or control characters"),
        )),
        _ => Ok(()),
    }
}

/// A user's profile (empty when none was stored) and when it last changed.
pub async fn of_user(db: &Db, user_id: &str) -> Result<(UserProfile, Option<i64>), AppError> {
    Ok(match db::profiles::find_user(db.pool(), user_id).await? {
        Some(row) => {
            let at = row.updated_at;
            (UserProfile::from_row(row), Some(at))
        }
        None => (UserProfile::default(), None),
    })
}

/// Every stored profile, by user id, with when it last changed.
pub async fn all_users(
    db: &Db,
) -> Result<std::collections::HashMap<String, (UserProfile, i64)>, AppError> {
    Ok(db::profiles::all_users(db.pool())
        .await?
        .into_iter()
        .map(|row| {
            let (id, at) = (row.user_id.clone(), row.updated_at);
            (id, (UserProfile::from_row(row), at))
        })
        .collect())
}

/// Stores `profile` for the user if it differs from what is stored, with a `user.profile_updated`
/// event naming the fields that changed (their new values: none is secret). Returns whether it changed.
pub async fn set_user(
    db: &Db,
    actor: &Actor,
    target: Target,
    user_id: &str,
    profile: &UserProfile,
) -> Result<bool, AppError> {
    profile.validate()?;
    let mut tx = db.begin().await?;
    let before = db::profiles::find_user(&mut *tx, user_id)
        .await?
        .map(UserProfile::from_row)
        .unwrap_or_default();
    if &before == profile {
        return Ok(false);
    }
    let mut event = Event::new(actor.clone(), "user.profile_updated").target(target);
    let pairs = [
        ("external_id", &before.external_id, &profile.external_id),
        ("given_name", &before.given_name, &profile.given_name),
        ("family_name", &before.family_name, &profile.family_name),
        (
            "employee_number",
            &before.employee_number,
            &profile.employee_number,
        ),
        ("department", &before.department, &profile.department),
        ("manager_id", &before.manager_id, &profile.manager_id),
        ("time_zone", &before.time_zone, &profile.time_zone),
        ("email_type", &before.email_type, &profile.email_type),
        ("start_date", &before.start_date, &profile.start_date),
    ];
    for (name, old, new) in pairs {
        if old != new {
            event = event.detail(name, new);
        }
    }
    if before.email_primary != profile.email_primary {
        event = event.detail("email_primary", profile.email_primary);
    }
    let row = UserProfileRow {
        user_id: user_id.to_string(),
        external_id: profile.external_id.clone(),
        given_name: profile.given_name.clone(),
        family_name: profile.family_name.clone(),
        employee_number: profile.employee_number.clone(),
        department: profile.department.clone(),
        manager_id: profile.manager_id.clone(),
        time_zone: profile.time_zone.clone(),
        email_type: profile.email_type.clone(),
        email_primary: profile.email_primary.map(i64::from),
        start_date: profile.start_date.clone(),
        updated_at: db::ts(db::now()),
    };
    db::profiles::put_user(&mut tx, &row).await?;
    audit::record(&mut tx, event).await?;
    tx.commit().await?;
    Ok(true)
}

/// A group's `externalId` and when its profile last changed.
pub async fn of_group(db: &Db, group_id: &str) -> Result<(Option<String>, Option<i64>), AppError> {
    Ok(match db::profiles::find_group(db.pool(), group_id).await? {
        Some(row) => (row.external_id, Some(row.updated_at)),
        None => (None, None),
    })
}

pub async fn all_groups(
    db: &Db,
) -> Result<std::collections::HashMap<String, (Option<String>, i64)>, AppError> {
    Ok(db::profiles::all_groups(db.pool())
        .await?
        .into_iter()
        .map(|row| (row.group_id, (row.external_id, row.updated_at)))
        .collect())
}

/// Stores a group's `externalId` (audited as `group.profile_updated`) and marks the group changed now,
/// which `touch` alone also does (after membership changes).
pub async fn set_group(
    db: &Db,
    actor: &Actor,
    target: Target,
    group_id: &str,
    external_id: Option<&str>,
) -> Result<bool, AppError> {
    check_text("externalId", external_id)?;
    let mut tx = db.begin().await?;
    let before = db::profiles::find_group(&mut *tx, group_id).await?;
    let changed = before.as_ref().and_then(|r| r.external_id.as_deref()) != external_id;
    let row = GroupProfileRow {
        group_id: group_id.to_string(),
        external_id: external_id.map(str::to_string),
        updated_at: db::ts(db::now()),
    };
    db::profiles::put_group(&mut tx, &row).await?;
    if changed {
        audit::record(
            &mut tx,
            Event::new(actor.clone(), "group.profile_updated")
                .target(target)
                .detail("external_id", external_id),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(changed)
}
