//! Groups and memberships.

use serde::Serialize;
use time::OffsetDateTime;

use super::GroupName;
use crate::audit::{self, Actor, Event, Target};
use crate::db::groups::GroupRow;
use crate::db::{self, Db, Tx};
use crate::error::AppError;

#[derive(Clone, Debug, Serialize)]
pub struct Group {
    pub id: String,
    pub name: String,
    pub members: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl From<GroupRow> for Group {
    fn from(row: GroupRow) -> Self {
        Self {
            id: row.id,
            name: row.name,
            members: row.members,
            created_at: db::from_ts(row.created_at),
        }
    }
}

impl Group {
    pub fn target(&self) -> Target {
        Target::new("group", &self.id, &self.name)
    }
}

pub async fn create(db: &Db, actor: &Actor, name: &GroupName) -> Result<Group, AppError> {
    let group = Group {
        id: uuid::Uuid::new_v4().to_string(),
        name: name.as_str().to_string(),
        members: 0,
        created_at: db::now(),
    };
    let mut tx = db.begin().await?;
    let exists = || AppError::Conflict(format!("A group named {} already exists.", group.name));
    if db::groups::find_by_name(&mut *tx, &group.name)
        .await?
        .is_some()
    {
        return Err(exists());
    }
    db::groups::insert(&mut tx, &group.id, &group.name, db::ts(group.created_at))
        .await
        .map_err(|e| {
            if db::is_unique_violation(&e) {
                exists()
            } else {
                e.into()
            }
        })?;
    audit::record(
        &mut tx,
        Event::new(actor.clone(), "group.created").target(group.target()),
    )
    .await?;
    tx.commit().await?;
    Ok(group)
}

/// Renames a group (its id, members and the policy's references to it stay).
pub async fn rename(
    db: &Db,
    actor: &Actor,
    name: &str,
    new_name: &GroupName,
) -> Result<Group, AppError> {
    let mut tx = db.begin().await?;
    let mut group = find_in(&mut tx, name).await?;
    if group.name == new_name.as_str() {
        return Ok(group);
    }
    let exists = || {
        AppError::Conflict(format!(
            "A group named {} already exists.",
            new_name.as_str()
        ))
    };
    if let Some(other) = db::groups::find_by_name(&mut *tx, new_name.as_str()).await? {
        if other.id != group.id {
            return Err(exists());
        }
    }
    db::groups::rename(&mut tx, &group.id, new_name.as_str())
        .await
        .map_err(|e| {
            if db::is_unique_violation(&e) {
                exists()
            } else {
                e.into()
            }
        })?;
    let before = std::mem::replace(&mut group.name, new_name.as_str().to_string());
    audit::record(
        &mut tx,
        Event::new(actor.clone(), "group.renamed")
            .target(group.target())
            .detail("name_before", before),
    )
    .await?;
    tx.commit().await?;
    Ok(group)
}

pub async fn remove(db: &Db, actor: &Actor, name: &str) -> Result<Group, AppError> {
    let mut tx = db.begin().await?;
    let group = find_in(&mut tx, name).await?;
    db::groups::delete(&mut tx, &group.id).await?;
    audit::record(
        &mut tx,
        Event::new(actor.clone(), "group.removed")
            .target(group.target())
            .detail("members", group.members),
    )
    .await?;
    tx.commit().await?;
    Ok(group)
}

/// Adds a user to a group. Adding an existing member is not an error and records nothing.
pub async fn add_member(
    db: &Db,
    actor: &Actor,
    group: &str,
    username: &str,
) -> Result<bool, AppError> {
    change_membership(db, actor, group, username, true).await
}

/// Removes a user from a group; an error if they were not a member.
pub async fn remove_member(
    db: &Db,
    actor: &Actor,
    group: &str,
    username: &str,
) -> Result<bool, AppError> {
    change_membership(db, actor, group, username, false).await
}

async fn change_membership(
    db: &Db,
    actor: &Actor,
    group: &str,
    username: &str,
    add: bool,
) -> Result<bool, AppError> {
    let mut tx = db.begin().await?;
    let group = find_in(&mut tx, group).await?;
    let user = db::users::find_by_username(&mut *tx, username)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("There is no user named {username}.")))?;
    let changed = if add {
        db::groups::add_member(&mut tx, &group.id, &user.id).await?
    } else {
        let removed = db::groups::remove_member(&mut tx, &group.id, &user.id).await?;
        if !removed {
            return Err(AppError::NotFound(format!(
                "{} is not a member of the group {}.",
                user.username, group.name
            )));
        }
        removed
    };
    if changed {
        let action = if add {
            "group.member_added"
        } else {
            "group.member_removed"
        };
        audit::record(
            &mut tx,
            Event::new(actor.clone(), action)
                .target(Target::new("user", &user.id, &user.username))
                .detail("group", &group.name)
                .detail("group_id", &group.id),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(changed)
}

async fn find_in(tx: &mut Tx, name: &str) -> Result<Group, AppError> {
    db::groups::find_by_name(&mut **tx, name)
        .await?
        .map(Group::from)
        .ok_or_else(|| AppError::NotFound(format!("There is no group named {name}.")))
}

pub async fn get(db: &Db, name: &str) -> Result<Group, AppError> {
    db::groups::find_by_name(db.pool(), name)
        .await?
        .map(Group::from)
        .ok_or_else(|| AppError::NotFound(format!("There is no group named {name}.")))
}

pub async fn list(db: &Db) -> Result<Vec<Group>, AppError> {
    Ok(db::groups::list(db.pool())
        .await?
        .into_iter()
        .map(Group::from)
        .collect())
}

pub async fn members(db: &Db, group: &Group) -> Result<Vec<String>, AppError> {
    Ok(db::groups::member_names(db.pool(), &group.id).await?)
}
