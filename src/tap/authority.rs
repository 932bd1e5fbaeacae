//! Who is acting on a pass, and what they may do. The CLI acts as an operator with full rights; the
//! API enforces roles: `admin` for anyone but themselves, `helpdesk` only for users who hold no role,
//! nobody for themselves.

use crate::audit::Actor;
use crate::directory::{Role, User};
use crate::error::AppError;

#[derive(Clone, Debug)]
pub enum Authority {
    /// An operator at the command line.
    Operator,
    /// tapid itself (first run).
    System,
    /// A signed-in person.
    User(User),
    /// A confidential client acting on its own behalf, with the roles it was granted.
    Client { id: String, roles: Vec<Role> },
}

impl Authority {
    pub fn actor(&self) -> Actor {
        match self {
            Authority::Operator => Actor::Cli,
            Authority::System => Actor::System,
            Authority::User(user) => user.actor(),
            Authority::Client { id, .. } => Actor::Client { id: id.clone() },
        }
    }

    /// Roles when they limit what may be done; `None` for full rights.
    fn roles(&self) -> Option<&[Role]> {
        match self {
            Authority::Operator | Authority::System => None,
            Authority::User(user) => Some(&user.roles),
            Authority::Client { roles, .. } => Some(roles),
        }
    }

    fn is_self(&self, target: &User) -> bool {
        matches!(self, Authority::User(user) if user.id == target.id)
    }

    /// Issuing (or replacing) a pass for `target`.
    pub fn may_issue_for(&self, target: &User) -> Result<(), AppError> {
        if self.is_self(target) {
            return Err(AppError::Forbidden(
                "nobody may issue a Temporary Access Pass for themselves".into(),
            ));
        }
        self.may_manage(target, "issue Temporary Access Passes")
    }

    /// Revoking `target`'s pass: as issuing, and anyone may revoke their own.
    pub fn may_revoke_for(&self, target: &User) -> Result<(), AppError> {
        if self.is_self(target) {
            return Ok(());
        }
        self.may_manage(target, "revoke Temporary Access Passes")
    }

    /// Reading `target`'s pass: either role (or oneself).
    pub fn may_read(&self, target: &User) -> Result<(), AppError> {
        match self.roles() {
            _ if self.is_self(target) => Ok(()),
            None => Ok(()),
            Some(roles) if !roles.is_empty() => Ok(()),
            Some(_) => Err(AppError::Forbidden(
                "reading Temporary Access Passes needs the admin or helpdesk role".into(),
            )),
        }
    }

    fn may_manage(&self, target: &User, what: &str) -> Result<(), AppError> {
        let Some(roles) = self.roles() else {
            return Ok(());
        };
        if roles.contains(&Role::Admin) {
            return Ok(());
        }
        if roles.contains(&Role::Helpdesk) {
            if target.roles.is_empty() {
                return Ok(());
            }
            return Err(AppError::Forbidden(format!(
                "helpdesk staff may {what} only for users who hold no role, and {} is {}; \
                 ask an administrator",
                target.username,
                Role::described(&target.roles)
            )));
        }
        Err(AppError::Forbidden(format!(
            "only the admin or helpdesk role may {what}"
        )))
    }
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
    fn admins_issue_for_anyone_but_themselves() {
        let admin = user("ann", &[Role::Admin]);
        let by_admin = Authority::User(admin.clone());
        assert!(by_admin.may_issue_for(&user("bob", &[])).is_ok());
        assert!(by_admin.may_issue_for(&user("cat", &[Role::Admin])).is_ok());
        assert!(by_admin.may_issue_for(&admin).is_err());
    }

    #[test]
    fn helpdesk_issues_only_for_users_without_a_role() {
        let by_helpdesk = Authority::User(user("hal", &[Role::Helpdesk]));
        assert!(by_helpdesk.may_issue_for(&user("bob", &[])).is_ok());
        assert!(
            by_helpdesk
                .may_issue_for(&user("ann", &[Role::Admin]))
                .is_err()
        );
        assert!(
            by_helpdesk
                .may_issue_for(&user("hil", &[Role::Helpdesk]))
                .is_err()
        );
        let client = Authority::Client {
            id: "desk".into(),
            roles: vec![Role::Helpdesk],
        };
        assert!(client.may_issue_for(&user("ann", &[Role::Admin])).is_err());
    }

    #[test]
    fn people_without_a_role_issue_for_nobody() {
        let by_nobody = Authority::User(user("bob", &[]));
        assert!(by_nobody.may_issue_for(&user("eve", &[])).is_err());
        assert!(by_nobody.may_read(&user("eve", &[])).is_err());
    }
}
