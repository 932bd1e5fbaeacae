//! The pass policy: either role reads it; only administrators change it.

use super::rules;
use crate::db::Db;
use crate::error::AppError;
use crate::tap::Authority;
use crate::tap::policy::{self, Policy, PolicyChanges};

pub async fn get(db: &Db, authority: &Authority) -> Result<Policy, AppError> {
    rules::may_read(authority)?;
    policy::load(db).await
}

pub async fn update(
    db: &Db,
    authority: &Authority,
    changes: PolicyChanges,
    address: Option<String>,
) -> Result<Policy, AppError> {
    rules::may_administer(authority, "change the Temporary Access Pass policy")?;
    policy::update(db, &authority.actor(), changes, address).await
}
