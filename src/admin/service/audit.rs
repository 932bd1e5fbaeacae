//! Reading the audit trail: filtered, newest first, paged by a cursor (the sequence number to read
//! below), and exported as JSON Lines or CSV.

use std::collections::HashMap;

use serde::Serialize;
use time::OffsetDateTime;

use super::{Page, rules};
use crate::db::audit::{AuditFilter, AuditRow};
use crate::db::{self, Db};
use crate::error::AppError;
use crate::tap::Authority;

/// Most events one export holds.
pub const EXPORT_LIMIT: usize = 100_000;

/// What to look for; every field optional.
#[derive(Clone, Debug, Default)]
pub struct AuditQuery {
    /// Events by or about this user id.
    pub user_id: Option<String>,
    /// An action (`tap.issued`) or a family ending in `.` (`tap.`).
    pub action: Option<String>,
    /// `info` or `high`.
    pub severity: Option<String>,
    pub since: Option<OffsetDateTime>,
    pub until: Option<OffsetDateTime>,
    /// The `next` of the previous page.
    pub cursor: Option<String>,
}

/// An event as people and scripts see it.
#[derive(Clone, Debug, Serialize)]
pub struct AuditEvent {
    pub seq: i64,
    pub id: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor: Party,
    pub action: String,
    pub target: Option<Party>,
    pub outcome: String,
    pub severity: String,
    pub address: Option<String>,
    pub details: serde_json::Value,
}

#[derive(Clone, Debug, Serialize)]
pub struct Party {
    pub kind: String,
    pub id: Option<String>,
    pub name: Option<String>,
}

impl From<AuditRow> for AuditEvent {
    fn from(row: AuditRow) -> Self {
        Self {
            seq: row.seq,
            id: row.id,
            at: db::from_ts(row.at),
            actor: Party {
                kind: row.actor_kind,
                id: row.actor_id,
                name: row.actor_name,
            },
            action: row.action,
            target: row.target_kind.map(|kind| Party {
                kind,
                id: row.target_id,
                name: row.target_name,
            }),
            outcome: row.outcome,
            severity: row.severity,
            address: row.address,
            details: serde_json::from_str(&row.details).unwrap_or(serde_json::Value::Null),
        }
    }
}

impl AuditEvent {
    pub fn at_text(&self) -> String {
        self.at
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    }

    pub fn actor_text(&self) -> String {
        self.actor
            .name
            .clone()
            .unwrap_or_else(|| self.actor.kind.clone())
    }

    pub fn target_text(&self) -> String {
        self.target
            .as_ref()
            .and_then(|t| t.name.clone())
            .unwrap_or_default()
    }

    pub fn details_text(&self) -> String {
        match &self.details {
            serde_json::Value::Object(map) if map.is_empty() => String::new(),
            other => other.to_string(),
        }
    }
}

fn filter(query: &AuditQuery, limit: i64) -> Result<AuditFilter, AppError> {
    let action = match query.action.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(a)
            if a.len() <= 64
                && a.chars()
                    .all(|c| c.is_ascii_lowercase() || c == '.' || c == '_') =>
        {
            Some(a.to_string())
        }
        Some(_) => {
            return Err(AppError::invalid(
                "An action is lower-case words and dots, such as tap.issued or tap.",
            ));
        }
    };
    let severity = match query.severity.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s @ ("info" | "high")) => Some(s.to_string()),
        Some(_) => return Err(AppError::invalid("The severity is info or high.")),
    };
    let before_seq = match query.cursor.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(c) => Some(
            c.parse::<i64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| AppError::invalid("invalid cursor"))?,
        ),
    };
    if let (Some(since), Some(until)) = (query.since, query.until) {
        if since > until {
            return Err(AppError::invalid(
                "the start of the time range is after its end",
            ));
        }
    }
    Ok(AuditFilter {
        user_id: query.user_id.clone().filter(|u| !u.is_empty()),
        action,
        severity,
        since: query.since.map(db::ts),
        until: query.until.map(db::ts),
        before_seq,
        limit,
    })
}

