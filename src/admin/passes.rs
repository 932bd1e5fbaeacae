//! Console pages for passes: the issue form (lifetime within the policy, default preselected; start now
//! or later; one-time or multi-use), the result page that shows the passcode once (post/redirect/get
//! through [`shown_once`]: a reload or a resubmitted form never issues a second pass), and revoking.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime, PrimitiveDateTime};

use super::form::Fields;
use super::guard::{Admin, Nav, done, with_status};
use super::service::{policy, users};
use super::shown_once::{self, AlreadyShownView, Secret};
use super::users::ShownQuery;
use super::views::when;
use crate::error::AppError;
use crate::pages::time::Moment;
use crate::pages::{PageError, see_other};
use crate::state::AppState;
use crate::tap::{self, IssueRequest, Policy};

pub struct LifetimeChoice {
    minutes: u32,
    label: String,
    selected: bool,
}

fn label(minutes: u32) -> String {
    match minutes {
        m if m % 1440 == 0 => format!("{} day{}", m / 1440, if m == 1440 { "" } else { "s" }),
        m if m % 60 == 0 => format!("{} hour{}", m / 60, if m == 60 { "" } else { "s" }),
        m => format!("{m} minutes"),
    }
}

/// Lifetimes the policy allows, the default among them and selected unless `chosen` says otherwise.
fn lifetimes(policy: &Policy, chosen: Option<u32>) -> Vec<LifetimeChoice> {
    let mut minutes: Vec<u32> = [
        10, 30, 60, 120, 240, 480, 720, 1440, 2880, 4320, 10080, 43200,
    ]
    .into_iter()
    .chain([
        policy.min_lifetime,
        policy.default_lifetime,
        policy.max_lifetime,
    ])
    .filter(|m| (policy.min_lifetime..=policy.max_lifetime).contains(m))
    .collect();
    minutes.sort_unstable();
    minutes.dedup();
    let selected = chosen
        .filter(|c| minutes.contains(c))
        .unwrap_or(policy.default_lifetime);
    minutes
        .into_iter()
        .map(|m| LifetimeChoice {
            minutes: m,
            label: if m == policy.default_lifetime {
                format!("{} (default)", label(m))
            } else {
                label(m)
            },
            selected: m == selected,
        })
        .collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/pass_new.html")]
pub struct IssueView {
    nav: Nav,
    user_id: String,
    username: String,
    error: Option<String>,
    lifetimes: Vec<LifetimeChoice>,
    one_time_required: bool,
    one_time: bool,
    start_later: bool,
    start: String,
    has_pass: bool,
    /// The form's single-use token (see [`shown_once`]).
    once: String,
}

async fn issue_view(
    state: &AppState,
    admin: &Admin,
    id: &str,
    error: Option<String>,
    fields: Option<&Fields>,
) -> Result<IssueView, AppError> {
    let user = users::get(&state.db, &admin.authority, id).await?;
    admin.authority.may_issue_for(&user)?;
    let policy = policy::get(&state.db, &admin.authority).await?;
    let has_pass = crate::db::passes::find_by_user(state.db.pool(), &user.id)
        .await?
        .is_some();
    let chosen = fields.and_then(|f| f.get("lifetime")?.parse().ok());
    Ok(IssueView {
        nav: admin.nav("users"),
        user_id: user.id,
        username: user.username,
        error,
        lifetimes: lifetimes(&policy, chosen),
        one_time_required: policy.one_time_required,
        one_time: fields.map_or(policy.one_time_required, |f| {
            f.get("use") == Some("one-time")
        }) || policy.one_time_required,
        start_later: fields.is_some_and(|f| f.get("start_mode") == Some("later")),
        start: fields
            .and_then(|f| f.get("start"))
            .unwrap_or_default()
            .chars()
            .take(32)
            .collect(),
        has_pass,
        once: shown_once::form_token(),
    })
}

pub async fn issue_get(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    Ok(issue_view(&state, &admin, &id, None, None)
        .await?
        .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/pass_issued.html")]
pub struct IssuedView {
    nav: Nav,
    user_id: String,
    username: String,
    passcode: String,
    groups: Vec<String>,
    start: Moment,
    end: Moment,
    one_time: bool,
    starts_later: bool,
}

/// A `datetime-local` value, read as UTC (when the page's script did not convert it).
fn parse_start(value: &str) -> Result<OffsetDateTime, AppError> {
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    PrimitiveDateTime::parse(value.trim(), &format)
        .map(PrimitiveDateTime::assume_utc)
        .map_err(|_| AppError::invalid("enter the start as a date and time (UTC)"))
}

fn request(fields: &Fields) -> Result<IssueRequest, AppError> {
    let lifetime = match fields.text("lifetime") {
        Some(v) => Some(Duration::minutes(
            v.parse::<i64>()
                .map_err(|_| AppError::invalid("choose a lifetime"))?,
        )),
        None => None,
    };
    let start = match fields.get("start_mode") {
        // The page's script sends the browser's local time as UTC; without it, the field is UTC.
        Some("later") => Some(match fields.text("start_utc") {
            Some(utc) => OffsetDateTime::parse(&utc, &Rfc3339)
                .map_err(|_| AppError::invalid("enter the start as a date and time"))?,
            None => parse_start(fields.get("start").unwrap_or_default())?,
        }),
        _ => None,
    };
    let one_time = match fields.get("use") {
        Some("one-time") => Some(true),
        Some("multi-use") => Some(false),
        _ => None,
    };
    Ok(IssueRequest {
        lifetime,
        start,
        one_time,
        length: None,
    })
}

pub async fn issue_post(
    State(state): State<AppState>,
    mut admin: Admin,
    headers: HeaderMap,
    Path(id): Path<String>,
    fields: Fields,
) -> Result<Response, PageError> {
    admin.check_form(&state, &headers, fields.csrf())?;
    let user = users::get(&state.db, &admin.authority, &id).await?;
    let form = fields.get("once").unwrap_or_default();
    if shown_once::sent_before(&admin.session, form) {
        // The same form again (Back, then resubmit): the pass it issued stands, nothing new is made.
        return Ok(see_other(&format!("/admin/users/{}/pass/issued", user.id)));
    }
    let issued = match request(&fields) {
        Ok(request) => {
            tap::issue(
                &state.db,
                &admin.authority,
                &user.id,
                request,
                admin.address.clone(),
            )
            .await
        }
        Err(e) => Err(e),
    };
    let issued = match issued {
        Ok(issued) => issued,
        Err(e @ AppError::Invalid(_)) => {
            let status = e.status();
            let view =
                issue_view(&state, &admin, &id, Some(e.page_message()), Some(&fields)).await?;
            return Ok(with_status(status, view));
        }
        Err(e) => return Err(e.into()),
    };
    let secret = Secret::Pass {
        user_id: user.id.clone(),
        passcode: issued.passcode.grouped(),
        start: crate::db::ts(issued.pass.start),
        end: crate::db::ts(issued.pass.end),
        one_time: issued.pass.one_time,
    };
    let holder =
        shown_once::hold(&state.db, &state.sealer, &mut admin.session, form, &secret).await?;
    Ok(see_other(&format!(
        "/admin/users/{}/pass/issued?shown={holder}",
        user.id
    )))
}

/// `GET /admin/users/{id}/pass/issued?shown=…`: the passcode just issued, once; after that (a reload,
/// Back), a page that says it was shown and offers a new pass.
pub async fn issued_get(
    State(state): State<AppState>,
    mut admin: Admin,
    Path(id): Path<String>,
    Query(query): Query<ShownQuery>,
) -> Result<Response, PageError> {
    let user = users::get(&state.db, &admin.authority, &id).await?;
    let secret = match query.shown.as_deref() {
        Some(holder) => {
            shown_once::take(&state.db, &state.sealer, &mut admin.session, holder).await?
        }
        None => None,
    };
    let Some(Secret::Pass {
        user_id,
        passcode,
        start,
        end,
        one_time,
    }) = secret
    else {
        return Ok(
            AlreadyShownView::pass(admin.nav("users"), &user.id, &user.username).into_response(),
        );
    };
    if user_id != user.id {
        return Ok(
            AlreadyShownView::pass(admin.nav("users"), &user.id, &user.username).into_response(),
        );
    }
    let (start, end) = (crate::db::from_ts(start), crate::db::from_ts(end));
    let view = IssuedView {
        nav: admin.nav("users"),
        user_id: user.id,
        username: user.username,
        groups: passcode.split('-').map(String::from).collect(),
        passcode,
        start: when(start),
        end: when(end),
        one_time,
        starts_later: start > OffsetDateTime::now_utc(),
    };
    let mut response = view.into_response();
    // Shown this once: no cache, no back-button copy.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

pub async fn revoke_post(
    State(state): State<AppState>,
    admin: Admin,
    headers: HeaderMap,
    Path(id): Path<String>,
    fields: Fields,
) -> Result<Response, PageError> {
    admin.check_form(&state, &headers, fields.csrf())?;
    let user = users::get(&state.db, &admin.authority, &id).await?;
    tap::revoke(&state.db, &admin.authority, &user, admin.address.clone()).await?;
    Ok(done(&format!("/admin/users/{id}"), "revoked"))
}
