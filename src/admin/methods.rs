//! The lost-phone flow: remove one method of a user, or all of them, after a confirmation page.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::form::Fields;
use super::guard::{Admin, Nav, done};
use super::service::{methods, rules, users};
use super::views::MethodLine;
use crate::error::AppError;
use crate::pages::PageError;
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "admin/methods_remove.html")]
pub struct ConfirmView {
    nav: Nav,
    user_id: String,
    username: String,
    /// A method id, or `all`.
    target: String,
    methods: Vec<MethodLine>,
}

#[derive(Deserialize)]
pub struct Which {
    #[serde(default)]
    method: Option<String>,
}

pub async fn remove_get(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
    Query(which): Query<Which>,
) -> Result<Response, PageError> {
    let user = users::get(&state.db, &admin.authority, &id).await?;
    rules::may_manage(&admin.authority, &user, "remove sign-in methods")?;
    let target = which.method.unwrap_or_else(|| "all".into());
    let all = methods::list(&state.db, &admin.authority, &user).await?;
    let chosen: Vec<MethodLine> = all
        .iter()
        .filter(|m| target == "all" || m.id == target)
        .map(MethodLine::from)
        .collect();
    if chosen.is_empty() {
        return Err(AppError::NotFound("There is no such sign-in method.".into()).into());
    }
    Ok(ConfirmView {
        nav: admin.nav("users"),
        user_id: user.id,
        username: user.username,
        target,
        methods: chosen,
    }
    .into_response())
}

pub async fn remove_post(
    State(state): State<AppState>,
    admin: Admin,
    headers: HeaderMap,
    Path(id): Path<String>,
    fields: Fields,
) -> Result<Response, PageError> {
    admin.check_form(&state, &headers, fields.csrf())?;
    let user = users::get(&state.db, &admin.authority, &id).await?;
    let target = fields.get("method").unwrap_or_default();
    if target == "all" {
        methods::remove_all(&state.db, &admin.authority, &user).await?;
        return Ok(done(&format!("/admin/users/{id}"), "removed-all"));
    }
    methods::remove(
        &state.db,
        &admin.authority,
        &user,
        target,
        admin.address.clone(),
    )
    .await?;
    Ok(done(&format!("/admin/users/{id}"), "removed"))
}
