//! Sign-out that reaches the applications: OpenID Connect Back-Channel Logout 1.0 (a receiver that
//! validates every Logout Token with a real JOSE library) and Front-Channel Logout 1.0.

mod backchannel;
mod delivery;
mod frontchannel;
mod receiver;
