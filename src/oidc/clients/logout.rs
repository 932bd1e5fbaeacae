//! A client's sign-out and browser settings (back- and front-channel logout, allowed origins, token
//! introspection), as changed by a registration or an update.

use super::{Client, Origin, RedirectUri, registry};
use crate::audit::{self, Event};

/// The sign-out and browser settings of a client; `None` leaves a field as it is (or unset, when adding).
#[derive(Clone, Debug, Default)]
pub struct LogoutChanges {
    /// `Some(None)` removes it.
    pub backchannel_logout_uri: Option<Option<RedirectUri>>,
    pub backchannel_logout_session_required: Option<bool>,
    pub frontchannel_logout_uri: Option<Option<RedirectUri>>,
    pub frontchannel_logout_session_required: Option<bool>,
    pub allowed_origins: Option<Vec<Origin>>,
    pub may_introspect: Option<bool>,
}

impl LogoutChanges {
    /// Applies the changes to `client`, adding what changed to `event`.
    pub(super) fn apply(self, client: &mut Client, mut event: Event) -> Event {
        if let Some(uri) = self.backchannel_logout_uri {
            client.backchannel_logout_uri = uri.map(String::from);
            event = event.detail("backchannel_logout_uri", &client.backchannel_logout_uri);
        }
        if let Some(required) = self.backchannel_logout_session_required {
            client.backchannel_logout_session_required = required;
            event = event.detail("backchannel_logout_session_required", required);
        }
        if let Some(uri) = self.frontchannel_logout_uri {
            client.frontchannel_logout_uri = uri.map(String::from);
            event = event.detail("frontchannel_logout_uri", &client.frontchannel_logout_uri);
        }
        if let Some(required) = self.frontchannel_logout_session_required {
            client.frontchannel_logout_session_required = required;
            event = event.detail("frontchannel_logout_session_required", required);
        }
        if let Some(origins) = self.allowed_origins {
            client.allowed_origins =
                registry::dedup(origins.iter().map(|o| o.as_str().to_string()).collect());
            event = event.detail("allowed_origins", &client.allowed_origins);
        }
        if let Some(may) = self.may_introspect {
            client.may_introspect = may;
            event = event
                .detail("may_introspect", may)
                .severity(audit::Severity::High);
        }
        event
    }
}
