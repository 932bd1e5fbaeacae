//! The console's batch of passes at `/admin/passes/bulk`: paste (or load) the CSV of new hires, preview
//! every row as it would be issued, confirm. Confirming works once per preview: the preview leaves a
//! one-time token in the session, and a reload or a second submission of the same confirmation finds
//! it spent, so the shown-once passcodes are never issued or shown again.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::form::Fields;
use super::guard::{Admin, Nav, with_status};
use super::views::when;
use crate::error::AppError;
use crate::pages::PageError;
use crate::pages::time::Moment;
use crate::secrets;
use crate::session;
use crate::state::AppState;
use crate::tap::bulk::{self, BulkReport};

/// The session's note of the last preview: its one-time token and the digest of its CSV.
const PREVIEW: &str = "admin_bulk_preview";
/// Characters of CSV the form accepts (about a thousand rows).
const MAX_CSV: usize = 200_000;

pub struct RowLine {
    row: usize,
    username: String,
    error: Option<String>,
    start: Option<Moment>,
    end: Option<Moment>,
    zone: String,
    one_time: String,
    replaces: bool,
    passcode: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/bulk.html")]
pub struct BulkView {
    nav: Nav,
    csv: String,
    error: Option<String>,
    /// Preview, result or neither (the empty form).
    stage: &'static str,
    rows: Vec<RowLine>,
    refused: usize,
    token: String,
}

fn lines(report: &BulkReport) -> Vec<RowLine> {
    report
        .rows
        .iter()
        .map(|r| RowLine {
            row: r.row,
            username: r.username.clone(),
            error: r.error.clone(),
            start: r.start.map(when),
            end: r.end.map(when),
            zone: r.time_zone.clone().unwrap_or_default(),
            one_time: match r.one_time {
                Some(true) => "one time".into(),
                Some(false) => "several times".into(),
                None => String::new(),
            },
            replaces: r.replaces,
            passcode: r.passcode.as_ref().map(|c| c.grouped()),
        })
        .collect()
}

fn view(admin: &Admin, csv: String, stage: &'static str) -> BulkView {
    BulkView {
        nav: admin.nav("bulk"),
        csv,
        error: None,
        stage,
        rows: Vec::new(),
        refused: 0,
        token: String::new(),
    }
}

fn no_store(status: StatusCode, page: BulkView) -> Response {
    let mut response = with_status(status, page);
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

pub async fn bulk_get(admin: Admin) -> Response {
    view(&admin, String::new(), "form").into_response()
}

/// Checks every row and shows what would be issued, with a confirmation valid once.
pub async fn bulk_post(
    State(state): State<AppState>,
    admin: Admin,
    headers: HeaderMap,
    fields: Fields,
) -> Result<Response, PageError> {
    admin.check_form(&state, &headers, fields.csrf())?;
    let csv = fields.get("csv").unwrap_or_default().to_string();
    let mut page = view(&admin, csv.clone(), "form");
    if csv.len() > MAX_CSV {
        page.error = Some(format!("the CSV may hold at most {MAX_CSV} characters"));
        return Ok(no_store(StatusCode::UNPROCESSABLE_ENTITY, page));
    }
    let checked = match bulk::csv::parse(&csv) {
        Ok(rows) => bulk::issue_bulk(&state.db, &admin.authority, rows, true, None).await,
        Err(e) => Err(e),
    };
    let report = match checked {
        Ok(report) => report,
        Err(e @ AppError::Invalid(_)) => {
            page.error = Some(e.page_message());
            return Ok(no_store(StatusCode::UNPROCESSABLE_ENTITY, page));
        }
        Err(e) => return Err(e.into()),
    };
    page.stage = "preview";
    page.rows = lines(&report);
    page.refused = report.refused;
    if report.refused == 0 {
        let token = secrets::random_token(24);
        let mut session = admin.session.clone();
        session.data.insert(
            PREVIEW.into(),
            json!({ "token": secrets::digest(&token), "csv": secrets::digest(&csv) }),
        );
        session::save_data(&state.db, &session).await?;
        page.token = token;
    }
    let status = if report.refused == 0 {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(no_store(status, page))
}

/// Issues the previewed batch, once.
pub async fn confirm_post(
    State(state): State<AppState>,
    admin: Admin,
    headers: HeaderMap,
    fields: Fields,
) -> Result<Response, PageError> {
    admin.check_form(&state, &headers, fields.csrf())?;
    let csv = fields.get("csv").unwrap_or_default().to_string();
    let token = fields.get("token").unwrap_or_default();
    let mut session = admin.session.clone();
    let noted = session.data.remove(PREVIEW);
    let matches = noted.as_ref().is_some_and(|n| {
        let field = |k: &str| n.get(k).and_then(|v| v.as_str()).unwrap_or_default();
        secrets::constant_time_eq(field("token"), &secrets::digest(token))
            && secrets::constant_time_eq(field("csv"), &secrets::digest(&csv))
    });
    if !matches {
        let mut page = view(&admin, String::new(), "form");
        page.error = Some(
            "This batch was already issued, or its preview is no longer current: its passcodes are \
             not shown again. Preview the CSV again to issue a new batch."
                .into(),
        );
        return Ok(no_store(StatusCode::CONFLICT, page));
    }
    // Spend the confirmation before issuing: a second submission finds nothing to confirm.
    session::save_data(&state.db, &session).await?;
    let rows = bulk::csv::parse(&csv)?;
    let report = bulk::issue_bulk(
        &state.db,
        &admin.authority,
        rows,
        false,
        admin.address.clone(),
    )
    .await?;
    let mut page = view(&admin, String::new(), "result");
    page.rows = lines(&report);
    page.refused = report.refused;
    if !report.applied {
        page.stage = "preview";
        page.csv = csv;
        page.error = Some("Something changed since the preview: nothing was issued.".into());
        return Ok(no_store(StatusCode::UNPROCESSABLE_ENTITY, page));
    }
    Ok(no_store(StatusCode::OK, page))
}
