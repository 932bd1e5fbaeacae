//! `/api/v1/audit-events`: the audit trail, filtered, newest first, paged with a cursor.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::auth::ApiCaller;
use super::body::ApiQuery;
use crate::admin::service::audit::{self, AuditEvent, AuditQuery};
use crate::admin::service::{self, Page};
use crate::error::AppError;
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventsQuery {
    user_id: Option<String>,
    action: Option<String>,
    severity: Option<String>,
    since: Option<String>,
    until: Option<String>,
    cursor: Option<String>,
    limit: Option<i64>,
}

fn time(name: &str, value: Option<String>) -> Result<Option<OffsetDateTime>, AppError> {
    match value.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => OffsetDateTime::parse(v, &Rfc3339)
            .map(Some)
            .map_err(|_| AppError::invalid(format!("`{name}` must be an RFC 3339 date-time"))),
    }
}

pub async fn events_get(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(q): ApiQuery<EventsQuery>,
) -> Result<Json<Page<AuditEvent>>, AppError> {
    let query = AuditQuery {
        user_id: q.user_id,
        action: q.action,
        severity: q.severity,
        since: time("since", q.since)?,
        until: time("until", q.until)?,
        cursor: q.cursor,
    };
    let limit = service::page_size(q.limit, 50);
    Ok(Json(
        audit::list(&state.db, &caller.authority, &query, limit).await?,
    ))
}
