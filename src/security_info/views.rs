//! What the security-info pages show of methods and sign-ins.

use serde_json::Value;
use time::OffsetDateTime;
use time::macros::format_description;

use crate::db::audit::{AuditFilter, AuditRow};
use crate::db::{self, Db};
use crate::error::AppError;
use crate::methods::{self, Method};

pub fn when(at: OffsetDateTime) -> String {
    at.format(format_description!(
        "[year]-[month]-[day] [hour]:[minute] UTC"
    ))
    .unwrap_or_default()
}

pub struct MethodView {
    pub id: String,
    pub name: String,
    pub kind: &'static str,
    pub created: String,
    pub last_used: String,
    pub with_tap: bool,
}

impl From<&Method> for MethodView {
    fn from(m: &Method) -> Self {
        Self {
            id: m.id.clone(),
            name: m.name.clone(),
            kind: m.kind.label(),
            created: when(m.created_at),
            last_used: m.last_used_at.map(when).unwrap_or_else(|| "Never".into()),
            with_tap: m.registered_with_tap,
        }
    }
}

pub async fn methods_of(db: &Db, user_id: &str) -> Result<Vec<MethodView>, AppError> {
    Ok(methods::list(db, user_id)
        .await?
        .iter()
        .map(MethodView::from)
        .collect())
}

pub struct SignInView {
    pub when: String,
    pub succeeded: bool,
    pub method: String,
    pub address: String,
}

fn method_label(method: &str) -> &'static str {
    match method {
        "otp" => "Authenticator app",
        "passkey" => "Passkey",
        "tap" => "Temporary Access Pass",
        _ => "Other",
    }
}

/// The person's latest sign-ins, from the audit trail.
pub async fn recent_sign_ins(db: &Db, user_id: &str) -> Result<Vec<SignInView>, AppError> {
    let filter = AuditFilter {
        user_id: Some(user_id.to_string()),
        action: Some("signin.".into()),
        limit: 10,
        ..AuditFilter::default()
    };
    let rows: Vec<AuditRow> = db::audit::list(db.pool(), &filter).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let details: Value = serde_json::from_str(&row.details).unwrap_or_default();
            SignInView {
                when: when(db::from_ts(row.at)),
                succeeded: row.outcome == "success",
                method: method_label(details["method"].as_str().unwrap_or_default()).into(),
                address: row.address.unwrap_or_else(|| "-".into()),
            }
        })
        .collect())
}
