//! The one-time reveal link: instead of a passcode read aloud, a link that shows it once to whoever
//! opens it first, after they confirm who they are as the organisation chose (`reveal.confirm`): the
//! person's manager signing in with their own passkey, or the last four digits of the person's
//! employee number.
//!
//! The passcode is never in the link: the link carries a random token (stored as its digest), and
//! the passcode waits sealed with the deployment key until the link is opened, revoked, locked after
//! too many wrong confirmations, or expires — then it is destroyed. Opening is one conditional
//! update, so of two people opening at once exactly one sees it; the other is told it was opened.

pub mod open;

pub use open::{Link, LinkState, Proof, Revealed, look, reveal};

use time::{Duration, OffsetDateTime};

use super::IssueRequest;
use super::authority::Authority;
use super::issue::prepare;
use super::pass::PassView;
use crate::audit::{self, Actor, Event};
use crate::config::{Config, RevealConfirm};
use crate::db::reveal::RevealRow;
use crate::db::{self, Db};
use crate::directory::User;
use crate::error::AppError;
use crate::secrets::{self, Sealer};

/// Where the reveal pages live; the token follows.
pub const PATH: &str = "/reveal/";

/// A new pass delivered by link: the pass, and the link, shown (or sent) once.
#[derive(Debug)]
pub struct IssuedLink {
    pub pass: PassView,
    pub link: RevealLink,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct RevealLink {
    pub id: String,
    /// The link itself, a secret until opened; absent when it was sent by mail instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The address it was sent to (through the outbox).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sent_to: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    pub confirm: RevealConfirm,
}

fn seal_context(link_id: &str, pass_id: &str) -> String {
    format!("reveal:{link_id}:{pass_id}")
}

/// The last four digits of an employee number, if it has four.
fn last_four(employee_number: &str) -> Option<String> {
    let digits: Vec<char> = employee_number
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    (digits.len() >= 4).then(|| digits[digits.len() - 4..].iter().collect())
}

/// The manager of `user` as the directory knows them, if they exist and may sign in.
async fn manager_of(db: &Db, user: &User) -> Result<Option<User>, AppError> {
    let Some(manager_id) = db::profiles::find_user(db.pool(), &user.id)
        .await?
        .and_then(|p| p.manager_id)
    else {
        return Ok(None);
    };
    Ok(db::users::find_by_id(db.pool(), &manager_id)
        .await?
        .map(User::from)
        .filter(|m| m.enabled))
}

async fn employee_digits(db: &Db, user: &User) -> Result<Option<String>, AppError> {
    Ok(db::profiles::find_user(db.pool(), &user.id)
        .await?
        .and_then(|p| p.employee_number)
        .as_deref()
        .and_then(last_four))
}

/// Refuses a link that nobody could ever open: no manager, or no employee number.
async fn check_confirmable(db: &Db, user: &User, confirm: RevealConfirm) -> Result<(), AppError> {
    let possible = match confirm {
        RevealConfirm::ManagerPasskey => manager_of(db, user).await?.is_some(),
        RevealConfirm::EmployeeNumber => employee_digits(db, user).await?.is_some(),
    };
    if possible {
        return Ok(());
    }
    Err(AppError::invalid(match confirm {
        RevealConfirm::ManagerPasskey => format!(
            "{} has no manager in the directory, so nobody could confirm a reveal link.",
            user.username
        ),
        RevealConfirm::EmployeeNumber => format!(
            "{} has no employee number of four digits or more, so a reveal link could not be confirmed.",
            user.username
        ),
    }))
}

/// Whom a reveal link is mailed to, instead of being shown to the issuer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SendTo {
    /// The person's manager (SCIM `manager`), at their address.
    Manager,
    /// The person, at the address the directory has for them (e.g. a private one before day one).
    Person,
}

/// Whom a link's message goes to: their address, whether they are the holder's manager, and their
/// time zone when the directory has one (the message's times are told in it).
struct Recipient {
    address: String,
    for_manager: bool,
    zone: Option<String>,
}

/// The recipient of a link for `holder`.
async fn recipient(db: &Db, holder: &User, to: SendTo) -> Result<Recipient, AppError> {
    let (who, for_manager) = match to {
        SendTo::Manager => (manager_of(db, holder).await?, true),
        SendTo::Person => (Some(holder.clone()), false),
    };
    let zone = match &who {
        Some(u) => db::profiles::find_user(db.pool(), &u.id)
            .await?
            .and_then(|p| p.time_zone),
        None => None,
    };
    who.and_then(|u| u.email)
        .filter(|e| !e.is_empty())
        .map(|address| Recipient {
            address,
            for_manager,
            zone,
        })
        .ok_or_else(|| {
            AppError::invalid(format!(
                "There is no address to send {}'s reveal link to: {}.",
                holder.username,
                if for_manager {
                    "their manager has none, or they have no manager"
                } else {
                    "they have none"
                }
            ))
        })
}

