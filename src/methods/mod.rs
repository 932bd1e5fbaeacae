//! A person's sign-in methods: passkeys and authenticator apps (TOTP). Registration, verification,
//! listing, renaming and removal; the pages and the CLI call into here.

mod decoy;
pub mod passkey;
pub mod passkey_name;
pub mod totp;

use serde::Serialize;
use time::OffsetDateTime;

use crate::audit::{self, Actor, Event};
use crate::db::logout::Ending;
use crate::db::methods::MethodRow;
use crate::db::{self, Db};
use crate::directory::User;
use crate::error::AppError;
use crate::level::Amr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Passkey,
    Totp,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Passkey => "passkey",
            Kind::Totp => "totp",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::Passkey => "Passkey",
            Kind::Totp => "Authenticator app",
        }
    }

    fn parse(value: &str) -> Option<Self> {
        match value {
            "passkey" => Some(Kind::Passkey),
            "totp" => Some(Kind::Totp),
            _ => None,
        }
    }
}

/// A registered method as people and scripts see it (never its secret).
#[derive(Clone, Debug, Serialize)]
pub struct Method {
    pub id: String,
    pub user_id: String,
    pub kind: Kind,
    pub name: String,
    /// A passkey that is synced or backed up (`swk` rather than `hwk`).
    pub backed_up: bool,
    /// Registered in a session that began with a Temporary Access Pass.
    pub registered_with_tap: bool,
    /// The id of that pass; `None` for a method registered without one, or before tapid recorded it.
    pub tap_id: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
}

impl Method {
    fn from_row(row: &MethodRow) -> Result<Self, AppError> {
        Ok(Self {
            id: row.id.clone(),
            user_id: row.user_id.clone(),
            kind: Kind::parse(&row.kind)
                .ok_or_else(|| AppError::Internal(format!("unknown method kind {}", row.kind)))?,
            name: row.name.clone(),
            backed_up: row.backed_up != 0,
            registered_with_tap: row.registered_with_tap != 0,
            tap_id: row.tap_id.clone(),
            created_at: db::from_ts(row.created_at),
            last_used_at: row.last_used_at.map(db::from_ts),
        })
    }

    /// RFC 8176 method references a sign-in with this method proves.
    pub fn amr(&self) -> Amr {
        match self.kind {
            Kind::Totp => Amr::new(["otp"]),
            Kind::Passkey => {
                let key = if self.backed_up { "swk" } else { "hwk" };
                Amr::new([key, "user", "mfa"])
            }
        }
    }
}

/// Who registers a method, for whom, and under what name.
pub struct NewMethod<'a> {
    pub actor: &'a Actor,
    pub user: &'a User,
    pub name: &'a str,
    /// The pass the registering session began with, if it began with one.
    pub tap_id: Option<String>,
    pub address: Option<String>,
}

impl NewMethod<'_> {
    /// The row's `registered_with_tap` (0/1) and `tap_id`.
    fn pass_columns(&self) -> (i64, Option<String>) {
        (i64::from(self.tap_id.is_some()), self.tap_id.clone())
    }
}

/// A method name as entered: trimmed, 1–64 printable characters.
pub fn clean_name(name: &str) -> Result<String, AppError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 64 || !crate::directory::readable(name) {
        return Err(AppError::invalid(
            "A name needs 1 to 64 characters, and no invisible or control characters.",
        ));
    }
    Ok(name.to_string())
}

pub async fn list(db: &Db, user_id: &str) -> Result<Vec<Method>, AppError> {
    db::methods::list_for_user(db.pool(), user_id)
        .await?
        .iter()
        .map(Method::from_row)
        .collect()
}

pub async fn get(db: &Db, user_id: &str, id: &str) -> Result<Method, AppError> {
    let row = db::methods::find(db.pool(), user_id, id)
        .await?
        .ok_or_else(|| AppError::NotFound("There is no such sign-in method.".into()))?;
    Method::from_row(&row)
}

