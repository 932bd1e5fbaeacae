//! tapid: an OpenID Connect identity provider whose front door for people without a working credential is
//! the Temporary Access Pass.

pub mod audit;
pub mod cli;
pub mod config;
pub mod db;
pub mod directory;
pub mod error;
pub mod http;
pub mod secrets;
pub mod server;
pub mod session;
pub mod state;

pub use http::app;
pub use state::AppState;
