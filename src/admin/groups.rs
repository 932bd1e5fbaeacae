//! Console pages for groups: the list (administrators create and remove groups) and a group's page
//! (members added and removed by the rule for each member).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};

use super::form::Fields;
use super::guard::{Admin, Nav, done};
use super::service::{groups, rules};
use super::users::{DoneQuery, find_by_username, note};
use crate::directory::Group;
use crate::pages::PageError;
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "admin/groups.html")]
pub struct GroupsView {
    nav: Nav,
    done: Option<&'static str>,
    groups: Vec<Group>,
}

pub async fn groups_get(
    State(state): State<AppState>,
    admin: Admin,
    Query(query): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let groups = groups::list(&state.db, &admin.authority).await?;
    Ok(GroupsView {
        nav: admin.nav("groups"),
        done: note(query.done.as_deref()),
        groups,
    }
    .into_response())
}

pub async fn groups_post(
    State(state): State<AppState>,
    admin: Admin,
    headers: HeaderMap,
    fields: Fields,
) -> Result<Response, PageError> {
    admin.check_form(&state, &headers, fields.csrf())?;
    let group = groups::create(
        &state.db,
        &admin.authority,
        fields.get("name").unwrap_or_default(),
    )
    .await?;
    Ok(done(&format!("/admin/groups/{}", group.id), "created"))
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/group.html")]
pub struct GroupView {
    nav: Nav,
    done: Option<&'static str>,
    group: groups::GroupDetail,
    can_remove: bool,
}

pub async fn group_get(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let group = groups::get(&state.db, &admin.authority, &id).await?;
    Ok(GroupView {
        can_remove: rules::may_administer(&admin.authority, "remove groups").is_ok(),
        nav: admin.nav("groups"),
        done: note(query.done.as_deref()),
        group,
    }
    .into_response())
}

pub async fn group_remove_post(
    State(state): State<AppState>,
    admin: Admin,
    headers: HeaderMap,
    Path(id): Path<String>,
    fields: Fields,
) -> Result<Response, PageError> {
    admin.check_form(&state, &headers, fields.csrf())?;
    groups::remove(&state.db, &admin.authority, &id).await?;
    Ok(done("/admin/groups", "saved"))
}

/// Adds (`username`) or removes (`remove` = user id) a member.
pub async fn members_post(
    State(state): State<AppState>,
    admin: Admin,
    headers: HeaderMap,
    Path(id): Path<String>,
    fields: Fields,
) -> Result<Response, PageError> {
    admin.check_form(&state, &headers, fields.csrf())?;
    let (user, member) = match fields.text("remove") {
        Some(user_id) => (
            super::service::users::get(&state.db, &admin.authority, &user_id).await?,
            false,
        ),
        None => (
            find_by_username(&state, &admin, fields.get("username").unwrap_or_default()).await?,
            true,
        ),
    };
    groups::set_member(&state.db, &admin.authority, &id, &user, member).await?;
    Ok(done(&format!("/admin/groups/{id}"), "saved"))
}
