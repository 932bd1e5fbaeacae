//! A notice to a person about their own account, rendered from the audit event it announces: what
//! happened, when, from where, and whom to call if it was not them.

use serde_json::Value;
use time::macros::format_description;

use super::compose::NoticeMail;
use crate::db::audit::AuditRow;

fn when(ts: i64) -> String {
    crate::db::from_ts(ts)
        .format(format_description!(
            "[year]-[month]-[day] [hour]:[minute] UTC"
        ))
        .unwrap_or_default()
}

fn method_kind(details: &Value) -> &'static str {
    match details.get("kind").and_then(Value::as_str) {
        Some("passkey") => "a passkey",
        Some("totp") => "an authenticator app",
        _ => "a sign-in method",
    }
}

/// The notice for `event` to `to`; `None` for an event people are not told about.
pub fn for_event(event: &AuditRow, to: &str, username: &str, helpdesk: &str) -> Option<NoticeMail> {
    let details: Value = serde_json::from_str(&event.details).unwrap_or(Value::Null);
    let by = event.actor_name.as_deref().unwrap_or("tapid");
    let (subject, what) = match event.action.as_str() {
        "tap.issued" => (
            "A Temporary Access Pass was issued for you".to_string(),
            format!(
                "A Temporary Access Pass was issued for your account by {by}, valid from {} until {}. \
                 Whoever issued it will hand it to you; nobody from IT will ask you to read it out.",
                details
                    .get("start")
                    .and_then(Value::as_str)
                    .unwrap_or("now"),
                details
                    .get("end")
                    .and_then(Value::as_str)
                    .unwrap_or("its end"),
            ),
        ),
        "tap.used" => (
            "Your Temporary Access Pass was used to sign in".to_string(),
            "Your Temporary Access Pass was used to sign in to your account.".to_string(),
        ),
        "method.registered" => {
            let kind = method_kind(&details);
            (
                format!("{} was added to your account", capitalised(kind)),
                format!(
                    "{} was added to your account as a way to sign in.",
                    capitalised(kind)
                ),
            )
        }
        "method.removed" => {
            let kind = method_kind(&details);
            (
                format!("{} was removed from your account", capitalised(kind)),
                format!(
                    "{} was removed from your account by {by}.",
                    capitalised(kind)
                ),
            )
        }
        _ => return None,
    };
    Some(NoticeMail {
        to: to.to_string(),
        subject,
        username: username.to_string(),
        what,
        when: when(event.at),
        address: event.address.clone(),
        helpdesk: helpdesk.to_string(),
    })
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
