//! The audit trail in the console: filter by user, action, severity and time range; newest first, a
//! page at a time; export the same selection as JSON Lines or CSV.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, PrimitiveDateTime};

use super::guard::{Admin, Nav, with_status};
use super::service::audit::{self, AuditQuery};
use super::views::EventLine;
use crate::db::user_list::UserFilter;
use crate::error::AppError;
use crate::pages::PageError;
use crate::state::AppState;
use crate::{db, directory};

const PAGE: i64 = 50;

#[derive(Clone, Debug, Default, Deserialize)]
pub struct Filters {
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    action: Option<String>,
    #[serde(default)]
    severity: Option<String>,
    #[serde(default)]
    since: Option<String>,
    #[serde(default)]
    until: Option<String>,
    /// `since` and `until` as the page's script sends them: the browser's local time, in UTC.
    #[serde(default)]
    since_utc: Option<String>,
    #[serde(default)]
    until_utc: Option<String>,
    #[serde(default)]
    cursor: Option<String>,
    #[serde(default)]
    format: Option<String>,
}

impl Filters {
    fn value(v: &Option<String>) -> String {
        v.as_deref().unwrap_or_default().chars().take(64).collect()
    }

    /// The filters as a query string (without the cursor).
    fn query(&self) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("user", &self.user),
            ("action", &self.action),
            ("severity", &self.severity),
            ("since", &self.since),
            ("until", &self.until),
            ("since_utc", &self.since_utc),
            ("until_utc", &self.until_utc),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                q.append_pair(k, v);
            }
        }
        q.finish()
    }
}

/// A bound of the time range: what the page's script sent (`utc`: the browser's local time as
/// RFC 3339 in UTC), else the typed `datetime-local` value read as UTC (as the page then says), or
/// RFC 3339.
fn time(
    name: &str,
    value: &Option<String>,
    utc: &Option<String>,
) -> Result<Option<OffsetDateTime>, AppError> {
    if let Some(u) = utc.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        return OffsetDateTime::parse(u, &Rfc3339)
            .map(Some)
            .map_err(|_| AppError::invalid(format!("Enter {name} as a date and time.")));
    }
    let Some(v) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let local = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    OffsetDateTime::parse(v, &Rfc3339)
        .or_else(|_| PrimitiveDateTime::parse(v, &local).map(PrimitiveDateTime::assume_utc))
        .map(Some)
        .map_err(|_| AppError::invalid(format!("Enter {name} as a date and time.")))
}

/// How many people a fragment that matches several lists, for the reader to pick one.
const CANDIDATES: i64 = 5;

/// The person the user filter means: the one with exactly that username, else the only one whose
/// username, name or email contains the text. Several matches are listed for the reader to choose.
async fn person(state: &AppState, text: &str) -> Result<String, AppError> {
    if let Some(user) = directory::users::find_by_username(&state.db, text).await? {
        return Ok(user.id);
    }
    let filter = UserFilter {
        search: Some(text.to_string()),
        now: db::ts(db::now()),
        ..UserFilter::default()
    };
    let mut found = db::user_list::page(&state.db, &filter, CANDIDATES + 1, 0).await?;
    match found.len() {
        0 => Err(AppError::invalid(format!(
            "No one's username, name or email contains \"{text}\"."
        ))),
        1 => Ok(found.remove(0).user.id),
        n => {
            let names: Vec<String> = found
                .iter()
                .take(CANDIDATES as usize)
                .map(|row| match row.user.display_name.as_deref() {
                    Some(name) if !name.is_empty() => format!("{} ({name})", row.user.username),
                    _ => row.user.username.clone(),
                })
                .collect();
            let more = if n as i64 > CANDIDATES { ", …" } else { "" };
            Err(AppError::invalid(format!(
                "\"{text}\" matches several people: {}{more}. Enter one username.",
                names.join(", ")
            )))
        }
    }
}

async fn query(state: &AppState, filters: &Filters) -> Result<AuditQuery, AppError> {
    let user_id = match filters.user.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(person(state, text).await?),
    };
    Ok(AuditQuery {
        user_id,
        action: filters.action.clone(),
        severity: filters.severity.clone(),
        since: time("the start", &filters.since, &filters.since_utc)?,
        until: time("the end", &filters.until, &filters.until_utc)?,
        cursor: filters.cursor.clone(),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/audit.html")]
pub struct AuditView {
    nav: Nav,
    error: Option<String>,
    user: String,
    action: String,
    severity: String,
    since: String,
    until: String,
    events: Vec<EventLine>,
    filters: String,
    older: Option<String>,
    first_page: bool,
}

pub async fn audit_get(
    State(state): State<AppState>,
    admin: Admin,
    Query(filters): Query<Filters>,
) -> Result<Response, PageError> {
    let mut view = AuditView {
        nav: admin.nav("audit"),
        error: None,
        user: Filters::value(&filters.user),
        action: Filters::value(&filters.action),
        severity: Filters::value(&filters.severity),
        since: Filters::value(&filters.since),
        until: Filters::value(&filters.until),
        events: Vec::new(),
        filters: filters.query(),
        older: None,
        first_page: filters.cursor.as_deref().unwrap_or_default().is_empty(),
    };
    let page = match query(&state, &filters).await {
        Ok(q) => audit::list(&state.db, &admin.authority, &q, PAGE).await,
        Err(e) => Err(e),
    };
    match page {
        Ok(page) => {
            view.events = page.items.iter().map(EventLine::from).collect();
            view.older = page.next;
            Ok(view.into_response())
        }
        Err(e @ AppError::Invalid(_)) => {
            view.error = Some(e.page_message());
            Ok(with_status(StatusCode::UNPROCESSABLE_ENTITY, view))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn export_get(
    State(state): State<AppState>,
    admin: Admin,
    Query(filters): Query<Filters>,
) -> Result<Response, PageError> {
    let mut q = query(&state, &filters).await?;
    q.cursor = None;
    let events = audit::export(&state.db, &admin.authority, &q).await?;
    let (body, content_type, file) = match filters.format.as_deref() {
        Some("csv") => (
            audit::to_csv(&events),
            "text/csv; charset=utf-8",
            "tapid-audit.csv",
        ),
        Some("jsonl") | None => (
            audit::to_json_lines(&events),
            "application/x-ndjson; charset=utf-8",
            "tapid-audit.jsonl",
        ),
        Some(_) => return Err(AppError::invalid("the export format is jsonl or csv").into()),
    };
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}
