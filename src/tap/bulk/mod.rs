//! Issuing passes for a batch of people at once (new hires starting on Monday): every row is checked
//! against the policy and the issuer's role rules first, the batch is reported row by row, and it is
//! applied in one transaction only when every row passes — never half.

pub mod csv;

use serde::Serialize;
use time::{Duration, OffsetDateTime};

use super::authority::Authority;
use super::issue::{self, Settings};
use super::passcode::{self, Passcode};
use super::policy::{self, Policy};
use super::start::LocalStart;
use super::{IssueRequest, pass};
use crate::db::{self, Db};
use crate::directory::{self, User};
use crate::error::AppError;

/// Rows one batch may hold (each costs an Argon2 hash when applied).
pub const MAX_ROWS: usize = 1_000;

/// One row as asked for; `None` takes the policy's default (a start of now).
#[derive(Clone, Debug, Default)]
pub struct RowRequest {
    pub start: Option<LocalStart>,
    pub lifetime: Option<Duration>,
    pub one_time: Option<bool>,
    pub length: Option<u32>,
}

/// One row of a batch: its number (a CSV line, or the position in a JSON list), the username it
/// names, and what it asks for — or why it could not be read.
#[derive(Clone, Debug)]
pub struct RowInput {
    pub row: usize,
    pub username: String,
    pub request: Result<RowRequest, String>,
}

/// What became (or would become) of one row.
#[derive(Serialize)]
pub struct RowReport {
    pub row: usize,
    pub username: String,
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub start: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub end: Option<OffsetDateTime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    pub one_time: Option<bool>,
    /// The person has a pass that this one replaces.
    pub replaces: bool,
    /// Only once the batch is applied, in that response only.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "grouped")]
    pub passcode: Option<Passcode>,
}

fn grouped<S: serde::Serializer>(code: &Option<Passcode>, s: S) -> Result<S::Ok, S::Error> {
    match code {
        Some(code) => s.serialize_str(&code.grouped()),
        None => s.serialize_none(),
    }
}

/// The whole batch, row by row.
#[derive(Serialize)]
pub struct BulkReport {
    /// Whether the passes were issued (false for a preview, or when a row was refused).
    pub applied: bool,
    pub dry_run: bool,
    /// The id every `tap.issued` event of an applied batch carries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch_id: Option<String>,
    pub refused: usize,
    pub rows: Vec<RowReport>,
}

/// A row that passed every check, ready to apply.
struct Ready {
    user: User,
    settings: Settings,
    zone: Option<String>,
}

/// Checks every row, then (unless `dry_run` or a row was refused) issues them all in one transaction.
pub async fn issue_bulk(
    db: &Db,
    authority: &Authority,
    rows: Vec<RowInput>,
    dry_run: bool,
    address: Option<String>,
) -> Result<BulkReport, AppError> {
    if rows.is_empty() {
        return Err(AppError::invalid("the batch has no rows"));
    }
    if rows.len() > MAX_ROWS {
        return Err(AppError::invalid(format!(
            "a batch may hold at most {MAX_ROWS} rows (got {})",
            rows.len()
        )));
    }
    let policy = policy::load(db).await?;
    let now = db::now();
    let mut reports = Vec::with_capacity(rows.len());
    let mut ready = Vec::with_capacity(rows.len());
    let mut seen = std::collections::HashSet::new();
    for input in rows {
        let duplicate = !seen.insert(input.username.to_lowercase());
        let checked = if duplicate {
            Err(format!(
                "{} appears more than once in the batch",
                input.username
            ))
        } else {
            check_row(db, authority, &policy, &input, now).await?
        };
        reports.push(report(&input, &checked));
        ready.push(checked.ok());
    }
    let refused = reports.iter().filter(|r| !r.ok).count();
    if dry_run || refused > 0 {
        return Ok(BulkReport {
            applied: false,
            dry_run,
            batch_id: None,
            refused,
            rows: reports,
        });
    }
    let batch_id = uuid::Uuid::new_v4().to_string();
    apply_all(db, authority, &mut reports, ready, &batch_id, address, now).await?;
    Ok(BulkReport {
        applied: true,
        dry_run,
        batch_id: Some(batch_id),
        refused,
        rows: reports,
    })
}

