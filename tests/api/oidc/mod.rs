//! The OpenID Connect provider, grouped by behaviour.

mod client_credentials;
mod clients_cli;
mod discovery;
mod keys;
mod token_errors;
