//! Revoking a pass, and ending what began with it: a pass that ends (revoked, replaced or expired)
//! takes with it the sessions and refresh tokens that began with it, and its unopened reveal links.

use super::authority::Authority;
use crate::audit::{self, Event};
use crate::db::logout::Ending;
use crate::db::{self, Db, Tx};
use crate::directory::User;
use crate::error::AppError;

/// What ended with a pass, for the audit event.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Ended {
    pub sessions: u64,
    pub tokens: u64,
}

/// Ends the sessions and refresh tokens that began with pass `tap_id`, inside the caller's transaction.
pub async fn end_derived(tx: &mut Tx, tap_id: &str) -> Result<Ended, sqlx::Error> {
    let sessions =
        db::sessions::end(tx, Ending::Pass(tap_id), "pass_ended", db::ts(db::now())).await?;
    let tokens = db::tokens::revoke_by_tap(tx, tap_id).await?;
    // A reveal link of an ended pass must never reveal it.
    db::reveal::revoke_of_pass(tx, tap_id, db::ts(db::now())).await?;
    Ok(Ended { sessions, tokens })
}

/// Revokes `user`'s pass; records `tap.revoked` with what ended with it.
pub async fn revoke(
    db: &Db,
    authority: &Authority,
    user: &User,
    address: Option<String>,
) -> Result<Ended, AppError> {
    authority.may_revoke_for(user)?;
    let mut tx = db.begin().await?;
    let pass = db::passes::find_by_user(&mut *tx, &user.id)
        .await?
        .ok_or_else(|| {
            AppError::NotFound(format!("{} has no Temporary Access Pass.", user.username))
        })?;
    if !db::passes::revoke(&mut tx, &pass.id, db::ts(db::now())).await? {
        return Err(AppError::Conflict(format!(
            "{}'s Temporary Access Pass is already revoked.",
            user.username
        )));
    }
    let ended = end_derived(&mut tx, &pass.id).await?;
    audit::record(
        &mut tx,
        Event::new(authority.actor(), "tap.revoked")
            .target(user.target())
            .address(address)
            .detail("pass_id", &pass.id)
            .detail("start", super::rfc3339(pass.starts_at))
            .detail("end", super::rfc3339(pass.ends_at))
            .detail("one_time", pass.one_time != 0)
            .detail("sessions_ended", ended.sessions)
            .detail("tokens_revoked", ended.tokens),
    )
    .await?;
    tx.commit().await?;
    Ok(ended)
}
