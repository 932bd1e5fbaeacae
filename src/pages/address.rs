//! The one place that says which address a request came from, as recorded in the audit trail and used
//! for throttling: pages, the protocol's endpoints and the admin API all take [`ClientAddress`].

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRef, FromRequestParts};
use axum::http::request::Parts;

use crate::config::Config;

/// The address a request came from, when the server knows it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientAddress(pub Option<String>);

impl<S> FromRequestParts<S> for ClientAddress
where
    Arc<Config>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let config = Arc::<Config>::from_ref(state);
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip());
        Ok(Self(
            client_ip(&config, peer, parts).map(|ip| ip.to_string()),
        ))
    }
}

/// The client's address: the peer of the connection, or what a trusted proxy says it forwarded for
/// (see [`super::forwarded`]).
fn client_ip(config: &Config, peer: Option<IpAddr>, parts: &Parts) -> Option<IpAddr> {
    super::forwarded::client_ip(&config.trusted_proxies, peer, &parts.headers)
}

/// The client's address of a request seen whole (the request log), by the same rule as the
/// extractor; and whether the connection came from a trusted proxy.
pub fn of_request<B>(config: &Config, request: &axum::http::Request<B>) -> (Option<IpAddr>, bool) {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    let via_proxy = peer.is_some_and(|p| config.trusted_proxies.contains(p));
    (
        super::forwarded::client_ip(&config.trusted_proxies, peer, request.headers()),
        via_proxy,
    )
}