/// One page of matching events, newest first.
pub async fn list(
    db: &Db,
    authority: &Authority,
    query: &AuditQuery,
    limit: i64,
) -> Result<Page<AuditEvent>, AppError> {
    rules::may_read(authority)?;
    let rows = db::audit::list(db.pool(), &filter(query, limit + 1)?).await?;
    let more = rows.len() as i64 > limit;
    let items: Vec<AuditEvent> = rows
        .into_iter()
        .take(limit as usize)
        .map(AuditEvent::from)
        .collect();
    let next = more
        .then(|| items.last().map(|e| e.seq.to_string()))
        .flatten();
    Ok(Page { items, next })
}

/// Every matching event (up to [`EXPORT_LIMIT`]), newest first.
pub async fn export(
    db: &Db,
    authority: &Authority,
    query: &AuditQuery,
) -> Result<Vec<AuditEvent>, AppError> {
    rules::may_read(authority)?;
    let mut filter = filter(query, 1000)?;
    let mut events = Vec::new();
    loop {
        let rows = db::audit::list(db.pool(), &filter).await?;
        let Some(last) = rows.last() else { break };
        filter.before_seq = Some(last.seq);
        events.extend(rows.into_iter().map(AuditEvent::from));
        if events.len() >= EXPORT_LIMIT {
            events.truncate(EXPORT_LIMIT);
            break;
        }
    }
    Ok(events)
}

/// The last sign-ins (and failed ones) of a user, for the user page.
pub async fn recent_sign_ins(
    db: &Db,
    user_id: &str,
    limit: i64,
) -> Result<Vec<AuditEvent>, AppError> {
    let filter = AuditFilter {
        user_id: Some(user_id.into()),
        action: Some("signin.".into()),
        limit,
        ..AuditFilter::default()
    };
    Ok(db::audit::list(db.pool(), &filter)
        .await?
        .into_iter()
        .map(AuditEvent::from)
        .collect())
}

/// The `tap.issued` events of a user's passes, by pass id. A pass row goes when it is replaced or
/// purged; the trail keeps when and by whom each pass was issued.
pub async fn passes_issued(
    db: &Db,
    user_id: &str,
) -> Result<HashMap<String, AuditEvent>, AppError> {
    let rows = db::audit::for_target(db.pool(), user_id, "tap.issued", 1000).await?;
    Ok(rows
        .into_iter()
        .map(AuditEvent::from)
        .filter_map(|e| Some((e.details.get("pass_id")?.as_str()?.to_string(), e)))
        .collect())
}

/// JSON Lines: one event per line.
pub fn to_json_lines(events: &[AuditEvent]) -> String {
    let mut out = String::new();
    for event in events {
        out.push_str(&serde_json::to_string(event).unwrap_or_default());
        out.push('\n');
    }
    out
}

/// CSV with a header row (RFC 4180 quoting; cells that a spreadsheet would run as a formula are
/// prefixed with `'`).
pub fn to_csv(events: &[AuditEvent]) -> String {
    let mut out = String::from(
        "seq,at,actor_kind,actor_id,actor_name,action,target_kind,target_id,target_name,outcome,severity,address,details\r\n",
    );
    for e in events {
        let target = e.target.as_ref();
        let cells = [
            e.seq.to_string(),
            e.at_text(),
            e.actor.kind.clone(),
            e.actor.id.clone().unwrap_or_default(),
            e.actor.name.clone().unwrap_or_default(),
            e.action.clone(),
            target.map(|t| t.kind.clone()).unwrap_or_default(),
            target.and_then(|t| t.id.clone()).unwrap_or_default(),
            target.and_then(|t| t.name.clone()).unwrap_or_default(),
            e.outcome.clone(),
            e.severity.clone(),
            e.address.clone().unwrap_or_default(),
            e.details.to_string(),
        ];
        let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

fn csv_cell(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_and_never_formulas() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=SUM(A1)"), "'=SUM(A1)");
    }
}