/// The link's message, queued in `tx`.
async fn queue_mail(
    tx: &mut crate::db::Tx,
    sealer: &Sealer,
    config: &Config,
    to: &Recipient,
    holder: &User,
    url: &str,
    expires_at: OffsetDateTime,
) -> Result<(), AppError> {
    let expires = crate::mail::when::told(expires_at, db::now(), to.zone.as_deref());
    let mail = crate::mail::compose::RevealLinkMail {
        to: &to.address,
        holder: &holder.username,
        url,
        expires: &expires,
        confirm: match config.reveal.confirm {
            RevealConfirm::ManagerPasskey => "you sign in with your own passkey",
            RevealConfirm::EmployeeNumber => "entering the last four digits of the employee number",
        },
        for_manager: to.for_manager,
        helpdesk: &config.smtp.helpdesk_contact,
    }
    .render()
    .map_err(|e| AppError::Internal(format!("the reveal-link message does not render: {e}")))?;
    crate::mail::enqueue(tx, sealer, &mail).await?;
    Ok(())
}

/// Issues a pass (as [`super::issue`]) and, in the same transaction, its reveal link instead of
/// showing the passcode — shown to the issuer, or queued by mail to `send` (never both).
#[allow(clippy::too_many_arguments)]
pub async fn issue_with_link(
    db: &Db,
    sealer: &Sealer,
    config: &Config,
    authority: &Authority,
    user_id: &str,
    request: IssueRequest,
    send: Option<SendTo>,
    address: Option<String>,
) -> Result<IssuedLink, AppError> {
    let settings = &config.reveal;
    if send.is_some() && config.smtp.host.is_none() {
        return Err(AppError::invalid(
            "Mail is not set up on this server, so the link cannot be sent.",
        ));
    }
    let prepared = prepare(db, authority, user_id, &request).await?;
    check_confirmable(db, &prepared.user, settings.confirm).await?;
    let to = match send {
        Some(to) => Some(recipient(db, &prepared.user, to).await?),
        None => None,
    };
    let token = secrets::new_secret();
    let id = uuid::Uuid::new_v4().to_string();
    let lifetime = Duration::minutes(settings.lifetime_minutes.get().into());
    let expires_at = (prepared.now + lifetime).min(prepared.settings.ends_at);
    let (kind, name) = match &prepared.actor {
        Actor::User { name, .. } => ("user", Some(name.clone())),
        Actor::Client { id } => ("client", Some(id.clone())),
        Actor::Cli => ("cli", None),
        Actor::System => ("system", None),
        Actor::Anonymous => ("anonymous", None),
    };
    let row = RevealRow {
        id: id.clone(),
        token_hash: secrets::digest(&token),
        pass_id: prepared.row.id.clone(),
        user_id: prepared.user.id.clone(),
        passcode_sealed: Some(sealer.seal(
            prepared.passcode.expose().as_bytes(),
            &seal_context(&id, &prepared.row.id),
        )),
        confirm: settings.confirm.as_str().into(),
        created_by_kind: kind.into(),
        created_by_name: name,
        created_at: db::ts(prepared.now),
        expires_at: db::ts(expires_at),
        opened_at: None,
        opened_by: None,
        opened_address: None,
        revoked_at: None,
        failed_attempts: 0,
        locked_at: None,
    };
    let mut tx = db.begin().await?;
    let delivery = [("delivery", serde_json::json!("reveal_link"))];
    prepared.apply(&mut tx, address.clone(), &delivery).await?;
    db::reveal::insert(&mut tx, &row).await?;
    let url = config.issuer.url(&format!("{PATH}{token}"));
    if let Some(to) = &to {
        queue_mail(
            &mut tx,
            sealer,
            config,
            to,
            &prepared.user,
            &url,
            expires_at,
        )
        .await?;
    }
    audit::record(
        &mut tx,
        Event::new(prepared.actor.clone(), "tap.reveal_link_created")
            .target(prepared.user.target())
            .address(address)
            .detail("link_id", &id)
            .detail("pass_id", &row.pass_id)
            .detail("confirm", settings.confirm.as_str())
            .detail("sent_to", to.as_ref().map(|r| &r.address))
            .detail("expires", super::rfc3339(row.expires_at)),
    )
    .await?;
    tx.commit().await?;
    Ok(IssuedLink {
        pass: prepared.view(),
        link: RevealLink {
            id,
            sent_to: to.as_ref().map(|r| r.address.clone()),
            url: to.is_none().then_some(url),
            expires_at,
            confirm: settings.confirm,
        },
    })
}

/// Revokes `user`'s unopened links (`tap.reveal_link_revoked`); returns how many.
pub async fn revoke_links(
    db: &Db,
    authority: &Authority,
    user: &User,
    address: Option<String>,
) -> Result<u64, AppError> {
    authority.may_revoke_for(user)?;
    let mut tx = db.begin().await?;
    let revoked = db::reveal::revoke_of_user(&mut tx, &user.id, db::ts(db::now())).await?;
    if revoked == 0 {
        return Err(AppError::NotFound(format!(
            "{} has no unopened reveal link.",
            user.username
        )));
    }
    audit::record(
        &mut tx,
        Event::new(authority.actor(), "tap.reveal_link_revoked")
            .target(user.target())
            .address(address)
            .detail("links", revoked),
    )
    .await?;
    tx.commit().await?;
    Ok(revoked)
}
