//! The Temporary Access Pass: every rule of DESIGN.md, on SQLite and PostgreSQL.

mod api;
mod audit_facts;
mod bulk;
mod cli;
mod concurrency;
mod expiry;
mod first_run;
mod issuance;
mod issuer_authority;
mod openapi;
mod policy;
mod policy_at_use;
mod reveal;
mod roles;
mod secrecy;
mod signin;
mod state;
