//! `/scim/v2/Groups`: list, search, read, create, replace, patch (members too), delete — through the
//! admin service functions (`admin::service::groups`): creating, renaming and removing groups needs
//! the `admin` role; memberships follow the rule for the member.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::auth::ScimCaller;
use super::error::ScimError;
use super::list::{ListQuery, Projection};
use super::records::{self, GroupRecord};
use super::resource::{GroupInput, group_json, parse_group};
use super::respond::{self, check_if_match, json_body};
use super::{base_url, patch};
use crate::admin::service::groups as service;
use crate::admin::service::rules;
use crate::directory::{self, profiles};
use crate::state::AppState;

async fn load(state: &AppState, id: &str) -> Result<GroupRecord, ScimError> {
    records::group(&state.db, id)
        .await?
        .ok_or_else(|| ScimError::not_found(format!("Group {id}")))
}

/// Every group as a SCIM resource.
pub async fn all(state: &AppState) -> Result<Vec<Value>, ScimError> {
    let base = base_url(state);
    Ok(records::all_groups(&state.db)
        .await?
        .iter()
        .map(|r| group_json(r, &base))
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

/// `POST /scim/v2/.search`: users and groups together (RFC 7644 §3.4.3).
pub async fn root_search(
    State(state): State<AppState>,
    caller: ScimCaller,
    body: Bytes,
) -> Result<Response, ScimError> {
    let query = ListQuery::from_body(&json_body(&body)?)?;
    rules::may_read(&caller.authority)?;
    let mut all = super::users::all(&state).await?;
    all.extend(self::all(&state).await?);
    Ok(respond::document(StatusCode::OK, &query.respond(all)))
}

pub async fn groups_get(
    State(state): State<AppState>,
    caller: ScimCaller,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ScimError> {
    list(&state, &caller, ListQuery::from_query(&query)?).await
}

pub async fn groups_search(
    State(state): State<AppState>,
    caller: ScimCaller,
    body: Bytes,
) -> Result<Response, ScimError> {
    let body = json_body(&body)?;
    list(&state, &caller, ListQuery::from_body(&body)?).await
}

pub async fn group_get(
    State(state): State<AppState>,
    caller: ScimCaller,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ScimError> {
    rules::may_read(&caller.authority)?;
    let projection = Projection::from_query(&query)?;
    let resource = group_json(&load(&state, &id).await?, &base_url(&state));
    if let Some(response) = respond::not_modified(&headers, &resource) {
        return Ok(response);
    }
    Ok(respond::resource(
        StatusCode::OK,
        projection.apply(resource),
    ))
}

pub async fn groups_post(
    State(state): State<AppState>,
    caller: ScimCaller,
    body: Bytes,
) -> Result<Response, ScimError> {
    let input = parse_group(&json_body(&body)?)?;
    let members = check_members(&state, &input).await?;
    let group = service::create(&state.db, &caller.authority, &input.display_name).await?;
    let record = load(&state, &group.id).await?;
    let record = apply(&state, &caller, record, input, members).await?;
    Ok(respond::resource(
        StatusCode::CREATED,
        group_json(&record, &base_url(&state)),
    ))
}

/// The members asked for, each an existing user.
async fn check_members(
    state: &AppState,
    input: &GroupInput,
) -> Result<Vec<directory::User>, ScimError> {
    profiles::check_text("externalId", input.external_id.as_deref())?;
    let mut users = Vec::new();
    for id in &input.members {
        let user = directory::users::find_by_id(&state.db, id)
            .await?
            .ok_or_else(|| ScimError::invalid_value(format!("member {id}: no such User")))?;
        users.push(user);
    }
    Ok(users)
}

async fn apply(
    state: &AppState,
    caller: &ScimCaller,
    record: GroupRecord,
    input: GroupInput,
    members: Vec<directory::User>,
) -> Result<GroupRecord, ScimError> {
    let authority = &caller.authority;
    let group = &record.group;
    // Every membership change is checked before any is made.
    let current: Vec<&str> = record.members.iter().map(|(id, _)| id.as_str()).collect();
    let adding: Vec<&directory::User> = members
        .iter()
        .filter(|u| !current.contains(&u.id.as_str()))
        .collect();
    let mut removing = Vec::new();
    for (id, _) in &record.members {
        if !input.members.contains(id) {
            if let Some(user) = directory::users::find_by_id(&state.db, id).await? {
                removing.push(user);
            }
        }
    }
    for user in adding.iter().copied().chain(removing.iter()) {
        rules::may_manage(authority, user, "change group memberships")?;
    }
    let renamed = input.display_name != group.name;
    if renamed || input.external_id != record.external_id {
        rules::may_administer(authority, "rename groups or change their externalId")?;
    }
    if renamed {
        service::rename(&state.db, authority, &group.id, &input.display_name).await?;
    }
    for user in &adding {
        service::set_member(&state.db, authority, &group.id, user, true).await?;
    }
    for user in &removing {
        service::set_member(&state.db, authority, &group.id, user, false).await?;
    }
    let touched = renamed || !adding.is_empty() || !removing.is_empty();
    if touched || input.external_id != record.external_id || record.profile_at.is_none() {
        profiles::set_group(
            &state.db,
            &authority.actor(),
            group.target(),
            &group.id,
            input.external_id.as_deref(),
        )
        .await?;
    }
    load(state, &group.id).await
}

pub async fn group_put(
    State(state): State<AppState>,
    caller: ScimCaller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ScimError> {
    let body = json_body(&body)?;
    let record = load(&state, &id).await?;
    let base = base_url(&state);
    check_if_match(&headers, &group_json(&record, &base))?;
    let input = parse_group(&body)?;
    let members = check_members(&state, &input).await?;
    let record = apply(&state, &caller, record, input, members).await?;
    Ok(respond::resource(
        StatusCode::OK,
        group_json(&record, &base),
    ))
}

pub async fn group_patch(
    State(state): State<AppState>,
    caller: ScimCaller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ScimError> {
    let body = json_body(&body)?;
    let record = load(&state, &id).await?;
    let base = base_url(&state);
    let mut resource = group_json(&record, &base);
    check_if_match(&headers, &resource)?;
    patch::apply(&mut resource, &body)?;
    let input = parse_group(&resource)?;
    let members = check_members(&state, &input).await?;
    let record = apply(&state, &caller, record, input, members).await?;
    Ok(respond::resource(
        StatusCode::OK,
        group_json(&record, &base),
    ))
}

pub async fn group_delete(
    State(state): State<AppState>,
    caller: ScimCaller,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ScimError> {
    let record = load(&state, &id).await?;
    check_if_match(&headers, &group_json(&record, &base_url(&state)))?;
    service::remove(&state.db, &caller.authority, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
