//! `POST /api/v1/temporary-access-passes/bulk`: passes for a batch of people, every row checked
//! against the policy and the caller's roles, reported row by row, issued all together or not at
//! all; `"dry_run": true` previews.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::auth::ApiCaller;
use super::body::JsonBody;
use crate::error::AppError;
use crate::state::AppState;
use crate::tap::bulk::{self, RowInput, RowRequest};
use crate::tap::start::LocalStart;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BulkBody {
    #[serde(default)]
    pub dry_run: bool,
    #[serde(default)]
    pub rows: Vec<BulkRowBody>,
}

/// One row; as the CSV's columns.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BulkRowBody {
    pub username: String,
    /// Local date or date and time, no offset (with `time_zone`).
    pub start: Option<String>,
    pub time_zone: Option<String>,
    pub lifetime_minutes: Option<u32>,
    pub one_time: Option<bool>,
    pub length: Option<u32>,
}

fn row_input(index: usize, body: BulkRowBody) -> RowInput {
    let start = match (body.start.as_deref(), body.time_zone.as_deref()) {
        (None, None) => Ok(None),
        (None, Some(_)) => Err("a time_zone without a start".to_string()),
        (Some(start), zone) => LocalStart::parse(start, zone.unwrap_or_default()).map(Some),
    };
    RowInput {
        row: index + 1,
        request: start.map(|start| RowRequest {
            start,
            lifetime: body
                .lifetime_minutes
                .map(|m| time::Duration::minutes(m.into())),
            one_time: body.one_time,
            length: body.length,
        }),
        username: body.username,
    }
}

pub async fn bulk_post(
    State(state): State<AppState>,
    caller: ApiCaller,
    JsonBody(body): JsonBody<BulkBody>,
) -> Result<Response, AppError> {
    let rows = body
        .rows
        .into_iter()
        .enumerate()
        .map(|(i, row)| row_input(i, row))
        .collect();
    let report = bulk::issue_bulk(
        &state.db,
        &caller.authority,
        rows,
        body.dry_run,
        caller.address,
    )
    .await?;
    let mut response = if report.refused > 0 {
        // The API's error body, with the row-by-row report beside it.
        let message = format!(
            "{} of {} rows refused: nothing was issued",
            report.refused,
            report.rows.len()
        );
        let mut body = serde_json::to_value(&report).unwrap_or_default();
        body["error"] = json!("invalid_request");
        body["message"] = json!(message);
        (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
    } else {
        let status = if report.applied {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        };
        (status, Json(report)).into_response()
    };
    // Passcodes are in this response only: no cache may keep it.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