/// The row's checks: a readable row, a known user, the issuer's role rules, the policy. A database
/// failure is the batch's error, not the row's.
async fn check_row(
    db: &Db,
    authority: &Authority,
    policy: &Policy,
    input: &RowInput,
    now: OffsetDateTime,
) -> Result<Result<(Ready, bool), String>, AppError> {
    let request = match &input.request {
        Ok(request) => request,
        Err(e) => return Ok(Err(e.clone())),
    };
    let Some(user) = directory::users::find_by_username(db, &input.username).await? else {
        return Ok(Err(format!("there is no user named {}", input.username)));
    };
    let start = match request.start.as_ref().map(LocalStart::instant).transpose() {
        Ok(start) => start,
        Err(e) => return Ok(Err(e)),
    };
    let single = IssueRequest {
        lifetime: request.lifetime,
        start,
        one_time: request.one_time,
        length: request.length,
    };
    let in_scope = pass::in_scope(db, policy, &user.id).await?;
    let checked = authority
        .may_issue_for(&user)
        .and_then(|()| issue::check_target(policy, &user, in_scope))
        .and_then(|()| issue::settings(policy, &single, now));
    let settings = match checked {
        Ok(settings) => settings,
        Err(e @ (AppError::Invalid(_) | AppError::Forbidden(_))) => return Ok(Err(e.to_string())),
        Err(e) => return Err(e),
    };
    let replaces = db::passes::find_by_user(db.pool(), &user.id)
        .await?
        .is_some();
    let zone = request.start.as_ref().map(|s| s.zone_name().to_string());
    Ok(Ok((
        Ready {
            user,
            settings,
            zone,
        },
        replaces,
    )))
}

fn report(input: &RowInput, checked: &Result<(Ready, bool), String>) -> RowReport {
    let mut row = RowReport {
        row: input.row,
        username: input.username.clone(),
        ok: checked.is_ok(),
        error: None,
        start: None,
        end: None,
        time_zone: None,
        one_time: None,
        replaces: false,
        passcode: None,
    };
    match checked {
        Ok((ready, replaces)) => {
            row.username = ready.user.username.clone();
            row.start = Some(ready.settings.starts_at);
            row.end = Some(ready.settings.ends_at);
            row.time_zone = ready.zone.clone();
            row.one_time = Some(ready.settings.one_time);
            row.replaces = *replaces;
        }
        Err(e) => row.error = Some(e.clone()),
    }
    row
}

/// Hashes every passcode first (slow, outside the transaction), then writes every pass and its
/// events in one transaction.
async fn apply_all(
    db: &Db,
    authority: &Authority,
    reports: &mut [RowReport],
    ready: Vec<Option<(Ready, bool)>>,
    batch_id: &str,
    address: Option<String>,
    now: OffsetDateTime,
) -> Result<(), AppError> {
    let actor = authority.actor();
    let mut staged = Vec::with_capacity(ready.len());
    for (report, ready) in reports.iter_mut().zip(ready) {
        let Some((ready, _)) = ready else {
            return Err(AppError::Internal("a refused row reached the batch".into()));
        };
        let code = Passcode::generate(ready.settings.length as usize);
        let hash = passcode::hash(&code).await?;
        let row = issue::new_row(&ready.user, &actor, &ready.settings, hash, now);
        report.passcode = Some(code);
        staged.push((ready, row));
    }
    let mut tx = db.begin().await?;
    for (ready, row) in &staged {
        let mut extra = vec![("batch_id", serde_json::json!(batch_id))];
        if let Some(zone) = &ready.zone {
            extra.push(("time_zone", serde_json::json!(zone)));
        }
        issue::apply(
            &mut tx,
            &ready.user,
            &actor,
            row,
            &ready.settings,
            address.clone(),
            &extra,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
