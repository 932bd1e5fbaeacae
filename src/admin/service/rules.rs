//! Who may do what in the admin console and the admin API — one set of rules for both.
//!
//! - `admin`: everything, except acting on their own roles, account or pass;
//! - `helpdesk`: reads the directory, passes, methods and the audit trail; changes only users who hold
//!   no role (their details, groups, methods and passes); never policy, clients, groups or roles;
//! - anyone else: nothing.
//!
//! Passes keep their own rules in `tap::Authority` (the same ones, stated there for the CLI too).

use crate::directory::{Role, User};
use crate::error::AppError;
use crate::tap::Authority;

/// What an authority may do, reduced to the three cases the rules know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Power {
    /// The operator at the command line, tapid itself, or the `admin` role.
    Admin,
    Helpdesk,
    Nothing,
}

pub fn power(authority: &Authority) -> Power {
    let roles: &[Role] = match authority {
        Authority::Operator | Authority::System => return Power::Admin,
        Authority::User(user) => &user.roles,
        Authority::Client { roles, .. } => roles,
    };
    if roles.contains(&Role::Admin) {
        Power::Admin
    } else if roles.contains(&Role::Helpdesk) {
        Power::Helpdesk
    } else {
        Power::Nothing
    }
}

fn is_self(authority: &Authority, target: &User) -> bool {
    matches!(authority, Authority::User(user) if user.id == target.id)
}

/// Reading users, groups, methods, passes, the policy and the audit trail: either role.
pub fn may_read(authority: &Authority) -> Result<(), AppError> {
    match power(authority) {
        Power::Admin | Power::Helpdesk => Ok(()),
        Power::Nothing => Err(AppError::Forbidden(
            "this needs the admin or helpdesk role".into(),
        )),
    }
}

/// Changes only an administrator may make: `what` names them in the refusal.
pub fn may_administer(authority: &Authority, what: &str) -> Result<(), AppError> {
    match power(authority) {
        Power::Admin => Ok(()),
        _ => Err(AppError::Forbidden(format!(
            "only the admin role may {what}"
        ))),
    }
}

/// Changing `target` (details, groups, methods): admin for anyone, helpdesk for users without a role.
pub fn may_manage(authority: &Authority, target: &User, what: &str) -> Result<(), AppError> {
    match power(authority) {
        Power::Admin => Ok(()),
        Power::Helpdesk if target.roles.is_empty() => Ok(()),
        Power::Helpdesk => Err(AppError::Forbidden(format!(
            "helpdesk staff may {what} only for users who hold no role, and {} is {}; \
             ask an administrator",
            target.username,
            Role::described(&target.roles)
        ))),
        Power::Nothing => Err(AppError::Forbidden(format!(
            "only the admin or helpdesk role may {what}"
        ))),
    }
}

/// Changing `target`'s roles, or enabling, disabling or removing their account: admin only, and never
/// one's own (an administrator cannot lock themselves out or raise themselves).
pub fn may_change_account(
    authority: &Authority,
    target: &User,
    what: &str,
) -> Result<(), AppError> {
    if is_self(authority, target) {
        return Err(AppError::Forbidden(format!(
            "nobody may {what} for themselves"
        )));
    }
    may_manage(authority, target, what)
}

/// Granting roles: admin only.
pub fn may_grant_roles(authority: &Authority, roles: &[Role]) -> Result<(), AppError> {
    if roles.is_empty() {
        return Ok(());
    }
    may_administer(authority, "grant roles")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(name: &str, roles: &[Role]) -> User {
        let now = time::OffsetDateTime::now_utc();
        User {
            id: format!("id-{name}"),
            username: name.into(),
            display_name: None,
            email: None,
            email_verified: false,
            enabled: true,
            roles: roles.to_vec(),
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn helpdesk_manages_only_users_without_a_role() {
        let desk = Authority::User(user("hal", &[Role::Helpdesk]));
        assert!(may_manage(&desk, &user("bob", &[]), "x").is_ok());
        assert!(may_manage(&desk, &user("ann", &[Role::Admin]), "x").is_err());
        assert!(may_administer(&desk, "x").is_err());
        assert!(may_grant_roles(&desk, &[Role::Helpdesk]).is_err());
        assert!(may_grant_roles(&desk, &[]).is_ok());
    }

    #[test]
    fn admins_change_anyone_but_their_own_account() {
        let ann = user("ann", &[Role::Admin]);
        let by_ann = Authority::User(ann.clone());
        assert!(may_change_account(&by_ann, &user("cat", &[Role::Admin]), "x").is_ok());
        assert!(may_change_account(&by_ann, &ann, "x").is_err());
    }

    #[test]
    fn people_without_a_role_read_nothing() {
        let bob = Authority::User(user("bob", &[]));
        assert!(may_read(&bob).is_err());
        assert!(may_manage(&bob, &user("eve", &[]), "x").is_err());
    }
}
