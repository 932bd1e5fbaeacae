//! What console pages show of users, methods, passes and events: formatted once, here.

use std::fmt;

use time::OffsetDateTime;

use super::service::audit::AuditEvent;
use crate::directory::{Role, User};
use crate::methods::Method;
use crate::pages::time::Moment;
use crate::tap::{PassView, Reason};

/// A time as a page shows it: a `<time>` in UTC that `static/time.js` rewrites in the reader's zone.
pub fn when(at: OffsetDateTime) -> Moment {
    Moment::new(at)
}

/// A time that may not have happened yet: the time, or a word ("Never").
pub enum Maybe {
    At(Moment),
    Not(&'static str),
}

impl Maybe {
    pub fn or(at: Option<OffsetDateTime>, word: &'static str) -> Self {
        at.map_or(Maybe::Not(word), |at| Maybe::At(when(at)))
    }
}

impl fmt::Display for Maybe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Maybe::At(moment) => moment.fmt(f),
            // Words tapid writes itself: nothing to escape.
            Maybe::Not(word) => f.write_str(word),
        }
    }
}

impl askama::filters::HtmlSafe for Maybe {}

pub struct UserLine {
    pub id: String,
    pub username: String,
    pub name: String,
    pub email: String,
    pub roles: String,
    pub enabled: bool,
    pub email_verified: bool,
}

impl From<&User> for UserLine {
    fn from(u: &User) -> Self {
        Self {
            id: u.id.clone(),
            username: u.username.clone(),
            name: u.display_name.clone().unwrap_or_default(),
            email: u.email.clone().unwrap_or_default(),
            roles: Role::format_list(&u.roles),
            enabled: u.enabled,
            email_verified: u.email_verified,
        }
    }
}

pub struct MethodLine {
    pub id: String,
    pub kind: &'static str,
    pub name: String,
    pub created: Moment,
    pub last_used: Maybe,
    pub with_tap: bool,
    /// The pass it was registered under, when that was recorded.
    pub pass: Option<PassRef>,
}

/// A pass named on a page: its id, a short form of it, and (when known) its issuance.
pub struct PassRef {
    pub id: String,
    pub short: String,
    /// When and by whom it was issued, from the audit trail (pass rows do not outlive their
    /// replacement).
    pub issued: Option<(Moment, String)>,
}

impl PassRef {
    pub fn new(id: &str) -> Self {
        Self {
            id: id.to_string(),
            short: id.chars().take(8).collect(),
            issued: None,
        }
    }
}

impl From<&Method> for MethodLine {
    fn from(m: &Method) -> Self {
        Self {
            id: m.id.clone(),
            kind: m.kind.label(),
            name: m.name.clone(),
            created: when(m.created_at),
            last_used: Maybe::or(m.last_used_at, "Never"),
            with_tap: m.registered_with_tap,
            pass: m.tap_id.as_deref().map(PassRef::new),
        }
    }
}

pub struct PassLine {
    pub usable: bool,
    /// Its state as a sentence ("Not usable. It was for one use and has been used.").
    pub state: String,
    pub start: Moment,
    pub end: Moment,
    pub one_time: bool,
    pub created_by: String,
    pub created: Moment,
    pub last_used: Maybe,
    pub failed_attempts: i64,
    pub revoked: bool,
}

pub fn explain(reason: Reason) -> &'static str {
    match reason {
        Reason::EnabledByPolicy => "Usable now.",
        Reason::DisabledByPolicy => "Passes are turned off in the policy.",
        Reason::NotInScope => "The user is outside the policy's scope.",
        Reason::NotYetValid => "It starts later.",
        Reason::Expired => "Its lifetime is over.",
        Reason::OneTimeUsed => "It was for one use and has been used.",
        Reason::Locked => "Too many wrong attempts locked it.",
        Reason::Revoked => "It was revoked.",
        Reason::UserDisabled => "The account is disabled, so nobody can sign in with it.",
        Reason::InUse => {
            "A sign-in with it is in progress: it is spent once that sign-in sets up a method, \
             and works again if it ends without."
        }
    }
}

impl From<&PassView> for PassLine {
    fn from(p: &PassView) -> Self {
        Self {
            usable: p.usable,
            state: if p.usable {
                "Usable now.".into()
            } else {
                format!("Not usable. {}", explain(p.reason))
            },
            start: when(p.start),
            end: when(p.end),
            one_time: p.one_time,
            created_by: p
                .created_by
                .name
                .clone()
                .unwrap_or_else(|| p.created_by.kind.clone()),
            created: when(p.created_at),
            last_used: Maybe::or(p.last_used, "Never"),
            failed_attempts: p.failed_attempts,
            revoked: p.revoked_at.is_some(),
        }
    }
}

pub struct EventLine {
    pub seq: i64,
    pub when: Moment,
    /// What happened, as a sentence.
    pub sentence: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub outcome: String,
    pub severity: String,
    pub address: String,
    /// The event's details, one `(key, value)` each, behind a disclosure.
    pub details: Vec<super::sentences::DetailLine>,
}

impl From<&AuditEvent> for EventLine {
    fn from(e: &AuditEvent) -> Self {
        Self {
            seq: e.seq,
            when: when(e.at),
            sentence: super::sentences::sentence(e),
            actor: e.actor_text(),
            action: e.action.clone(),
            target: e.target_text(),
            outcome: e.outcome.clone(),
            severity: e.severity.clone(),
            address: e.address.clone().unwrap_or_default(),
            details: super::sentences::detail_lines(e),
        }
    }
}
