//! Opening a reveal link: what state it is in, and revealing the passcode to whoever confirms first.

use time::OffsetDateTime;

use super::{employee_digits, manager_of, seal_context};
use crate::audit::{self, Actor, Event, Severity};
use crate::config::{RevealConfirm, RevealSettings};
use crate::db::reveal::RevealRow;
use crate::db::{self, Db};
use crate::directory::User;
use crate::error::AppError;
use crate::secrets::{self, Sealer};
use crate::tap::passcode::Passcode;

/// Where a link stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkState {
    /// It may be opened.
    Ready,
    /// Someone opened it already (at this time).
    Opened(OffsetDateTime),
    Expired,
    /// Revoked, or its pass was revoked or replaced.
    Revoked,
    /// Too many wrong confirmations.
    Locked,
}

/// A link, found by its token.
pub struct Link {
    pub row: RevealRow,
    pub holder: User,
    pub confirm: RevealConfirm,
    pub state: LinkState,
}

/// What the opener offers as proof.
pub enum Proof {
    /// A person signed in with a passkey.
    Signed(User),
    /// Digits typed on the page.
    EmployeeDigits(String),
}

/// The outcome of an attempt to open.
pub enum Revealed {
    Passcode {
        passcode: Passcode,
        holder: User,
        ends_at: OffsetDateTime,
    },
    /// Not opened: the link's state, unchanged.
    Closed(LinkState),
    /// The proof did not match; `locked` when that was the last attempt.
    WrongConfirmation { locked: bool },
    /// The signed-in person is not the holder's manager.
    NotTheManager,
}

/// The link named by `token`, if there is one.
pub async fn look(db: &Db, token: &str) -> Result<Option<Link>, AppError> {
    if token.is_empty() || token.len() > 128 {
        return Ok(None);
    }
    let Some(row) = db::reveal::find_by_token_hash(db.pool(), &secrets::digest(token)).await?
    else {
        return Ok(None);
    };
    let Some(holder) = db::users::find_by_id(db.pool(), &row.user_id)
        .await?
        .map(User::from)
    else {
        return Ok(None);
    };
    let confirm = RevealConfirm::parse(&row.confirm).ok_or_else(|| {
        AppError::Internal(format!(
            "reveal link {} has an unknown confirmation",
            row.id
        ))
    })?;
    let pass_live = db::passes::find(db.pool(), &row.pass_id)
        .await?
        .is_some_and(|p| p.revoked_at.is_none() && p.user_id == row.user_id);
    let now = db::ts(db::now());
    let state = if let Some(at) = row.opened_at {
        LinkState::Opened(db::from_ts(at))
    } else if row.revoked_at.is_some() || !pass_live {
        LinkState::Revoked
    } else if row.locked_at.is_some() {
        LinkState::Locked
    } else if row.expires_at <= now || row.passcode_sealed.is_none() {
        LinkState::Expired
    } else {
        LinkState::Ready
    };
    Ok(Some(Link {
        row,
        holder,
        confirm,
        state,
    }))
}

/// Reveals the passcode behind `token` to the first opener whose proof matches; records
/// `tap.revealed` (who, from where) or `tap.reveal_failed`.
pub async fn reveal(
    db: &Db,
    sealer: &Sealer,
    settings: &RevealSettings,
    token: &str,
    proof: Proof,
    address: Option<String>,
) -> Result<Revealed, AppError> {
    let link = look(db, token)
        .await?
        .ok_or_else(|| AppError::NotFound("There is no such reveal link.".into()))?;
    if link.state != LinkState::Ready {
        return Ok(Revealed::Closed(link.state));
    }
    let (actor, opened_by, matches) = match (&proof, link.confirm) {
        (Proof::EmployeeDigits(typed), RevealConfirm::EmployeeNumber) => {
            let expected = employee_digits(db, &link.holder).await?;
            let typed = typed.trim();
            let ok = expected.is_some_and(|e| secrets::constant_time_eq(&e, typed));
            (Actor::Anonymous, "employee_number".to_string(), ok)
        }
        (Proof::Signed(person), RevealConfirm::ManagerPasskey) => {
            let ok = manager_of(db, &link.holder)
                .await?
                .is_some_and(|m| m.id == person.id);
            if !ok {
                return Ok(Revealed::NotTheManager);
            }
            (person.actor(), person.username.clone(), ok)
        }
        _ => (Actor::Anonymous, String::new(), false),
    };
    let now = db::ts(db::now());
    if !matches {
        return failed(db, settings, &link, address, now).await;
    }
    let passcode = link
        .row
        .passcode_sealed
        .as_deref()
        .and_then(|sealed| sealer.open(sealed, &seal_context(&link.row.id, &link.row.pass_id)))
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| Passcode::parse(&text))
        .ok_or_else(|| {
            AppError::Internal(format!(
                "reveal link {}: the sealed passcode does not open",
                link.row.id
            ))
        })?;
    let mut tx = db.begin().await?;
    if !db::reveal::open(&mut tx, &link.row.id, &opened_by, address.as_deref(), now).await? {
        drop(tx);
        // Someone else opened (or revoked) it a moment before.
        let state = look(db, token)
            .await?
            .map_or(LinkState::Revoked, |l| l.state);
        return Ok(Revealed::Closed(state));
    }
    audit::record(
        &mut tx,
        Event::new(actor, "tap.revealed")
            .target(link.holder.target())
            .address(address)
            .detail("link_id", &link.row.id)
            .detail("pass_id", &link.row.pass_id)
            .detail("opened_by", &opened_by)
            .detail("confirm", link.confirm.as_str()),
    )
    .await?;
    tx.commit().await?;
    let ends_at = db::passes::find(db.pool(), &link.row.pass_id)
        .await?
        .map_or(OffsetDateTime::now_utc(), |p| db::from_ts(p.ends_at));
    Ok(Revealed::Passcode {
        passcode,
        holder: link.holder,
        ends_at,
    })
}

async fn failed(
    db: &Db,
    settings: &RevealSettings,
    link: &Link,
    address: Option<String>,
    now: i64,
) -> Result<Revealed, AppError> {
    let max = i64::from(settings.max_attempts.get());
    let mut tx = db.begin().await?;
    let attempts = db::reveal::add_failure(&mut tx, &link.row.id, max, now).await?;
    let locked = attempts >= max;
    audit::record(
        &mut tx,
        Event::new(Actor::Anonymous, "tap.reveal_failed")
            .failed()
            .severity(if locked {
                Severity::High
            } else {
                Severity::Info
            })
            .target(link.holder.target())
            .address(address)
            .detail("link_id", &link.row.id)
            .detail("attempts", attempts)
            .detail("locked", locked),
    )
    .await?;
    tx.commit().await?;
    Ok(Revealed::WrongConfirmation { locked })
}
