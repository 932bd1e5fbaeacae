//! Audit events as a person reads them: one sentence each ("sam signed in with their pass"), from the
//! event's action, parties and details. The stable names (`tap.used`, `wrong_passcode`) stay in the
//! details, the API, the CLI and the exports; these words are for the console only.

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::service::audit::{AuditEvent, Party};
use crate::pages::time::Moment;

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

/// A reason code (snake_case, or an older PascalCase one) in words: the one mapping the sentences and
/// the details beside them share. `None` for a code this table does not know.
pub fn known_reason(code: &str) -> Option<&'static str> {
    Some(match snake_case(code).as_str() {
        // A pass's state (`tap::Reason`).
        "enabled_by_policy" => "the pass was usable",
        "disabled_by_policy" => "passes are turned off in the policy",
        "not_in_scope" => "they are outside the pass policy's scope",
        "not_yet_valid" => "the pass was not valid yet",
        "expired" => "the pass had expired",
        "one_time_used" => "the one-time pass was already used",
        "locked" => "it was locked after too many wrong tries",
        "revoked" => "the pass was revoked",
        "user_disabled" => "the account is disabled",
        "in_use" => "another sign-in with the one-time pass is in progress",
        // Sign-in with a pass.
        "wrong_passcode" => "the passcode was wrong",
        "unknown_user" => "there is no such user",
        "no_pass" => "they have no pass",
        "no_longer_usable" => "the pass was used up a moment before",
        "pass_not_usable" => "the pass could no longer be used",
        "pass_refused" => "the pass was refused",
        "issuer_lacks_authority" => "whoever issued the pass may no longer do so",
        // Sign-in with an authenticator app or a passkey.
        "wrong_code" => "the code was wrong",
        "no_ceremony" => "the passkey prompt had not been started or had run out",
        "unknown_credential" => "the passkey is not registered here",
        "no_passkey" => "they have no passkey",
        "credential_of_another_user" => "the passkey belongs to someone else",
        "user_handle_mismatch" => "the passkey named a different person",
        "user_not_verified" => "the device did not check their fingerprint, face or PIN",
        "assertion_invalid" => "the passkey's answer did not check out",
        // Sessions ending and holds on a one-time pass released.
        "enrollment_window_over" | "setup_window_over" => "the time to set up a method ran out",
        "session_replaced" | "replaced" => "someone else signed in on the same browser",
        "session_ended" => "the session was ended",
        "signed_out" | "signout" | "logout" => "they signed out",
        "administrator" => "an administrator signed them out",
        "methods_removed" => "their sign-in methods were removed",
        "user_disabled_or_removed" => "the account was disabled or removed",
        // Passes that provisioning (SCIM) asked for on a start date.
        "invalid_start_date" => "the start date could not be read",
        "unknown_time_zone" => "their time zone is unknown",
        "start_date_passed" => "the start date had already passed",
        "issuer_gone" => "the system that asked for it is no longer registered",
        "refused" => "the pass could not be issued",
        _ => return None,
    })
}

/// A reason code in words; a code the table does not know is read with spaces for underscores.
pub fn reason_words(code: &str) -> String {
    known_reason(code).map_or_else(|| snake_case(code).replace('_', " "), String::from)
}

/// Whether a detail holds a reason code (shown in words, the code beside it).
fn is_reason(key: &str) -> bool {
    key == "reason" || key == "state" || key.ends_with("_reason") || key.ends_with("_state")
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
        "device.approved" => format!("{actor} let {target} sign in on a device"),
        "device.denied" => format!("{actor} refused {target} on a device"),
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

/// One detail of an event as the disclosure shows it: a label, the value in words, and for a reason
/// the stable code beside it (small, for whoever searches the API or an export for it).
pub struct DetailLine {
    pub label: String,
    pub value: String,
    pub code: Option<String>,
    /// A detail that is a time (`start`, `end`, `held_until`, any RFC 3339 value): shown as every
    /// other time on the page, in the reader's zone by the page's script, in UTC without it.
    pub moment: Option<Moment>,
}

/// The details of an event, one line each, for the disclosure beside its sentence.
pub fn detail_lines(e: &AuditEvent) -> Vec<DetailLine> {
    match &e.details {
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| {
                let shown = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                let label = capitalised_word(&k.replace('_', " "));
                match v {
                    Value::String(code) if is_reason(k) => DetailLine {
                        label,
                        value: capitalised_word(&reason_words(code)),
                        code: Some(code.clone()),
                        moment: None,
                    },
                    Value::String(at) => DetailLine {
                        label,
                        moment: OffsetDateTime::parse(at, &Rfc3339).ok().map(Moment::new),
                        value: shown,
                        code: None,
                    },
                    _ => DetailLine {
                        label,
                        value: shown,
                        code: None,
                        moment: None,
                    },
                }
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn capitalised_word(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
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

    /// Every reason tapid records in an audit event (`detail("reason", …)` and a pass's state).
    const RECORDED: &[&str] = &[
        "enabled_by_policy",
        "disabled_by_policy",
        "not_in_scope",
        "not_yet_valid",
        "expired",
        "one_time_used",
        "locked",
        "revoked",
        "user_disabled",
        "in_use",
        "wrong_passcode",
        "unknown_user",
        "no_pass",
        "no_longer_usable",
        "pass_not_usable",
        "pass_refused",
        "issuer_lacks_authority",
        "wrong_code",
        "no_ceremony",
        "unknown_credential",
        "no_passkey",
        "credential_of_another_user",
        "user_handle_mismatch",
        "user_not_verified",
        "assertion_invalid",
        "EnrollmentWindowOver",
        "setup_window_over",
        "session_replaced",
        "replaced",
        "session_ended",
        "signed_out",
        "signout",
        "logout",
        "administrator",
        "methods_removed",
        "invalid_start_date",
        "unknown_time_zone",
        "start_date_passed",
        "issuer_gone",
        "refused",
    ];

    #[test]
    fn every_reason_tapid_records_has_words() {
        for code in RECORDED {
            let words = known_reason(code).unwrap_or_else(|| panic!("{code} has no words"));
            assert!(!words.contains('_'), "{code}: {words}");
        }
        for reason in [
            crate::tap::Reason::EnabledByPolicy,
            crate::tap::Reason::DisabledByPolicy,
            crate::tap::Reason::NotInScope,
            crate::tap::Reason::NotYetValid,
            crate::tap::Reason::Expired,
            crate::tap::Reason::OneTimeUsed,
            crate::tap::Reason::Locked,
            crate::tap::Reason::Revoked,
            crate::tap::Reason::UserDisabled,
            crate::tap::Reason::InUse,
        ] {
            assert!(known_reason(reason.audit_reason()).is_some(), "{reason:?}");
            assert!(known_reason(reason.as_str()).is_some(), "{reason:?}");
        }
    }
}
