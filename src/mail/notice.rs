//! A notice to a person about their own account, rendered from the audit event it announces: what
//! happened, when, from where, and whom to call if it was not them.

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::compose::NoticeMail;
use super::when::told;
use crate::db::audit::AuditRow;

fn method_kind(details: &Value) -> &'static str {
    match details.get("kind").and_then(Value::as_str) {
        Some("passkey") => "a passkey",
        Some("totp") => "an authenticator app",
        _ => "a sign-in method",
    }
}

/// The notice for `event` to `to`, its times told in `zone` (the recipient's, when the directory has
/// one) and in UTC; `None` for an event people are not told about.
pub fn for_event(
    event: &AuditRow,
    to: &str,
    username: &str,
    helpdesk: &str,
    zone: Option<&str>,
) -> Option<NoticeMail> {
    let details: Value = serde_json::from_str(&event.details).unwrap_or(Value::Null);
    let by = event.actor_name.as_deref().unwrap_or("tapid");
    let now = OffsetDateTime::now_utc();
    let at = |key: &str, otherwise: &str| match details.get(key).and_then(Value::as_str) {
        Some(text) => OffsetDateTime::parse(text, &Rfc3339)
            .map(|t| told(t, now, zone))
            .unwrap_or_else(|_| text.to_string()),
        None => otherwise.to_string(),
    };
    let (subject, what) = match event.action.as_str() {
        "tap.issued" => (
            "A Temporary Access Pass was issued for you".to_string(),
            format!(
                "A Temporary Access Pass was issued for your account by {by}. It works from {}; it ends {}. \
                 Whoever issued it will hand it to you; nobody from IT will ask you to read it out.",
                at("start", "now"),
                at("end", "its end"),
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
        when: told(crate::db::from_ts(event.at), now, zone),
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

#[cfg(test)]
mod tests {
    use super::*;
    use time::Duration;

    fn issued(start: OffsetDateTime, end: OffsetDateTime) -> AuditRow {
        let rfc = |t: OffsetDateTime| t.format(&Rfc3339).unwrap();
        AuditRow {
            seq: 1,
            id: "e1".into(),
            at: crate::db::ts(start),
            actor_kind: "user".into(),
            actor_id: Some("u1".into()),
            actor_name: Some("hal".into()),
            action: "tap.issued".into(),
            target_kind: Some("user".into()),
            target_id: Some("u2".into()),
            target_name: Some("sam".into()),
            outcome: "success".into(),
            severity: "info".into(),
            address: None,
            details: serde_json::json!({ "start": rfc(start), "end": rfc(end) }).to_string(),
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    #[test]
    fn a_notice_tells_its_times_in_utc_labelled_with_the_time_left_and_in_a_known_zone() {
        let now = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
        // A few seconds over 8 h, so that the moment the notice is written still reads "in 8 h".
        let event = issued(now, now + Duration::hours(8) + Duration::seconds(30));

        let plain = for_event(&event, "sam@example.test", "sam", "the helpdesk", None).unwrap();
        assert!(
            plain.what.contains(" UTC, just now; it ends "),
            "{}",
            plain.what
        );
        assert!(plain.what.contains(" UTC, in 8 h."), "{}", plain.what);
        assert!(!plain.what.contains(":00Z"), "no RFC 3339: {}", plain.what);
        assert!(plain.when.ends_with("UTC, just now"), "{}", plain.when);

        let berlin = for_event(
            &event,
            "sam@example.test",
            "sam",
            "the helpdesk",
            Some("Europe/Berlin"),
        )
        .unwrap();
        assert!(berlin.what.contains(" Europe/Berlin ("), "{}", berlin.what);
        assert!(berlin.what.contains(" UTC), in 8 h."), "{}", berlin.what);
        assert!(berlin.when.contains(" Europe/Berlin ("), "{}", berlin.when);
    }
}
