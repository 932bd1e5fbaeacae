//! A user's sign-in methods, seen and removed by the helpdesk (the lost-phone flow).

use super::rules;
use crate::db::Db;
use crate::directory::User;
use crate::error::AppError;
use crate::methods::{self, Method};
use crate::tap::Authority;

pub async fn list(db: &Db, authority: &Authority, user: &User) -> Result<Vec<Method>, AppError> {
    rules::may_read(authority)?;
    methods::list(db, &user.id).await
}

pub async fn remove(
    db: &Db,
    authority: &Authority,
    user: &User,
    method_id: &str,
    address: Option<String>,
) -> Result<Method, AppError> {
    rules::may_manage(authority, user, "remove sign-in methods")?;
    methods::remove(db, &authority.actor(), user, method_id, address).await
}

/// Removes every method of the user and ends their sessions: only a new pass lets them back in.
pub async fn remove_all(
    db: &Db,
    authority: &Authority,
    user: &User,
) -> Result<Vec<Method>, AppError> {
    rules::may_manage(authority, user, "remove sign-in methods")?;
    methods::remove_all(db, &authority.actor(), user).await
}
