//! Console page for webhooks (administrators): the endpoints with their delivery state (last attempt,
//! failures, messages waiting), a form to register one (its secret shown once) and removal.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::form::Fields;
use super::guard::{Admin, Nav, done};
use super::users::DoneQuery;
use crate::pages::PageError;
use crate::state::AppState;
use crate::webhooks::endpoints::{self, Endpoint, NewEndpoint};

#[derive(Template, WebTemplate)]
#[template(path = "admin/webhooks.html")]
pub struct WebhooksView {
    nav: Nav,
    done: Option<&'static str>,
    rows: Vec<Row>,
}

/// An endpoint with its times as shown.
pub struct Row {
    e: Endpoint,
    last_attempt: String,
    last_success: String,
}

fn shown(at: Option<time::OffsetDateTime>) -> String {
    at.map_or_else(
        || "never".into(),
        |t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default()
        },
    )
}

pub async fn webhooks_get(
    State(state): State<AppState>,
    admin: Admin,
    Query(query): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let rows = endpoints::list(&state.db, &admin.authority)
        .await?
        .into_iter()
        .map(|e| Row {
            last_attempt: shown(e.last_attempt_at),
            last_success: shown(e.last_success_at),
            e,
        })
        .collect();
    Ok(WebhooksView {
        nav: admin.nav("webhooks"),
        done: match query.done.as_deref() {
            Some("removed") => Some("The webhook was removed."),
            _ => None,
        },
        rows,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/webhook_secret.html")]
pub struct SecretView {
    nav: Nav,
    endpoint: Endpoint,
    secret: String,
}

pub async fn webhooks_post(
    State(state): State<AppState>,
    admin: Admin,
    headers: HeaderMap,
    fields: Fields,
) -> Result<Response, PageError> {
    admin.check_form(&state, &headers, fields.csrf())?;
    let new = NewEndpoint {
        url: fields.get("url").unwrap_or_default().to_string(),
        event_types: vec![fields.get("event_types").unwrap_or_default().to_string()],
        high_only: fields.get("high_only").is_some(),
        description: fields.get("description").unwrap_or_default().to_string(),
    };
    let created = endpoints::create(&state.db, &state.sealer, &admin.authority, new).await?;
    let mut response = SecretView {
        nav: admin.nav("webhooks"),
        endpoint: created.endpoint,
        secret: created.secret,
    }
    .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

pub async fn webhook_remove_post(
    State(state): State<AppState>,
    admin: Admin,
    headers: HeaderMap,
    Path(id): Path<String>,
    fields: Fields,
) -> Result<Response, PageError> {
    admin.check_form(&state, &headers, fields.csrf())?;
    endpoints::remove(&state.db, &admin.authority, &id).await?;
    Ok(done("/admin/webhooks", "removed"))
}
