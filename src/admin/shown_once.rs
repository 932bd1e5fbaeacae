//! Secrets the console shows once (a passcode, a client secret, a webhook's signing secret), by
//! post/redirect/get: the form's answer holds the secret in the session, sealed, for a few minutes,
//! and redirects to a page that takes it out. A reload of that page, or the same form sent again
//! (Back, then resubmit), finds nothing to show and says so; it never makes a second secret.
//!
//! Each form that makes a secret carries a single-use token ([`form_token`]): a token seen before
//! means the browser sent the same form twice ([`spend_form`]).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::db;
use crate::error::AppError;
use crate::secrets::{self, Sealer};
use crate::session::{self, Session};

/// Secrets waiting in the session to be shown: `{holder id: {"sealed", "expires_at"}}`.
const HELD: &str = "console_shown_once";
/// Form tokens already used by this session, newest last.
const SPENT_FORMS: &str = "console_spent_forms";
/// How long a held secret waits for its page.
const LIFETIME_SECONDS: i64 = 300;
/// How many spent form tokens a session remembers.
const SPENT_KEPT: usize = 32;

/// A secret made by a console form, with what its page shows beside it.
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Secret {
    Pass {
        user_id: String,
        passcode: String,
        start: i64,
        end: i64,
        one_time: bool,
    },
    Client {
        client_id: String,
        secret: String,
    },
    Webhook {
        endpoint_id: String,
        secret: String,
    },
}

fn context(session: &Session, holder: &str) -> String {
    format!("shown_once:{}:{holder}", session.sid)
}

fn held(session: &mut Session) -> &mut Map<String, Value> {
    let entry = session
        .data
        .entry(HELD)
        .or_insert_with(|| Value::Object(Map::new()));
    if !entry.is_object() {
        *entry = Value::Object(Map::new());
    }
    entry.as_object_mut().expect("an object")
}

/// Holds `secret` in the session (sealed), records the form that made it as used, and returns the id
/// of its holder, for the page's address.
pub async fn hold(
    db: &db::Db,
    sealer: &Sealer,
    session: &mut Session,
    form: &str,
    secret: &Secret,
) -> Result<String, AppError> {
    let holder = secrets::random_token(16);
    let plain = serde_json::to_vec(secret).map_err(|e| AppError::Internal(e.to_string()))?;
    let sealed = sealer.seal(&plain, &context(session, &holder));
    let now = db::ts(db::now());
    let map = held(session);
    map.retain(|_, v| v["expires_at"].as_i64().is_some_and(|t| t > now));
    map.insert(
        holder.clone(),
        serde_json::json!({ "sealed": sealed, "expires_at": now + LIFETIME_SECONDS }),
    );
    if !form.is_empty() {
        let spent = spent_forms(session);
        spent.push(Value::String(form.chars().take(64).collect()));
        if spent.len() > SPENT_KEPT {
            let extra = spent.len() - SPENT_KEPT;
            spent.drain(..extra);
        }
    }
    session::save_data(db, session).await?;
    Ok(holder)
}

/// Takes the secret out of its holder: `Some` the first time within its lifetime, `None` after.
pub async fn take(
    db: &db::Db,
    sealer: &Sealer,
    session: &mut Session,
    holder: &str,
) -> Result<Option<Secret>, AppError> {
    let Some(entry) = held(session).remove(holder) else {
        return Ok(None);
    };
    session::save_data(db, session).await?;
    if entry["expires_at"]
        .as_i64()
        .is_none_or(|t| t <= db::ts(db::now()))
    {
        return Ok(None);
    }
    let sealed = entry["sealed"].as_str().unwrap_or_default();
    let plain = sealer
        .open(sealed, &context(session, holder))
        .ok_or_else(|| AppError::Internal("a held secret does not open".into()))?;
    serde_json::from_slice(&plain)
        .map(Some)
        .map_err(|e| AppError::Internal(format!("a held secret does not parse: {e}")))
}

/// A new single-use token for a form that makes a secret.
pub fn form_token() -> String {
    secrets::random_token(16)
}

fn spent_forms(session: &mut Session) -> &mut Vec<Value> {
    let entry = session
        .data
        .entry(SPENT_FORMS)
        .or_insert_with(|| Value::Array(Vec::new()));
    if !entry.is_array() {
        *entry = Value::Array(Vec::new());
    }
    entry.as_array_mut().expect("an array")
}

/// Whether this form's token was used before: the browser sent the same form again. A form without a
/// token (a script's, or an older page) is never taken for a repeat.
pub fn sent_before(session: &Session, form: &str) -> bool {
    !form.is_empty()
        && session
            .data
            .get(SPENT_FORMS)
            .and_then(Value::as_array)
            .is_some_and(|spent| spent.iter().any(|t| t.as_str() == Some(form)))
}

/// The page in place of a secret already shown (a reload, or the form sent again): it says so and
/// offers to make a new one.
#[derive(askama::Template, askama_web::WebTemplate)]
#[template(path = "admin/shown_already.html")]
pub struct AlreadyShownView {
    pub nav: super::guard::Nav,
    pub heading: String,
    pub message: &'static str,
    pub again_href: String,
    pub again_label: &'static str,
    pub back_href: String,
    pub back_label: String,
}

impl AlreadyShownView {
    pub fn pass(nav: super::guard::Nav, user_id: &str, username: &str) -> Self {
        Self {
            nav,
            heading: format!("Pass for {username}"),
            message: "This passcode was already shown, and a passcode is never shown twice. \
                      Issue a new one? It replaces the pass just issued.",
            again_href: format!("/admin/users/{user_id}/pass"),
            again_label: "Issue a new pass",
            back_href: format!("/admin/users/{user_id}"),
            back_label: format!("Back to {username}"),
        }
    }

    pub fn client(nav: super::guard::Nav, client_id: &str) -> Self {
        Self {
            nav,
            heading: format!("Secret of client {client_id}"),
            message: "This secret was already shown, and a secret is never shown twice. \
                      Generate a new one? The client page can replace it; the old one then stops working.",
            again_href: format!("/admin/clients/{client_id}#edit-client-form"),
            again_label: "Generate a new secret",
            back_href: "/admin/clients".into(),
            back_label: "Back to the clients".into(),
        }
    }

    pub fn webhook(nav: super::guard::Nav) -> Self {
        Self {
            nav,
            heading: "Webhook signing secret".into(),
            message: "This secret was already shown, and a secret is never shown twice. \
                      For a new one, remove the webhook and register it again.",
            again_href: "/admin/webhooks#new-webhook-form".into(),
            again_label: "Register a webhook",
            back_href: "/admin/webhooks".into(),
            back_label: "Back to the webhooks".into(),
        }
    }
}
