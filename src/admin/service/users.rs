//! Users: find, read in detail, create, change, enable or disable, remove.

use serde::Serialize;

use time::OffsetDateTime;

use super::audit::AuditEvent;
use super::rules::{self, Power};
use crate::audit::{self, Actor};
use crate::db::user_list::{UserFilter, UserListRow};
use crate::db::{self, Db};
use crate::directory::{self, Email, NewUser, Role, User, UserChanges, Username};
use crate::error::AppError;
use crate::methods::{self, Method};
use crate::tap::{self, Authority, PassView};

/// A new user as asked for.
#[derive(Clone, Debug, Default)]
pub struct UserInput {
    pub username: String,
    pub display_name: Option<String>,
    pub email: Option<String>,
    /// Administrators only.
    pub email_verified: bool,
    pub roles: Vec<Role>,
    /// Group names.
    pub groups: Vec<String>,
}

/// Changes to a user; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct UserEdit {
    pub display_name: Option<Option<String>>,
    pub email: Option<Option<String>>,
    /// Administrators only: relying parties trust a verified address.
    pub email_verified: Option<bool>,
    pub roles: Option<Vec<Role>>,
    /// The complete set of group names.
    pub groups: Option<Vec<String>>,
    pub enabled: Option<bool>,
}

/// What the console's user page and `GET /api/v1/users/{id}?detail` show.
#[derive(Clone, Debug, Serialize)]
pub struct UserDetail {
    #[serde(flatten)]
    pub user: User,
    pub groups: Vec<String>,
    pub methods: Vec<Method>,
    pub pass: Option<PassView>,
    pub recent_sign_ins: Vec<AuditEvent>,
}

fn email(value: Option<String>) -> Result<Option<Email>, AppError> {
    match value.map(|v| v.trim().to_string()) {
        Some(v) if !v.is_empty() => Ok(Some(Email::parse(&v)?)),
        _ => Ok(None),
    }
}

/// Who a list of users holds (see [`list`]); `None` lets everyone through.
#[derive(Clone, Debug, Default)]
pub struct UserQuery {
    /// A fragment of the username, name or email.
    pub search: Option<String>,
    pub role: Option<RoleFilter>,
    pub enabled: Option<bool>,
    /// Holds a pass usable now (or not).
    pub usable_pass: Option<bool>,
    /// Has at least one sign-in method (or none).
    pub has_methods: Option<bool>,
}

/// A role to filter users by: one of the roles, or none at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoleFilter {
    Holds(Role),
    NoRole,
}

impl std::str::FromStr for RoleFilter {
    type Err = AppError;

    fn from_str(s: &str) -> Result<Self, AppError> {
        match s {
            "none" => Ok(Self::NoRole),
            other => other.parse().map(Self::Holds).map_err(|_| {
                AppError::Invalid(format!(
                    "role must be admin, helpdesk or none, not {}",
                    other.chars().take(40).collect::<String>()
                ))
            }),
        }
    }
}

/// A user on a list: their pass's state and how many methods they have, beside the user.
#[derive(Clone, Debug, Serialize)]
pub struct ListedUser {
    #[serde(flatten)]
    pub user: User,
    pub method_count: i64,
    pub pass: Option<PassView>,
}

/// One page of a list of users, and how many match in all.
#[derive(Clone, Debug, Serialize)]
pub struct UserPage {
    pub items: Vec<ListedUser>,
    /// The offset of the next page, when there is one.
    pub next: Option<String>,
    /// How many users match the query, on every page.
    pub total: i64,
}