pub async fn count(db: &Db, user_id: &str) -> Result<i64, AppError> {
    Ok(db::methods::count_for_user(db.pool(), user_id).await?)
}

/// Inserts a new method and records `method.registered`, in one transaction.
pub(crate) async fn insert(
    db: &Db,
    actor: &Actor,
    user: &User,
    row: MethodRow,
    address: Option<String>,
) -> Result<Method, AppError> {
    let method = Method::from_row(&row)?;
    let mut tx = db.begin().await?;
    match db::methods::insert(&mut tx, &row).await {
        Err(e) if db::is_unique_violation(&e) => {
            return Err(AppError::Conflict(
                "this method is already registered".into(),
            ));
        }
        other => other?,
    }
    let mut event = Event::new(actor.clone(), "method.registered")
        .target(user.target())
        .address(address)
        .detail("method_id", &method.id)
        .detail("kind", method.kind)
        .detail("name", &method.name)
        .detail("registered_with_tap", method.registered_with_tap);
    if let Some(pass_id) = &method.tap_id {
        // `pass_id`, as in the `tap.*` events, so one search finds the pass's whole story.
        event = event.detail("pass_id", pass_id);
    }
    audit::record(&mut tx, event).await?;
    tx.commit().await?;
    Ok(method)
}

pub async fn rename(
    db: &Db,
    actor: &Actor,
    user: &User,
    id: &str,
    name: &str,
    address: Option<String>,
) -> Result<Method, AppError> {
    let name = clean_name(name)?;
    let mut method = get(db, &user.id, id).await?;
    let mut tx = db.begin().await?;
    db::methods::rename(&mut tx, &method.id, &name).await?;
    audit::record(
        &mut tx,
        Event::new(actor.clone(), "method.renamed")
            .target(user.target())
            .address(address)
            .detail("method_id", &method.id)
            .detail("kind", method.kind)
            .detail("old_name", &method.name)
            .detail("name", &name),
    )
    .await?;
    tx.commit().await?;
    method.name = name;
    Ok(method)
}

/// Removes one method. Rules about who may remove what live with the caller (pages, CLI, API).
pub async fn remove(
    db: &Db,
    actor: &Actor,
    user: &User,
    id: &str,
    address: Option<String>,
) -> Result<Method, AppError> {
    let method = get(db, &user.id, id).await?;
    let mut tx = db.begin().await?;
    db::methods::delete(&mut tx, &method.id).await?;
    record_removed(&mut tx, actor, user, &method, address).await?;
    tx.commit().await?;
    Ok(method)
}

/// Removes every method of a user (lost phone), ends their sessions and revokes their tokens, so
/// that only a new pass lets them back in.
pub async fn remove_all(db: &Db, actor: &Actor, user: &User) -> Result<Vec<Method>, AppError> {
    let methods = list(db, &user.id).await?;
    let mut tx = db.begin().await?;
    for method in &methods {
        db::methods::delete(&mut tx, &method.id).await?;
        record_removed(&mut tx, actor, user, method, None).await?;
    }
    let sessions = db::sessions::end(
        &mut tx,
        Ending::User(&user.id),
        "methods_removed",
        db::ts(db::now()),
    )
    .await?;
    let tokens = db::tokens::revoke_by_user(&mut tx, &user.id).await?;
    if sessions > 0 || tokens > 0 {
        audit::record(
            &mut tx,
            Event::new(actor.clone(), "user.signed_out")
                .target(user.target())
                .detail("reason", "methods_removed")
                .detail("sessions_ended", sessions)
                .detail("tokens_revoked", tokens),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(methods)
}

async fn record_removed(
    tx: &mut db::Tx,
    actor: &Actor,
    user: &User,
    method: &Method,
    address: Option<String>,
) -> Result<(), sqlx::Error> {
    audit::record(
        tx,
        Event::new(actor.clone(), "method.removed")
            .target(user.target())
            .address(address)
            .detail("method_id", &method.id)
            .detail("kind", method.kind)
            .detail("name", &method.name),
    )
    .await
}
