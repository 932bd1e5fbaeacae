//! Console pages for users (the list is in `user_list`): create, the user page (details, groups, roles, methods,
//! pass, recent sign-ins) and its edit form.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::form::Fields;
use super::guard::{Admin, Nav, done, with_status};
use super::service::{audit, groups, rules, users};
use super::views::{EventLine, MethodLine, PassLine, UserLine, when};
use crate::directory::Role;
use crate::error::AppError;
use crate::pages::PageError;
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "admin/user_new.html")]
pub struct NewUserView {
    nav: Nav,
    error: Option<String>,
    username: String,
    display_name: String,
    email: String,
    groups: Vec<String>,
}

pub async fn new_user_get(
    State(state): State<AppState>,
    admin: Admin,
) -> Result<Response, PageError> {
    let groups = group_names(&state, &admin).await?;
    Ok(NewUserView {
        nav: admin.nav("users"),
        error: None,
        username: String::new(),
        display_name: String::new(),
        email: String::new(),
        groups,
    }
    .into_response())
}

async fn group_names(state: &AppState, admin: &Admin) -> Result<Vec<String>, AppError> {
    Ok(groups::list(&state.db, &admin.authority)
        .await?
        .into_iter()
        .map(|g| g.name)
        .collect())
}

fn roles_of(fields: &Fields) -> Result<Vec<Role>, AppError> {
    fields.all("role").iter().map(|r| r.parse()).collect()
}

pub async fn users_post(
    State(state): State<AppState>,
    admin: Admin,
    headers: HeaderMap,
    fields: Fields,
) -> Result<Response, PageError> {
    admin.check_form(&state, &headers, fields.csrf())?;
    let input = users::UserInput {
        username: fields.get("username").unwrap_or_default().to_string(),
        display_name: fields.text("display_name"),
        email: fields.text("email"),
        email_verified: fields.has("email_verified"),
        roles: roles_of(&fields)?,
        groups: fields.all("group"),
    };
    match users::create(&state.db, &admin.authority, input).await {
        Ok(user) => Ok(done(&format!("/admin/users/{}", user.id), "created")),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let status = e.status();
            let view = NewUserView {
                groups: group_names(&state, &admin).await?,
                nav: admin.nav("users"),
                error: Some(e.page_message()),
                username: fields.get("username").unwrap_or_default().into(),
                display_name: fields.get("display_name").unwrap_or_default().into(),
                email: fields.get("email").unwrap_or_default().into(),
            };
            Ok(with_status(status, view))
        }
        Err(e) => Err(e.into()),
    }
}

/// A group on the user page's edit form.
pub struct GroupChoice {
    name: String,
    member: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/user.html")]
pub struct UserView {
    nav: Nav,
    done: Option<&'static str>,
    user: UserLine,
    display_name: String,
    email: String,
    groups: Vec<String>,
    group_choices: Vec<GroupChoice>,
    is_admin: bool,
    is_helpdesk: bool,
    methods: Vec<MethodLine>,
    pass: Option<PassLine>,
    sign_ins: Vec<EventLine>,
    /// May edit details, memberships, methods and passes.
    can_manage: bool,
    /// May enable or disable the account.
    can_change_account: bool,
    /// May change the user's roles.
    can_set_roles: bool,
    can_issue: bool,
    refusal: String,
    /// After "remove all methods" (a lost phone): the next step, a new pass, offered at once.
    offer_new_pass: bool,
    /// The person as named to the helpdesk: their name, and their username.
    person: String,
    /// The single-use token of the new-pass form (see `shown_once`).
    once: String,
}

/// `?shown=…`: the holder of a secret a console form just made (see `shown_once`).
#[derive(Deserialize)]
pub struct ShownQuery {
    #[serde(default)]
    pub shown: Option<String>,
}

#[derive(Deserialize)]
pub struct DoneQuery {
    #[serde(default)]
    pub done: Option<String>,
}

/// What a `done=` note says.
pub fn note(done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "created" => "The user was created.",
        "updated" => "The changes were saved.",
        "revoked" => "The pass was revoked; sessions that began with it have ended.",
        "removed" => "The method was removed.",
        "removed-all" => "Every method was removed and the user was signed out everywhere.",
        "signed-out" => "The user was signed out everywhere, and their applications were told.",
        "added" => "Added.",
        "saved" => "Saved.",
        _ => return None,
    })
}

