//! Creating, changing and finding users.

use serde::Serialize;
use time::OffsetDateTime;

use super::{Email, Role, Username};
use crate::audit::{self, Actor, Event, Target};
use crate::db::logout::Ending;
use crate::db::users::UserRow;
use crate::db::{self, Db, Tx};
use crate::error::AppError;

#[derive(Clone, Debug, Serialize)]
pub struct User {
    pub id: String,
    pub username: String,
    pub display_name: Option<String>,
    pub email: Option<String>,
    /// Someone checked that the address is the person's (false until marked; false again once changed).
    pub email_verified: bool,
    pub enabled: bool,
    pub roles: Vec<Role>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl User {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn target(&self) -> Target {
        Target::new("user", &self.id, &self.username)
    }

    /// The actor this user is when they act.
    pub fn actor(&self) -> Actor {
        Actor::User {
            id: self.id.clone(),
            name: self.username.clone(),
        }
    }
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> Self {
        Self {
            roles: Role::parse_list(&row.roles),
            id: row.id,
            username: row.username,
            display_name: row.display_name,
            email_verified: row.email_verified != 0 && row.email.is_some(),
            email: row.email,
            enabled: row.enabled != 0,
            created_at: db::from_ts(row.created_at),
            updated_at: db::from_ts(row.updated_at),
        }
    }
}

impl From<&User> for UserRow {
    fn from(user: &User) -> Self {
        Self {
            id: user.id.clone(),
            username: user.username.clone(),
            display_name: user.display_name.clone(),
            email: user.email.clone(),
            email_verified: i64::from(user.email_verified),
            enabled: i64::from(user.enabled),
            roles: Role::format_list(&user.roles),
            created_at: db::ts(user.created_at),
            updated_at: db::ts(user.updated_at),
        }
    }
}

#[derive(Clone, Debug)]
pub struct NewUser {
    pub username: Username,
    pub display_name: Option<String>,
    pub email: Option<Email>,
    pub email_verified: bool,
    pub roles: Vec<Role>,
    pub groups: Vec<String>,
}

impl NewUser {
    pub fn named(username: Username) -> Self {
        Self {
            username,
            display_name: None,
            email: None,
            email_verified: false,
            roles: Vec::new(),
            groups: Vec::new(),
        }
    }
}

/// Changes to a user; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct UserChanges {
    pub display_name: Option<Option<String>>,
    pub email: Option<Option<Email>>,
    /// Mark the address verified (or not). A changed address is unverified unless this says otherwise.
    pub email_verified: Option<bool>,
    pub roles: Option<Vec<Role>>,
    /// The complete set of groups the user should belong to.
    pub groups: Option<Vec<String>>,
}

fn clean_name(name: Option<String>) -> Result<Option<String>, AppError> {
    match name.map(|n| n.trim().to_string()) {
        Some(n) if n.is_empty() => Ok(None),
        Some(n) if n.chars().count() > 128 || !super::names::readable(&n) => {
            Err(AppError::invalid(
                "A display name has at most 128 characters, and no invisible or control \
                 characters (such as the right-to-left override U+202E).",
            ))
        }
        other => Ok(other),
    }
}

pub async fn create(db: &Db, actor: &Actor, new: NewUser) -> Result<User, AppError> {
    let now = db::now();
    let user = User {
        id: uuid::Uuid::new_v4().to_string(),
        username: new.username.as_str().to_string(),
        display_name: clean_name(new.display_name)?,
        email_verified: new.email_verified && new.email.is_some(),
        email: new.email.map(|e| e.as_str().to_string()),
        enabled: true,
        roles: new.roles,
        created_at: now,
        updated_at: now,
    };
    let mut tx = db.begin().await?;
    if db::users::find_by_username(&mut *tx, &user.username)
        .await?
        .is_some()
    {
        return Err(AppError::Conflict(format!(
            "A user named {} already exists.",
            user.username
        )));
    }
    db::users::insert(&mut tx, &UserRow::from(&user))
        .await
        .map_err(|e| conflict_or(e, &user.username))?;
    let groups = join_groups(&mut tx, &user, &new.groups).await?;
    audit::record(
        &mut tx,
        Event::new(actor.clone(), "user.created")
            .target(user.target())
            .detail("roles", &user.roles)
            .detail("groups", &groups)
            .detail("email", &user.email)
            .detail("email_verified", user.email_verified)
            .detail("display_name", &user.display_name),
    )
    .await?;
    tx.commit().await?;
    Ok(user)
}

