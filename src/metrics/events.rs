//! Series derived from the audit events of committed transactions.

use serde_json::Value;

use super::{EventLabels, Metrics, SigninLabels, TokenLabels};
use crate::db::Committed;
use crate::db::audit::AuditRow;

/// Pass events counted under their own name; any other `tap.*` action counts as `other`.
pub(super) const PASS_EVENTS: &[&str] = &[
    "issued", "replaced", "revoked", "used", "failed", "locked", "expired", "purged",
];

/// Sign-in methods counted by name; anything else counts as `other`.
pub(super) const SIGNIN_METHODS: &[&str] = &["passkey", "totp", "tap"];

impl Metrics {
    pub(super) fn committed(&self, committed: &Committed<'_>) {
        self.write_wait_seconds
            .observe(committed.waited.as_secs_f64());
        if !committed.events.is_empty() {
            self.audit_append_seconds
                .observe(committed.appending.as_secs_f64());
        }
        for event in committed.events {
            self.event(event);
        }
    }

    fn event(&self, event: &AuditRow) {
        match event.action.as_str() {
            "token.issued" => {
                let details = details(event);
                self.tokens
                    .get_or_create(&TokenLabels {
                        grant_type: text(&details, "grant_type"),
                        client: text(&details, "client_id"),
                    })
                    .inc();
            }
            "signin.succeeded" | "signin.failed" => {
                let details = details(event);
                let method = text(&details, "method");
                let method = if SIGNIN_METHODS.contains(&method.as_str()) {
                    method
                } else {
                    "other".into()
                };
                let outcome = if event.action == "signin.succeeded" {
                    "success"
                } else {
                    "failure"
                };
                self.signins
                    .get_or_create(&SigninLabels {
                        method,
                        outcome: outcome.into(),
                    })
                    .inc();
            }
            action => {
                if let Some(name) = action.strip_prefix("tap.") {
                    let name = if PASS_EVENTS.contains(&name) {
                        name
                    } else {
                        "other"
                    };
                    self.passes
                        .get_or_create(&EventLabels { event: name.into() })
                        .inc();
                }
            }
        }
    }
}

fn details(event: &AuditRow) -> Value {
    serde_json::from_str(&event.details).unwrap_or(Value::Null)
}

/// A detail as a label value: bounded by what tapid writes there, `unknown` when absent.
fn text(details: &Value, key: &str) -> String {
    match details.get(key) {
        Some(Value::String(s)) => s.clone(),
        _ => "unknown".into(),
    }
}
