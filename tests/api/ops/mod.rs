//! Operating tapid: the environment it starts in, checking the configuration, backups, the audit tail.

mod audit_tail;
mod backup;
mod check_config;
mod environment;
mod log_output;
mod metrics;
pub mod process;
mod proxies;
pub mod python;
mod request_log;
mod traces;
mod webhook_admin;
mod webhooks;
