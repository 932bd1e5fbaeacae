//! What the security-info pages show of methods and sign-ins.

use serde_json::Value;
use time::OffsetDateTime;

use crate::db::audit::{AuditFilter, AuditRow};
use crate::db::{self, Db};
use crate::error::AppError;
use crate::methods::{self, Method};

use crate::pages::time::Moment;

/// A time as the page shows it: in the reader's own zone with the time left (static/time.js),
/// labelled UTC without the script.
pub fn when(at: OffsetDateTime) -> Moment {
    Moment::new(at)
}

pub struct MethodView {
    pub id: String,
    pub name: String,
    pub kind: &'static str,
    pub created: Moment,
    pub last_used: Option<Moment>,
    pub with_tap: bool,
}

impl From<&Method> for MethodView {
    fn from(m: &Method) -> Self {
        Self {
            id: m.id.clone(),
            name: m.name.clone(),
            kind: m.kind.label(),
            created: when(m.created_at),
            last_used: m.last_used_at.map(when),
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
    pub when: Moment,
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
