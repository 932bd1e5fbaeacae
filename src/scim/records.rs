//! Loading users and groups with what SCIM shows of them (profile, memberships, manager), one at a
//! time or the whole directory for a list.

use std::collections::HashMap;

use crate::db::{self, Db};
use crate::directory::profiles::{self, UserProfile};
use crate::directory::{Group, User};
use crate::error::AppError;

#[derive(Clone, Debug)]
pub struct UserRecord {
    pub user: User,
    pub profile: UserProfile,
    pub profile_at: Option<i64>,
    /// (id, name) of the groups the user belongs to.
    pub groups: Vec<(String, String)>,
}

#[derive(Clone, Debug)]
pub struct GroupRecord {
    pub group: Group,
    pub external_id: Option<String>,
    pub profile_at: Option<i64>,
    /// (id, username) of the members.
    pub members: Vec<(String, String)>,
}

pub async fn user(db: &Db, id: &str) -> Result<Option<UserRecord>, AppError> {
    let Some(user) = crate::directory::users::find_by_id(db, id).await? else {
        return Ok(None);
    };
    let (profile, profile_at) = profiles::of_user(db, &user.id).await?;
    let groups = db::profiles::groups_of_user(db.pool(), &user.id).await?;
    Ok(Some(UserRecord {
        user,
        profile,
        profile_at,
        groups,
    }))
}

pub async fn group(db: &Db, id: &str) -> Result<Option<GroupRecord>, AppError> {
    let Some(row) = db::groups::find_by_id(db.pool(), id).await? else {
        return Ok(None);
    };
    let group = Group::from(row);
    let (external_id, profile_at) = profiles::of_group(db, &group.id).await?;
    let members = db::profiles::members_of_group(db.pool(), &group.id).await?;
    Ok(Some(GroupRecord {
        group,
        external_id,
        profile_at,
        members,
    }))
}

/// What every list needs: all users, groups, profiles and memberships, read once.
struct Directory {
    users: Vec<User>,
    names: HashMap<String, String>,
    group_names: HashMap<String, String>,
    memberships: Vec<(String, String)>,
}

async fn directory(db: &Db) -> Result<Directory, AppError> {
    let users: Vec<User> = db::users::list(db.pool(), None, i64::MAX, 0)
        .await?
        .into_iter()
        .map(User::from)
        .collect();
    let names = users
        .iter()
        .map(|u| (u.id.clone(), u.username.clone()))
        .collect();
    let group_names = db::groups::list(db.pool())
        .await?
        .into_iter()
        .map(|g| (g.id, g.name))
        .collect();
    let memberships = db::profiles::all_memberships(db.pool()).await?;
    Ok(Directory {
        users,
        names,
        group_names,
        memberships,
    })
}

pub async fn all_users(db: &Db) -> Result<Vec<UserRecord>, AppError> {
    let dir = directory(db).await?;
    let mut stored = profiles::all_users(db).await?;
    let mut groups: HashMap<&str, Vec<(String, String)>> = HashMap::new();
    for (group_id, user_id) in &dir.memberships {
        if let Some(name) = dir.group_names.get(group_id) {
            groups
                .entry(user_id.as_str())
                .or_default()
                .push((group_id.clone(), name.clone()));
        }
    }
    Ok(dir
        .users
        .iter()
        .map(|user| {
            let (profile, profile_at) = match stored.remove(&user.id) {
                Some((profile, at)) => (profile, Some(at)),
                None => (UserProfile::default(), None),
            };
            let mut groups = groups.remove(user.id.as_str()).unwrap_or_default();
            groups.sort_by_key(|(_, name)| name.to_lowercase());
            UserRecord {
                user: user.clone(),
                profile,
                profile_at,
                groups,
            }
        })
        .collect())
}

pub async fn all_groups(db: &Db) -> Result<Vec<GroupRecord>, AppError> {
    let dir = directory(db).await?;
    let mut stored = profiles::all_groups(db).await?;
    let mut members: HashMap<&str, Vec<(String, String)>> = HashMap::new();
    for (group_id, user_id) in &dir.memberships {
        if let Some(name) = dir.names.get(user_id) {
            members
                .entry(group_id.as_str())
                .or_default()
                .push((user_id.clone(), name.clone()));
        }
    }
    let groups = crate::directory::groups::list(db).await?;
    Ok(groups
        .into_iter()
        .map(|group| {
            let (external_id, profile_at) = match stored.remove(&group.id) {
                Some((external_id, at)) => (external_id, Some(at)),
                None => (None, None),
            };
            let mut members = members.remove(group.id.as_str()).unwrap_or_default();
            members.sort_by_key(|(_, name)| name.to_lowercase());
            GroupRecord {
                group,
                external_id,
                profile_at,
                members,
            }
        })
        .collect())
}
