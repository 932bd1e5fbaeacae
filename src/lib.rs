//! tapid: an OpenID Connect identity provider whose front door for people without a working credential is
//! the Temporary Access Pass.

pub mod admin;
pub mod api;
pub mod audit;
pub mod cli;
pub mod config;
pub mod db;
pub mod directory;
pub mod error;
pub mod http;
pub mod level;
pub mod login;
pub mod mail;
pub mod methods;
pub mod metrics;
pub mod oidc;
pub mod pages;
pub mod reveal;
pub mod scim;
pub mod secrets;
pub mod security_info;
pub mod server;
pub mod session;
pub mod state;
pub mod tap;
pub mod throttle;
pub mod traces;
pub mod webhooks;

pub use http::app;
pub use state::AppState;
