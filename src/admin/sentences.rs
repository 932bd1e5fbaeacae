//! Audit events as a person reads them: one sentence each ("sam signed in with their pass"), from the
//! event's action, parties and details. The stable names (`tap.used`, `wrong_passcode`) stay in the
//! details, the API, the CLI and the exports; these words are for the console only.

use serde_json::Value;

use super::service::audit::{AuditEvent, Party};

/// Who did it, in words.
fn party(p: &Party) -> String {
    match (p.kind.as_str(), p.name.as_deref()) {
        ("client", Some(name)) => format!("the application {name}"),
        (_, Some(name)) => name.to_string(),
        ("cli", None) => "an operator at the command line".into(),
        ("system", None) => "tapid".into(),
        ("anonymous", None) => "someone not signed in".into(),
        (kind, None) => format!("a {kind}"),
    }
}

/// The sentence with a capital, unless it begins with a name (usernames keep their case).
fn capitalised(text: String) -> String {
    let first = text.split(' ').next().unwrap_or_default();
    if !matches!(first, "a" | "an" | "the" | "someone") {
        return text;
    }
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => text,
    }
}

/// A reason code (snake_case, or an older PascalCase one) in words.
pub fn reason_words(code: &str) -> String {
    let snake = snake_case(code);
    match snake.as_str() {
        "wrong_passcode" => "the passcode was wrong".into(),
        "unknown_user" => "there is no such user".into(),
        "no_pass" => "they have no pass".into(),
        "user_disabled" => "the account is disabled".into(),
        "one_time_used" => "the one-time pass was already used".into(),
        "expired" => "the pass had expired".into(),
        "not_yet_valid" => "the pass was not valid yet".into(),
        "locked" => "the pass is locked after too many wrong tries".into(),
        "revoked" => "the pass was revoked".into(),
        "disabled_by_policy" => "passes are turned off in the policy".into(),
        "not_in_scope" => "they are outside the pass policy's scope".into(),
        "no_longer_usable" => "the pass was used up a moment before".into(),
        "enrollment_window_over" | "setup_window_over" => {
            "the time to set up a method ran out".into()
        }
        "in_use" => "another sign-in with the one-time pass is in progress".into(),
        "session_replaced" => "someone else signed in on the same browser".into(),
        "session_ended" => "the session was ended".into(),
        "issuer_lacks_authority" => "whoever issued the pass may no longer do so".into(),
        "signed_out" | "signout" => "they signed out".into(),
        "user_disabled_or_removed" => "the account was disabled or removed".into(),
        other => other.replace('_', " "),
    }
}

/// `OneTimeUsed` → `one_time_used`; snake_case stays as it is.
pub fn snake_case(code: &str) -> String {
    let mut out = String::with_capacity(code.len() + 4);
    for (i, c) in code.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn text<'a>(details: &'a Value, key: &str) -> Option<&'a str> {
    details.get(key).and_then(Value::as_str)
}

fn method_words(kind: Option<&str>) -> &'static str {
    match kind {
        Some("passkey") => "a passkey",
        Some("totp") => "an authenticator app",
        Some("tap") => "their pass",
        _ => "a sign-in method",
    }
}

