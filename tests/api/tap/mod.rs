//! The Temporary Access Pass: every rule of DESIGN.md, on SQLite and PostgreSQL.

mod cli;
mod concurrency;
mod expiry;
mod first_run;
mod issuance;
mod policy;
mod roles;
mod secrecy;
mod signin;
mod state;