/// The users that `query` lets through, by username, `limit` from `offset`: two statements (the page
/// with its passes and method counts, and the total), and the policy their passes are judged by.
pub async fn list(
    db: &Db,
    authority: &Authority,
    query: &UserQuery,
    limit: i64,
    offset: i64,
) -> Result<UserPage, AppError> {
    rules::may_read(authority)?;
    let now = OffsetDateTime::now_utc();
    let filter = UserFilter {
        search: query
            .search
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        role: query.role.map(|r| match r {
            RoleFilter::Holds(role) => role.as_str().to_string(),
            RoleFilter::NoRole => "none".to_string(),
        }),
        enabled: query.enabled,
        usable_pass: query.usable_pass,
        has_methods: query.has_methods,
        now: db::ts(now),
    };
    let limit = limit.clamp(1, super::MAX_PAGE);
    let offset = offset.max(0);
    let rows = db::user_list::page(db, &filter, limit, offset).await?;
    let total = db::user_list::total(db, &filter).await?;
    let policy = tap::policy::load(db).await?;
    let items = rows
        .into_iter()
        .map(|row| listed(row, &policy, now))
        .collect();
    let next = (offset + limit < total).then(|| (offset + limit).to_string());
    Ok(UserPage { items, next, total })
}

fn listed(row: UserListRow, policy: &tap::Policy, now: OffsetDateTime) -> ListedUser {
    let user = User::from(row.user.clone());
    let pass = pass_of(&row).map(|mut pass| {
        pass.ends_at = pass.end_under(policy);
        let reason = pass.reason(policy, row.pass_in_scope != 0, now);
        PassView::new(&pass, &user, tap::pass::for_account(reason, &user))
    });
    ListedUser {
        user,
        method_count: row.method_count,
        pass,
    }
}

fn pass_of(row: &UserListRow) -> Option<tap::pass::Pass> {
    let at = |t: Option<i64>| t.map(db::from_ts);
    Some(tap::pass::Pass {
        id: row.pass_id.clone()?,
        user_id: row.user.id.clone(),
        starts_at: db::from_ts(row.pass_starts_at?),
        ends_at: db::from_ts(row.pass_ends_at?),
        one_time: row.pass_one_time? != 0,
        created_by: tap::pass::CreatedBy {
            kind: row.pass_created_by_kind.clone()?,
            id: row.pass_created_by_id.clone(),
            name: row.pass_created_by_name.clone(),
        },
        created_at: db::from_ts(row.pass_created_at?),
        last_used_at: at(row.pass_last_used_at),
        used_at: at(row.pass_used_at),
        failed_attempts: row.pass_failed_attempts?,
        locked_at: at(row.pass_locked_at),
        revoked_at: at(row.pass_revoked_at),
        held_by_session: row.pass_held_by_session.clone(),
        held_until: at(row.pass_held_until),
    })
}

/// The user with this id (either role may read).
pub async fn get(db: &Db, authority: &Authority, id: &str) -> Result<User, AppError> {
    rules::may_read(authority)?;
    find(db, id).await
}

pub(super) async fn find(db: &Db, id: &str) -> Result<User, AppError> {
    directory::users::find_by_id(db, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("There is no user with the id {id}.")))
}

pub async fn detail(db: &Db, authority: &Authority, id: &str) -> Result<UserDetail, AppError> {
    let user = get(db, authority, id).await?;
    let groups = directory::users::groups_of(db, &user).await?;
    let methods = methods::list(db, &user.id).await?;
    let pass = match tap::show(db, &user).await {
        Ok(pass) => Some(pass),
        Err(AppError::NotFound(_)) => None,
        Err(e) => return Err(e),
    };
    let recent_sign_ins = super::audit::recent_sign_ins(db, &user.id, 10).await?;
    Ok(UserDetail {
        user,
        groups,
        methods,
        pass,
        recent_sign_ins,
    })
}

pub async fn create(db: &Db, authority: &Authority, input: UserInput) -> Result<User, AppError> {
    if rules::power(authority) == Power::Nothing {
        return Err(AppError::Forbidden(
            "only the admin or helpdesk role may create users".into(),
        ));
    }
    rules::may_grant_roles(authority, &input.roles)?;
    if input.email_verified {
        rules::may_administer(authority, "mark email addresses verified")?;
    }
    let mut new = NewUser::named(Username::parse(&input.username)?);
    new.email_verified = input.email_verified;
    new.display_name = input.display_name;
    new.email = email(input.email)?;
    new.roles = input.roles;
    new.groups = input.groups;
    directory::users::create(db, &authority.actor(), new).await
}

