//! Webhooks: the security team's event stream. Administrators register endpoints with the event types
//! they want; each matching audit event enters an outbox in the transaction that records it
//! (`db::webhooks::enqueue`, called by `audit::record_all`) and is delivered at least once, oldest first per
//! endpoint, signed as the Standard Webhooks specification describes, retried with backoff, by one
//! instance at a time per endpoint (a lease in the database).

pub mod deliver;
pub mod endpoints;
pub mod signature;

pub use endpoints::{Endpoint, NewEndpoint};
