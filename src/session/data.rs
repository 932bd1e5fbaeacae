//! The keys of the flow state a session carries between pages, in one place: who writes a key and who
//! reads it may live in different page families.

use super::Session;

/// The username typed on the first sign-in page, for the pages that follow.
pub const LOGIN_USERNAME: &str = "login_username";
/// Where "Continue" leads once a restricted session has registered a method.
pub const SETUP_RETURN_TO: &str = "setup_return_to";
/// When the pass a restricted session began with ends (Unix seconds).
pub const TAP_ENDS_AT: &str = "tap_ends_at";
/// A passkey sign-in ceremony in progress.
pub const PASSKEY_SIGNIN: &str = "passkey_signin";
/// A passkey registration ceremony in progress.
pub const PASSKEY_REGISTRATION: &str = "passkey_registration";
/// An authenticator-app secret being set up, sealed to this session.
pub const TOTP_PENDING: &str = "totp_pending";

impl Session {
    /// The username typed on the first page, if this session has one.
    pub fn typed_username(&self) -> Option<String> {
        self.text(LOGIN_USERNAME)
    }

    /// A text value of the flow state.
    pub fn text(&self, key: &str) -> Option<String> {
        self.data
            .get(key)
            .and_then(|v| v.as_str())
            .map(String::from)
    }
}
