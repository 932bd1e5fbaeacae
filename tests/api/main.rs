//! tapid's integration tests: one binary, every test against a real server on a fresh database.
//! Set `TAPID_TEST_DATABASE_URL=postgres://…` to run them all on PostgreSQL.

// Shared by every suite; not each suite uses every helper.
#[allow(dead_code)]
mod helpers;

mod admin;
mod architecture;
mod audit_trail;
mod brand;
mod browser_errors;
mod cli_directory;
mod configuration;
mod health;
mod hostile;
mod instances;
mod logout;
mod mail;
mod oidc;
mod ops;
mod scim;
mod secrets_at_rest;
mod serve;
mod signin;
mod soak;
mod tap;
