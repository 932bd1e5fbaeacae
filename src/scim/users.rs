//! `/scim/v2/Users`: list, search, read, create, replace, patch, delete. Every change goes through
//! the admin service functions (`admin::service::users`), which check the client's role and record
//! the audit event; `active: false` disables the person and signs them out everywhere.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::Value;

use super::auth::ScimCaller;
use super::error::ScimError;
use super::list::{ListQuery, Projection};
use super::records::{self, UserRecord};
use super::resource::{UserInput, parse_user, user_json};
use super::respond::{self, check_if_match, json_body};
use super::{base_url, patch};
use crate::admin::service::rules;
use crate::admin::service::users::{self as service, UserEdit};
use crate::directory::profiles;
use crate::state::AppState;

async fn load(state: &AppState, id: &str) -> Result<UserRecord, ScimError> {
    records::user(&state.db, id)
        .await?
        .ok_or_else(|| ScimError::not_found(format!("User {id}")))
}

/// Every user as a SCIM resource.
pub async fn all(state: &AppState) -> Result<Vec<Value>, ScimError> {
    let base = base_url(state);
    Ok(records::all_users(&state.db)
        .await?
        .iter()
        .map(|r| user_json(r, &base))
        .collect())
}

async fn list(
    state: &AppState,
    caller: &ScimCaller,
    query: ListQuery,
) -> Result<Response, ScimError> {
    rules::may_read(&caller.authority)?;
    let all = all(state).await?;
    Ok(respond::document(StatusCode::OK, &query.respond(all)))
}

pub async fn users_get(
    State(state): State<AppState>,
    caller: ScimCaller,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ScimError> {
    list(&state, &caller, ListQuery::from_query(&query)?).await
}

pub async fn users_search(
    State(state): State<AppState>,
    caller: ScimCaller,
    body: Bytes,
) -> Result<Response, ScimError> {
    let body = json_body(&body)?;
    list(&state, &caller, ListQuery::from_body(&body)?).await
}

pub async fn user_get(
    State(state): State<AppState>,
    caller: ScimCaller,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ScimError> {
    rules::may_read(&caller.authority)?;
    let projection = Projection::from_query(&query)?;
    let resource = user_json(&load(&state, &id).await?, &base_url(&state));
    if let Some(response) = respond::not_modified(&headers, &resource) {
        return Ok(response);
    }
    Ok(respond::resource(
        StatusCode::OK,
        projection.apply(resource),
    ))
}

/// Checks what the service functions cannot: the manager exists and is not the person.
async fn check_input(
    state: &AppState,
    input: &UserInput,
    id: Option<&str>,
) -> Result<(), ScimError> {
    input.profile.validate()?;
    if let Some(manager) = &input.profile.manager_id {
        if Some(manager.as_str()) == id {
            return Err(ScimError::invalid_value(
                "a person cannot be their own manager",
            ));
        }
        if crate::directory::users::find_by_id(&state.db, manager)
            .await?
            .is_none()
        {
            return Err(ScimError::invalid_value(format!(
                "manager {manager}: no such User"
            )));
        }
    }
    Ok(())
}

pub async fn users_post(
    State(state): State<AppState>,
    caller: ScimCaller,
    body: Bytes,
) -> Result<Response, ScimError> {
    let input = parse_user(&json_body(&body)?)?;
    check_input(&state, &input, None).await?;
    let authority = &caller.authority;
    let user = service::create(
        &state.db,
        authority,
        service::UserInput {
            username: input.user_name.clone(),
            display_name: input.display_name.clone(),
            email: input.email.clone(),
            // SCIM's core schema says nothing of verification: an address from the HR system stays
            // unverified until an administrator marks it.
            email_verified: false,
            roles: Vec::new(),
            groups: Vec::new(),
        },
    )
    .await?;
    let record = load(&state, &user.id).await?;
    let record = apply(&state, &caller, record, input).await?;
    Ok(respond::resource(
        StatusCode::CREATED,
        user_json(&record, &base_url(&state)),
    ))
}

/// Makes the stored user match `input` through the service functions; returns the result.
async fn apply(
    state: &AppState,
    caller: &ScimCaller,
    record: UserRecord,
    input: UserInput,
) -> Result<UserRecord, ScimError> {
    let user = &record.user;
    if !input.user_name.eq_ignore_ascii_case(&user.username) {
        return Err(ScimError::mutability(
            "userName is immutable in tapid: create a new User instead",
        ));
    }
    check_input(state, &input, Some(&user.id)).await?;
    let mut edit = UserEdit::default();
    if input.display_name != user.display_name {
        edit.display_name = Some(input.display_name.clone());
    }
    let email_now = user.email.as_deref().map(str::to_lowercase);
    if input.email.as_deref().map(str::to_lowercase) != email_now {
        edit.email = Some(input.email.clone());
    }
    if let Some(active) = input.active.filter(|a| *a != user.enabled) {
        edit.enabled = Some(active);
    }
    let authority = &caller.authority;
    if input.profile != record.profile {
        rules::may_manage(authority, user, "change provisioning details")?;
    }
    let changed = edit.display_name.is_some() || edit.email.is_some() || edit.enabled.is_some();
    if changed {
        service::update(&state.db, authority, &user.id, edit).await?;
    }
    if input.profile != record.profile {
        profiles::set_user(
            &state.db,
            &authority.actor(),
            user.target(),
            &user.id,
            &input.profile,
        )
        .await?;
    }
    if input.profile.start_date != record.profile.start_date {
        if let crate::tap::Authority::Client { id, .. } = authority {
            let start = input.profile.start_date.as_deref();
            super::start_pass::start_date_changed(state, id, &user.id, start).await?;
        }
    }
    load(state, &user.id).await
}

pub async fn user_put(
    State(state): State<AppState>,
    caller: ScimCaller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ScimError> {
    let body = json_body(&body)?;
    let record = load(&state, &id).await?;
    let base = base_url(&state);
    check_if_match(&headers, &user_json(&record, &base))?;
    let input = parse_user(&body)?;
    let record = apply(&state, &caller, record, input).await?;
    Ok(respond::resource(StatusCode::OK, user_json(&record, &base)))
}

pub async fn user_patch(
    State(state): State<AppState>,
    caller: ScimCaller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ScimError> {
    let body = json_body(&body)?;
    let record = load(&state, &id).await?;
    let base = base_url(&state);
    let mut resource = user_json(&record, &base);
    check_if_match(&headers, &resource)?;
    patch::apply(&mut resource, &body)?;
    let input = parse_user(&resource)?;
    let record = apply(&state, &caller, record, input).await?;
    Ok(respond::resource(StatusCode::OK, user_json(&record, &base)))
}

/// Removes the person for good; the audit trail keeps every event about them.
pub async fn user_delete(
    State(state): State<AppState>,
    caller: ScimCaller,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ScimError> {
    let record = load(&state, &id).await?;
    check_if_match(&headers, &user_json(&record, &base_url(&state)))?;
    service::remove(&state.db, &caller.authority, &id).await?;
    Ok(axum::response::IntoResponse::into_response(
        StatusCode::NO_CONTENT,
    ))
}
