//! Sign-in pages: the username page, the choice of methods, each method, and the session they give.

mod budgets;
mod cli;
mod first_day;
mod pages;
mod pass_to_passkey;
mod passkey;
mod security_info;
mod tap_atomic;
mod tap_hold;
mod tap_journey;
mod tap_truth;
mod totp;

use crate::helpers::TestApp;

/// Actions and outcomes of the audit events whose action starts with `prefix`, oldest first.
pub async fn audit_events(app: &TestApp, prefix: &str) -> Vec<(String, String, String)> {
    sqlx::query_as::<sqlx::Any, (String, String, String)>(
        "SELECT action, outcome, details FROM audit_events WHERE action LIKE $1 ORDER BY seq",
    )
    .bind(format!("{prefix}%"))
    .fetch_all(app.db.pool())
    .await
    .unwrap()
}

/// Level and amr of every signed-in session of a user.
pub async fn sessions_of(app: &TestApp, user_id: &str) -> Vec<(String, String)> {
    sqlx::query_as::<sqlx::Any, (String, String)>(
        "SELECT level, amr FROM sessions WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_all(app.db.pool())
    .await
    .unwrap()
}
