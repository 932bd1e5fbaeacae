//! Groups and memberships. Creating and removing groups is for administrators (groups decide who is in
//! the pass policy's scope); memberships follow the rule for the member.

use serde::Serialize;

use super::rules;
use crate::db::{self, Db};
use crate::directory::{self, Group, GroupName, User};
use crate::error::AppError;
use crate::tap::Authority;

#[derive(Clone, Debug, Serialize)]
pub struct Member {
    pub id: String,
    pub username: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct GroupDetail {
    #[serde(flatten)]
    pub group: Group,
    pub member_list: Vec<Member>,
}

pub async fn list(db: &Db, authority: &Authority) -> Result<Vec<Group>, AppError> {
    rules::may_read(authority)?;
    directory::groups::list(db).await
}

async fn find(db: &Db, id: &str) -> Result<Group, AppError> {
    db::groups::find_by_id(db.pool(), id)
        .await?
        .map(Group::from)
        .ok_or_else(|| AppError::NotFound(format!("There is no group with the id {id}.")))
}

pub async fn get(db: &Db, authority: &Authority, id: &str) -> Result<GroupDetail, AppError> {
    rules::may_read(authority)?;
    let group = find(db, id).await?;
    let mut member_list = Vec::new();
    for username in directory::groups::members(db, &group).await? {
        if let Some(user) = directory::users::find_by_username(db, &username).await? {
            member_list.push(Member {
                id: user.id,
                username: user.username,
            });
        }
    }
    Ok(GroupDetail { group, member_list })
}

pub async fn create(db: &Db, authority: &Authority, name: &str) -> Result<Group, AppError> {
    rules::may_administer(authority, "create groups")?;
    directory::groups::create(db, &authority.actor(), &GroupName::parse(name)?).await
}

/// Renames a group (admin only: group names decide the pass policy's scope in the console).
pub async fn rename(
    db: &Db,
    authority: &Authority,
    id: &str,
    name: &str,
) -> Result<Group, AppError> {
    rules::may_administer(authority, "rename groups")?;
    let group = find(db, id).await?;
    directory::groups::rename(
        db,
        &authority.actor(),
        &group.name,
        &GroupName::parse(name)?,
    )
    .await
}

pub async fn remove(db: &Db, authority: &Authority, id: &str) -> Result<Group, AppError> {
    rules::may_administer(authority, "remove groups")?;
    let group = find(db, id).await?;
    directory::groups::remove(db, &authority.actor(), &group.name).await
}

/// Adds (`true`) or removes a member; returns whether anything changed.
pub async fn set_member(
    db: &Db,
    authority: &Authority,
    group_id: &str,
    user: &User,
    member: bool,
) -> Result<bool, AppError> {
    let group = find(db, group_id).await?;
    rules::may_manage(authority, user, "change group memberships")?;
    let actor = authority.actor();
    if member {
        directory::groups::add_member(db, &actor, &group.name, &user.username).await
    } else {
        directory::groups::remove_member(db, &actor, &group.name, &user.username).await
    }
}
