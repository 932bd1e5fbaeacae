//! A pass carries its issuer's authority only as long as that authority lasts. The helpdesk may issue
//! passes only to people who hold no role; a pass it issued must not become a way into an account
//! that was granted a role since. So:
//!
//! - every role change ([`after_role_change`], called by `admin::service::users::apply` — the one
//!   function through which the CLI, the console, the API and provisioning change roles) revokes
//!   the person's pass when its issuer could not issue it to them as they are now, and the passes
//!   the person issued to others that their new roles no longer allow;
//! - every pass sign-in re-checks it ([`may_still_issue`]), for whatever changed in between (an
//!   issuer disabled, removed, or a client's roles narrowed).
//!
//! Both are recorded as `tap.revoked` with reason `issuer_lacks_authority`.

use super::authority::Authority;
use super::revoke::end_derived;
use crate::audit::{self, Actor, Event, Severity};
use crate::db::passes::PassRow;
use crate::db::{self, Tx};
use crate::directory::{Role, User};

/// The audit reason of a pass ended because its issuer may no longer issue it.
pub const REASON: &str = "issuer_lacks_authority";

/// The authority of whoever issued `row`, as it is now; `None` when it is gone (an issuer removed
/// or disabled, or a kind of issuer that never had any).
async fn issuer_now(tx: &mut Tx, row: &PassRow) -> Result<Option<Authority>, sqlx::Error> {
    let id = row.created_by_id.as_deref().unwrap_or_default();
    Ok(match row.created_by_kind.as_str() {
        "cli" => Some(Authority::Operator),
        "system" => Some(Authority::System),
        "user" => db::users::find_by_id(&mut **tx, id)
            .await?
            .map(User::from)
            .filter(|u| u.enabled)
            .map(Authority::User),
        "client" => db::clients::find(&mut **tx, id)
            .await?
            .map(|c| Authority::Client {
                roles: Role::parse_list(&c.roles),
                id: c.id,
            }),
        _ => None,
    })
}

/// Whether the issuer of `row` may, now, issue a pass to `holder` as they are now.
pub async fn may_still_issue(
    tx: &mut Tx,
    row: &PassRow,
    holder: &User,
) -> Result<bool, sqlx::Error> {
    Ok(issuer_now(tx, row)
        .await?
        .is_some_and(|authority| authority.may_issue_for(holder).is_ok()))
}

/// Revokes `row` (the pass of `holder`) for lack of its issuer's authority, ending what began with
/// it, and records `tap.revoked`. Returns false if it was already revoked.
pub async fn revoke(
    tx: &mut Tx,
    actor: &Actor,
    row: &PassRow,
    holder: &User,
    address: Option<String>,
) -> Result<bool, sqlx::Error> {
    if !db::passes::revoke(tx, &row.id, db::ts(db::now())).await? {
        return Ok(false);
    }
    let ended = end_derived(tx, &row.id).await?;
    audit::record(
        tx,
        Event::new(actor.clone(), "tap.revoked")
            .target(holder.target())
            .severity(Severity::High)
            .address(address)
            .detail("pass_id", &row.id)
            .detail("reason", REASON)
            .detail("issued_by_kind", &row.created_by_kind)
            .detail("issued_by", &row.created_by_name)
            .detail("holder_roles", &holder.roles)
            .detail("start", super::rfc3339(row.starts_at))
            .detail("end", super::rfc3339(row.ends_at))
            .detail("one_time", row.one_time != 0)
            .detail("sessions_ended", ended.sessions)
            .detail("tokens_revoked", ended.tokens),
    )
    .await?;
    Ok(true)
}

/// After `user`'s roles changed (inside the same transaction): revokes their pass if its issuer may
/// not issue it to them now, and every live pass they issued that their new roles do not allow.
/// Returns how many passes it revoked.
pub async fn after_role_change(
    tx: &mut Tx,
    actor: &Actor,
    user: &User,
) -> Result<u64, sqlx::Error> {
    let mut revoked = 0;
    if let Some(row) = db::passes::find_by_user(&mut **tx, &user.id).await? {
        if row.revoked_at.is_none()
            && !may_still_issue(tx, &row, user).await?
            && revoke(tx, actor, &row, user, None).await?
        {
            revoked += 1;
        }
    }
    for row in db::passes::live_issued_by(&mut **tx, "user", &user.id).await? {
        let Some(holder) = db::users::find_by_id(&mut **tx, &row.user_id)
            .await?
            .map(User::from)
        else {
            continue;
        };
        if !may_still_issue(tx, &row, &holder).await?
            && revoke(tx, actor, &row, &holder, None).await?
        {
            revoked += 1;
        }
    }
    Ok(revoked)
}
