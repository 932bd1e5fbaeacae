//! The Temporary Access Pass: policy, passcode generation and checking, state and reasons.
//!
//! - [`policy`]: the one policy of the deployment, validated on every change;
//! - [`passcode`]: generation, display, normalised entry, Argon2id hashing;
//! - [`pass`]: a stored pass and its state (`usable` and the reason);
//! - [`authority`]: who may issue, read and revoke; [`issuer`]: a pass ends when its issuer's
//!   authority over its holder does;
//! - [`restricted`]: a restricted session ends when its pass could no longer open it;
//! - [`issue`], [`revoke`]: the changes, each with its audit event; [`bulk`]: a batch of passes,
//!   all or nothing; [`start`]: a start in the person's own time zone;
//! - [`reveal`]: the one-time link that reveals a passcode instead of showing it;
//! - [`signin`]: checking a passcode at sign-in; [`hold`]: a one-time pass held by the session it
//!   opened until that session registers a method, or given back;
//! - [`expiry`]: recording expiry once and purging old passes.

pub mod authority;
pub mod bulk;
pub mod expiry;
pub mod hold;
pub mod issue;
pub mod issuer;
pub mod pass;
pub mod passcode;
pub mod policy;
pub mod restricted;
pub mod reveal;
pub mod revoke;
pub mod signin;
pub mod start;

pub use authority::Authority;
pub use issue::{IssueRequest, Issued, MAX_START_AHEAD, issue};
pub use pass::{PassView, Reason, show};
pub use passcode::Passcode;
pub use policy::Policy;
pub use revoke::{Ended, revoke};
pub use signin::{PassSignIn, TapRefused, check_passcode, spend_passcode};
pub use start::{LocalStart, StartDate};

/// A stored time as RFC 3339, for audit details.
fn rfc3339(ts: i64) -> String {
    crate::db::from_ts(ts)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| ts.to_string())
}