/// The event as one sentence.
pub fn sentence(e: &AuditEvent) -> String {
    let actor = party(&e.actor);
    let target = e.target.as_ref().map(party).unwrap_or_default();
    let of = |whose: &str| format!("{whose}'s");
    let d = &e.details;
    let reason = text(d, "reason").map(reason_words);
    let because = reason
        .as_deref()
        .map(|r| format!(": {r}"))
        .unwrap_or_default();
    let failed = e.outcome == "failure";
    let line = match e.action.as_str() {
        "tap.issued" => format!("{actor} issued a Temporary Access Pass to {target}"),
        "tap.replaced" => format!("{actor} replaced {} pass with a new one", of(&target)),
        "tap.revoked" => format!("{actor} revoked {} pass", of(&target)),
        "tap.used" => format!("{target} signed in with their pass"),
        "tap.failed" if target.is_empty() => format!("A sign-in with a pass failed{because}"),
        "tap.failed" => format!("A sign-in with {} pass failed{because}", of(&target)),
        "tap.locked" => format!("{} pass locked after too many wrong tries", of(&target)),
        "tap.expired" => format!("{} pass expired", of(&target)),
        "tap.spent" => format!("{target} set up a method, which used up their one-time pass"),
        "tap.released" => format!(
            "{} one-time pass works again: the sign-in with it set nothing up{because}",
            of(&target)
        ),
        "tap.purged" => format!("An old pass of {target} was deleted"),
        "signin.succeeded" => format!(
            "{target} signed in with {}",
            method_words(text(d, "method"))
        ),
        "signin.failed" => format!(
            "A sign-in as {} with {} failed{because}",
            text(d, "username").unwrap_or(target.as_str()),
            method_words(text(d, "method"))
        ),
        "method.registered" => format!(
            "{actor} added {} for {target}",
            method_words(text(d, "kind"))
        ),
        "method.removed" => format!(
            "{actor} removed {} {}",
            of(&target),
            text(d, "name").map_or_else(|| "sign-in method".to_string(), |n| format!("“{n}”"))
        ),
        "method.renamed" => format!("{actor} renamed a sign-in method of {target}"),
        "session.ended" => format!("{} session ended{because}", of(&target)),
        "user.created" => format!("{actor} created the account {target}"),
        "user.updated" | "user.profile_updated" => {
            format!("{actor} changed {} details", of(&target))
        }
        "user.enabled" => format!("{actor} enabled {} account", of(&target)),
        "user.disabled" => format!("{actor} disabled {} account", of(&target)),
        "user.removed" => format!("{actor} removed the account {target}"),
        "user.signed_out" => format!("{actor} signed {target} out everywhere"),
        "policy.updated" => format!("{actor} changed the pass policy"),
        "group.created" => format!("{actor} created the group {target}"),
        "group.removed" => format!("{actor} removed the group {target}"),
        "group.renamed" | "group.profile_updated" => format!("{actor} changed the group {target}"),
        "group.member_added" => format!("{actor} added a member to the group {target}"),
        "group.member_removed" => format!("{actor} removed a member from the group {target}"),
        "client.created" => format!("{actor} registered {target}"),
        "client.updated" => format!("{actor} changed {target}"),
        "client.removed" => format!("{actor} removed {target}"),
        "token.issued" => format!("Tokens were issued to {actor}"),
        "token.revoked" => format!("{actor} revoked a token"),
        "token.refresh_reused" => {
            "A refresh token was used twice, so its whole family was revoked".to_string()
        }
        "token.code_reused" => {
            "An authorization code was used twice, so its tokens were revoked".to_string()
        }
        "keys.rotated" => format!("{actor} rotated the signing keys"),
        "webhook.created" => format!("{actor} registered a webhook"),
        "webhook.removed" => format!("{actor} removed a webhook"),
        other if target.is_empty() => format!("{actor}: {other}"),
        other => format!("{actor}: {other}, about {target}"),
    };
    let line = capitalised(line);
    if failed && !line.contains("failed") && !e.action.ends_with(".locked") {
        format!("{line} (it failed{because}).")
    } else {
        format!("{line}.")
    }
}

/// The details of an event, one `key: value` line each, for the disclosure beside its sentence.
pub fn detail_lines(e: &AuditEvent) -> Vec<(String, String)> {
    match &e.details {
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| {
                let shown = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (k.clone(), shown)
            })
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_codes_read_the_same_in_either_spelling() {
        assert_eq!(snake_case("OneTimeUsed"), "one_time_used");
        assert_eq!(snake_case("wrong_passcode"), "wrong_passcode");
        assert_eq!(reason_words("OneTimeUsed"), reason_words("one_time_used"));
        assert_eq!(reason_words("some_new_reason"), "some new reason");
    }
}
