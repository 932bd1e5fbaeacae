//! The service functions under the admin console and the admin API: each checks the caller's rights
//! ([`rules`]) and then calls the directory, methods, passes, clients, policy or audit code, which
//! record the audit event with the acting user. The pages and the API only translate.

pub mod audit;
pub mod clients;
pub mod groups;
pub mod methods;
pub mod policy;
pub mod rules;
pub mod users;

use serde::Serialize;

/// One page of a list, and whether more follow.
#[derive(Clone, Debug, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Where the next page starts (an offset or a cursor), when there is one.
    pub next: Option<String>,
}

/// Largest page any list returns.
pub const MAX_PAGE: i64 = 200;

/// A page size as asked for, within bounds.
pub fn page_size(asked: Option<i64>, default: i64) -> i64 {
    asked.unwrap_or(default).clamp(1, MAX_PAGE)
}
