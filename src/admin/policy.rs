//! The pass policy page: everyone in the console reads it; administrators change it. Each field is
//! checked on its own and its message shown beside it; the whole is then validated by the policy itself.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::form::Fields;
use super::guard::{Admin, Nav, done, with_status};
use super::service::{groups, policy, rules};
use super::users::{DoneQuery, note};
use crate::error::AppError;
use crate::pages::PageError;
use crate::state::AppState;
use crate::tap::Policy;
use crate::tap::policy::{
    ENROLLMENT_WINDOW_RANGE, LENGTH_RANGE, LIFETIME_RANGE, MAX_FAILED_RANGE, PolicyChanges,
    ScopeChange,
};

/// A number field with its bounds and, after a refused change, its message.
pub struct NumberField {
    name: &'static str,
    label: &'static str,
    value: String,
    min: u32,
    max: u32,
    error: Option<String>,
}

pub struct GroupChoice {
    name: String,
    included: bool,
    excluded: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/policy.html")]
pub struct PolicyView {
    nav: Nav,
    done: Option<&'static str>,
    error: Option<String>,
    can_edit: bool,
    enabled: bool,
    all_users: bool,
    one_time_required: bool,
    numbers: Vec<NumberField>,
    groups: Vec<GroupChoice>,
    scope_error: Option<String>,
}

const NUMBERS: [(&str, &str, (u32, u32)); 6] = [
    (
        "min_lifetime",
        "Shortest lifetime (minutes)",
        LIFETIME_RANGE,
    ),
    (
        "default_lifetime",
        "Default lifetime (minutes)",
        LIFETIME_RANGE,
    ),
    ("max_lifetime", "Longest lifetime (minutes)", LIFETIME_RANGE),
    (
        "default_length",
        "Passcode length (characters)",
        LENGTH_RANGE,
    ),
    (
        "max_failed_attempts",
        "Wrong attempts before a pass locks",
        MAX_FAILED_RANGE,
    ),
    (
        "enrollment_window",
        "Minutes to register a method after a pass sign-in",
        ENROLLMENT_WINDOW_RANGE,
    ),
];

fn current(policy: &Policy, name: &str) -> u32 {
    match name {
        "min_lifetime" => policy.min_lifetime,
        "default_lifetime" => policy.default_lifetime,
        "max_lifetime" => policy.max_lifetime,
        "default_length" => policy.default_length,
        "max_failed_attempts" => policy.max_failed_attempts,
        _ => policy.enrollment_window,
    }
}

async fn view(
    state: &AppState,
    admin: &Admin,
    policy: &Policy,
    submitted: Option<&Fields>,
) -> Result<PolicyView, AppError> {
    let names = groups::list(&state.db, &admin.authority).await?;
    let numbers = NUMBERS
        .iter()
        .map(|&(name, label, (min, max))| NumberField {
            name,
            label,
            value: submitted
                .and_then(|f| f.get(name))
                .map(|v| v.chars().take(12).collect())
                .unwrap_or_else(|| current(policy, name).to_string()),
            min,
            max,
            error: None,
        })
        .collect();
    Ok(PolicyView {
        nav: admin.nav("policy"),
        done: None,
        error: None,
        can_edit: rules::may_administer(&admin.authority, "change the policy").is_ok(),
        enabled: submitted.map_or(policy.enabled, |f| f.has("enabled")),
        all_users: submitted.map_or(policy.all_users, |f| f.get("scope") != Some("groups")),
        one_time_required: submitted
            .map_or(policy.one_time_required, |f| f.has("one_time_required")),
        numbers,
        groups: names
            .into_iter()
            .map(|g| GroupChoice {
                included: submitted
                    .map_or(policy.include_groups.iter().any(|p| p.id == g.id), |f| {
                        f.all("include").contains(&g.name)
                    }),
                excluded: submitted
                    .map_or(policy.exclude_groups.iter().any(|p| p.id == g.id), |f| {
                        f.all("exclude").contains(&g.name)
                    }),
                name: g.name,
            })
            .collect(),
        scope_error: None,
    })
}

pub async fn policy_get(
    State(state): State<AppState>,
    admin: Admin,
    Query(query): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let policy = policy::get(&state.db, &admin.authority).await?;
    let mut view = view(&state, &admin, &policy, None).await?;
    view.done = note(query.done.as_deref());
    Ok(view.into_response())
}

/// Reads and checks each number on its own; the messages go beside the fields.
fn numbers(view: &mut PolicyView) -> Option<[u32; 6]> {
    let mut values = [0u32; 6];
    let mut ok = true;
    for (i, field) in view.numbers.iter_mut().enumerate() {
        match field.value.trim().parse::<u32>() {
            Ok(v) if (field.min..=field.max).contains(&v) => values[i] = v,
            _ => {
                field.error = Some(format!(
                    "Enter a whole number from {} to {}.",
                    field.min, field.max
                ));
                ok = false;
            }
        }
    }
    if ok && !(values[0] <= values[1] && values[1] <= values[2]) {
        view.numbers[1].error = Some(format!(
            "The default must lie between the shortest ({}) and the longest ({}) lifetime.",
            values[0], values[2]
        ));
        ok = false;
    }
    ok.then_some(values)
}

pub async fn policy_post(
    State(state): State<AppState>,
    admin: Admin,
    headers: HeaderMap,
    fields: Fields,
) -> Result<Response, PageError> {
    admin.check_form(&state, &headers, fields.csrf())?;
    rules::may_administer(&admin.authority, "change the Temporary Access Pass policy")?;
    let policy = policy::get(&state.db, &admin.authority).await?;
    let mut page = view(&state, &admin, &policy, Some(&fields)).await?;
    let include = fields.all("include");
    let exclude = fields.all("exclude");
    let values = numbers(&mut page);
    let scope = if fields.get("scope") == Some("groups") {
        if include.is_empty() {
            page.scope_error = Some("Choose at least one group, or everyone.".into());
        }
        ScopeChange::Groups(include.clone())
    } else {
        ScopeChange::AllUsers
    };
    if let Some(both) = include.iter().find(|g| exclude.contains(g)) {
        page.scope_error = Some(format!(
            "Group {both} cannot be both included and excluded."
        ));
    }
    let Some([min, default, max, length, failed, window]) =
        values.filter(|_| page.scope_error.is_none())
    else {
        return Ok(with_status(StatusCode::UNPROCESSABLE_ENTITY, page));
    };
    let changes = PolicyChanges {
        enabled: Some(fields.has("enabled")),
        min_lifetime: Some(min),
        max_lifetime: Some(max),
        default_lifetime: Some(default),
        default_length: Some(length),
        one_time_required: Some(fields.has("one_time_required")),
        scope: Some(scope),
        exclude_groups: Some(exclude),
        max_failed_attempts: Some(failed),
        enrollment_window: Some(window),
    };
    match policy::update(&state.db, &admin.authority, changes, admin.address.clone()).await {
        Ok(_) => Ok(done("/admin/policy", "saved")),
        Err(e @ AppError::Invalid(_)) => {
            page.error = Some(e.page_message());
            Ok(with_status(StatusCode::UNPROCESSABLE_ENTITY, page))
        }
        Err(e) => Err(e.into()),
    }
}
