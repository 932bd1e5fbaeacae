//! Faults: a database that goes away and comes back, a process killed while it serves, a shutdown while
//! requests are in flight. They run `tapid serve` processes against a private PostgreSQL cluster that they
//! may stop at will, so they need PostgreSQL's server binaries and root (the cluster runs as `postgres`).
//! `.ci/run` runs them with `cargo test --test faults -- --ignored`.

mod cluster;
mod instances;
mod outage;
mod process;
mod sigkill;