pub async fn update(
    db: &Db,
    authority: &Authority,
    id: &str,
    edit: UserEdit,
) -> Result<User, AppError> {
    let mut user = find(db, id).await?;
    let details = edit.display_name.is_some() || edit.email.is_some();
    if details {
        rules::may_manage(authority, &user, "edit users")?;
    }
    if edit
        .email_verified
        .is_some_and(|v| v != user.email_verified)
    {
        rules::may_administer(authority, "mark email addresses verified")?;
    }
    let details = details || edit.email_verified.is_some();
    if edit.groups.is_some() {
        rules::may_manage(authority, &user, "change group memberships")?;
    }
    if let Some(roles) = &edit.roles {
        let mut wanted = roles.clone();
        wanted.sort();
        wanted.dedup();
        if wanted != user.roles {
            rules::may_administer(authority, "change roles")?;
            rules::may_change_account(authority, &user, "change roles")?;
        }
    }
    if let Some(enabled) = edit.enabled {
        if enabled != user.enabled {
            rules::may_change_account(authority, &user, "enable or disable an account")?;
        }
    }
    let actor = authority.actor();
    let email = match edit.email {
        Some(value) => Some(email(value)?),
        None => None,
    };
    if details || edit.groups.is_some() || edit.roles.is_some() {
        let changes = UserChanges {
            display_name: edit.display_name,
            email,
            email_verified: edit.email_verified,
            roles: edit.roles,
            groups: edit.groups,
        };
        user = apply(db, &actor, &user.username, changes).await?;
    }
    if let Some(enabled) = edit.enabled.filter(|e| *e != user.enabled) {
        // Disabling also signs the person out everywhere (sessions and tokens), in the directory.
        user = directory::users::set_enabled(db, &actor, &user.username, enabled).await?;
    }
    Ok(user)
}

/// Changes a user's details, roles and groups, after the caller's rights were checked (or for the
/// operator at the command line). The one way roles change — the console, the API, provisioning and
/// the CLI all come here — so a role change revokes, in the same transaction and event, the passes
/// whose issuer may no longer issue them (`tap::issuer`).
pub async fn apply(
    db: &Db,
    actor: &Actor,
    username: &str,
    changes: UserChanges,
) -> Result<User, AppError> {
    let mut tx = db.begin().await?;
    let directory::users::Staged {
        user,
        mut event,
        roles_changed,
    } = directory::users::stage_update(&mut tx, actor, username, changes).await?;
    if roles_changed {
        let revoked = tap::issuer::after_role_change(&mut tx, actor, &user).await?;
        event = event.detail("passes_revoked", revoked);
    }
    audit::record(&mut tx, event).await?;
    tx.commit().await?;
    Ok(user)
}

/// Signs the person out everywhere: their sessions, their applications' sessions (back-channel logout)
/// and their tokens end. Whoever may manage the person may.
pub async fn sign_out(
    db: &Db,
    authority: &Authority,
    id: &str,
) -> Result<directory::users::SignedOut, AppError> {
    let user = find(db, id).await?;
    rules::may_manage(authority, &user, "sign people out")?;
    directory::users::sign_out(db, &authority.actor(), &user).await
}

/// Removes a user for good (admin only; never oneself).
pub async fn remove(db: &Db, authority: &Authority, id: &str) -> Result<User, AppError> {
    let user = find(db, id).await?;
    rules::may_administer(authority, "remove users")?;
    rules::may_change_account(authority, &user, "remove an account")?;
    directory::users::remove(db, &authority.actor(), &user.username).await
}