fn conflict_or(error: sqlx::Error, username: &str) -> AppError {
    if db::is_unique_violation(&error) {
        AppError::Conflict(format!("A user named {username} already exists."))
    } else {
        error.into()
    }
}

async fn join_groups(tx: &mut Tx, user: &User, groups: &[String]) -> Result<Vec<String>, AppError> {
    let mut names = Vec::new();
    for name in groups {
        let group = db::groups::find_by_name(&mut **tx, name)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("There is no group named {name}.")))?;
        db::groups::add_member(tx, &group.id, &user.id).await?;
        names.push(group.name);
    }
    Ok(names)
}

/// A change to a user written in a transaction whose audit event is not yet recorded: what a role
/// change ends besides (`admin::service::users::apply`) belongs to the same transaction and event.
pub struct Staged {
    pub user: User,
    pub event: Event,
    pub roles_changed: bool,
}

/// Writes a change of a user's details, roles and groups in `tx`, returning the event to record.
/// Roles change only through `admin::service::users::apply`, which ends in the same transaction the
/// passes whose issuer may no longer issue them.
pub async fn stage_update(
    tx: &mut Tx,
    actor: &Actor,
    username: &str,
    changes: UserChanges,
) -> Result<Staged, AppError> {
    let mut user = find_in(tx, username).await?;
    let mut event = Event::new(actor.clone(), "user.updated").target(user.target());
    if let Some(name) = changes.display_name {
        user.display_name = clean_name(name)?;
        event = event.detail("display_name", &user.display_name);
    }
    let touches_email = changes.email.is_some() || changes.email_verified.is_some();
    if let Some(email) = changes.email {
        let email = email.map(|e| e.as_str().to_string());
        if email != user.email {
            user.email_verified = false;
        }
        user.email = email;
        event = event.detail("email", &user.email);
    }
    if let Some(verified) = changes.email_verified {
        if verified && user.email.is_none() {
            return Err(AppError::invalid(
                "there is no email address to mark as verified",
            ));
        }
        user.email_verified = verified;
    }
    if touches_email {
        event = event.detail("email_verified", user.email_verified);
    }
    let mut roles_changed = false;
    if let Some(mut roles) = changes.roles {
        roles.sort();
        roles.dedup();
        event = event
            .detail("roles_before", &user.roles)
            .detail("roles", &roles);
        if roles != user.roles {
            event = event.severity(audit::Severity::High);
            roles_changed = true;
        }
        user.roles = roles;
    }
    if let Some(groups) = changes.groups {
        let before = db::groups::ids_of_user(&mut **tx, &user.id).await?;
        for group_id in &before {
            db::groups::remove_member(tx, group_id, &user.id).await?;
        }
        let names = join_groups(tx, &user, &groups).await?;
        event = event.detail("groups", names);
    }
    user.updated_at = db::now();
    db::users::update(tx, &UserRow::from(&user)).await?;
    Ok(Staged {
        user,
        event,
        roles_changed,
    })
}