pub async fn user_get(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let detail = users::detail(&state.db, &admin.authority, &id).await?;
    let all_groups = group_names(&state, &admin).await?;
    let user = &detail.user;
    let manage = rules::may_manage(&admin.authority, user, "manage this user");
    let can_change_account =
        rules::may_change_account(&admin.authority, user, "change this account").is_ok();
    let can_issue = admin.authority.may_issue_for(user).is_ok();
    let mut methods: Vec<MethodLine> = detail.methods.iter().map(MethodLine::from).collect();
    if methods.iter().any(|m| m.pass.is_some()) {
        let issued = audit::passes_issued(&state.db, &user.id).await?;
        for pass in methods.iter_mut().filter_map(|m| m.pass.as_mut()) {
            pass.issued = issued.get(&pass.id).map(|e| (when(e.at), e.actor_text()));
        }
    }
    let person = match user.display_name.as_deref() {
        Some(name) if !name.trim().is_empty() => format!("{name} ({})", user.username),
        _ => user.username.clone(),
    };
    let view = UserView {
        nav: admin.nav("users"),
        offer_new_pass: can_issue && query.done.as_deref() == Some("removed-all"),
        person,
        once: super::shown_once::form_token(),
        done: note(query.done.as_deref()),
        display_name: user.display_name.clone().unwrap_or_default(),
        email: user.email.clone().unwrap_or_default(),
        is_admin: user.has_role(Role::Admin),
        is_helpdesk: user.has_role(Role::Helpdesk),
        group_choices: all_groups
            .into_iter()
            .map(|name| GroupChoice {
                member: detail.groups.contains(&name),
                name,
            })
            .collect(),
        groups: detail.groups.clone(),
        methods,
        pass: detail.pass.as_ref().map(PassLine::from),
        sign_ins: detail.recent_sign_ins.iter().map(EventLine::from).collect(),
        can_manage: manage.is_ok(),
        can_change_account,
        can_set_roles: can_change_account && admin.is_admin(),
        can_issue,
        refusal: manage.err().map(|e| e.page_message()).unwrap_or_default(),
        user: UserLine::from(user),
    };
    Ok(view.into_response())
}

pub async fn user_post(
    State(state): State<AppState>,
    admin: Admin,
    headers: HeaderMap,
    Path(id): Path<String>,
    fields: Fields,
) -> Result<Response, PageError> {
    admin.check_form(&state, &headers, fields.csrf())?;
    let edit = users::UserEdit {
        display_name: Some(fields.text("display_name")),
        email: Some(fields.text("email")),
        email_verified: fields
            .has("email_verified_shown")
            .then(|| fields.has("email_verified")),
        groups: fields.has("groups_shown").then(|| fields.all("group")),
        roles: fields
            .has("roles_shown")
            .then(|| roles_of(&fields))
            .transpose()?,
        enabled: fields.has("account_shown").then(|| fields.has("enabled")),
    };
    users::update(&state.db, &admin.authority, &id, edit).await?;
    Ok(done(&format!("/admin/users/{id}"), "updated"))
}

/// A user by username, for other console pages (adding a group member).
pub async fn find_by_username(
    state: &AppState,
    admin: &Admin,
    username: &str,
) -> Result<crate::directory::User, AppError> {
    rules::may_read(&admin.authority)?;
    crate::directory::users::get_by_username(&state.db, username.trim()).await
}

/// `POST /admin/users/{id}/sign-out`: signs the person out everywhere (their applications too).
pub async fn sign_out_post(
    State(state): State<AppState>,
    admin: Admin,
    headers: HeaderMap,
    Path(id): Path<String>,
    fields: Fields,
) -> Result<Response, PageError> {
    admin.check_form(&state, &headers, fields.csrf())?;
    users::sign_out(&state.db, &admin.authority, &id).await?;
    Ok(done(&format!("/admin/users/{id}"), "signed-out"))
}