pub async fn set_enabled(
    db: &Db,
    actor: &Actor,
    username: &str,
    enabled: bool,
) -> Result<User, AppError> {
    let mut tx = db.begin().await?;
    let mut user = find_in(&mut tx, username).await?;
    user.enabled = enabled;
    user.updated_at = db::now();
    db::users::update(&mut tx, &UserRow::from(&user)).await?;
    let mut event = Event::new(actor.clone(), "user.enabled").target(user.target());
    if !enabled {
        // A disabled person is signed out everywhere at once: sessions end, tokens are revoked.
        let sessions = db::sessions::end(
            &mut tx,
            Ending::User(&user.id),
            "user_disabled",
            db::ts(db::now()),
        )
        .await?;
        let tokens = db::tokens::revoke_by_user(&mut tx, &user.id).await?;
        event = Event::new(actor.clone(), "user.disabled")
            .target(user.target())
            .detail("sessions_ended", sessions)
            .detail("tokens_revoked", tokens);
    }
    audit::record(&mut tx, event).await?;
    tx.commit().await?;
    Ok(user)
}

/// What signing a person out ended.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SignedOut {
    pub sessions_ended: u64,
    pub tokens_revoked: u64,
}

/// Signs a person out everywhere (from the console or the API): every session ends — and, through the
/// logout outbox, the applications' sessions that began from them — and every token is revoked.
pub async fn sign_out(db: &Db, actor: &Actor, user: &User) -> Result<SignedOut, AppError> {
    let mut tx = db.begin().await?;
    let now = db::ts(db::now());
    let sessions = db::sessions::end(&mut tx, Ending::User(&user.id), "signed_out", now).await?;
    let tokens = db::tokens::revoke_by_user(&mut tx, &user.id).await?;
    audit::record(
        &mut tx,
        Event::new(actor.clone(), "user.signed_out")
            .target(user.target())
            .detail("reason", "administrator")
            .detail("sessions_ended", sessions)
            .detail("tokens_revoked", tokens),
    )
    .await?;
    tx.commit().await?;
    Ok(SignedOut {
        sessions_ended: sessions,
        tokens_revoked: tokens,
    })
}

pub async fn remove(db: &Db, actor: &Actor, username: &str) -> Result<User, AppError> {
    let mut tx = db.begin().await?;
    let user = find_in(&mut tx, username).await?;
    db::users::delete(&mut tx, &user.id).await?;
    audit::record(
        &mut tx,
        Event::new(actor.clone(), "user.removed").target(user.target()),
    )
    .await?;
    tx.commit().await?;
    Ok(user)
}

async fn find_in(tx: &mut Tx, username: &str) -> Result<User, AppError> {
    db::users::find_by_username(&mut **tx, username)
        .await?
        .map(User::from)
        .ok_or_else(|| AppError::NotFound(format!("There is no user named {username}.")))
}

/// The user with this username, or `NotFound`.
pub async fn get_by_username(db: &Db, username: &str) -> Result<User, AppError> {
    find_by_username(db, username)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("There is no user named {username}.")))
}

pub async fn find_by_username(db: &Db, username: &str) -> Result<Option<User>, AppError> {
    Ok(db::users::find_by_username(db.pool(), username)
        .await?
        .map(User::from))
}

pub async fn find_by_id(db: &Db, id: &str) -> Result<Option<User>, AppError> {
    Ok(db::users::find_by_id(db.pool(), id).await?.map(User::from))
}

pub async fn list(
    db: &Db,
    search: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<Vec<User>, AppError> {
    let rows = db::users::list(db.pool(), search, limit.clamp(1, 1000), offset.max(0)).await?;
    Ok(rows.into_iter().map(User::from).collect())
}

/// A page of users after the username `after` (by username): up to `limit`, and whether more follow.
pub async fn list_after(
    db: &Db,
    search: Option<&str>,
    after: &str,
    limit: i64,
) -> Result<(Vec<User>, bool), AppError> {
    let limit = limit.clamp(1, 1000);
    let mut rows = db::users::list_after(db.pool(), search, after, limit + 1).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    Ok((rows.into_iter().map(User::from).collect(), more))
}

pub async fn groups_of(db: &Db, user: &User) -> Result<Vec<String>, AppError> {
    Ok(db::groups::names_of_user(db.pool(), &user.id).await?)
}
