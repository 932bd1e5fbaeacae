//! Console page for webhooks (administrators): the endpoints with their delivery state (last attempt,
//! failures, messages waiting), a form to register one (its secret shown once, by post/redirect/get
//! through [`shown_once`]) and removal.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::form::Fields;
use super::guard::{Admin, Nav, done};
use super::shown_once::{self, AlreadyShownView, Secret};
use super::users::{DoneQuery, ShownQuery};
use super::views::Maybe;
use crate::pages::{PageError, see_other};
use crate::state::AppState;
use crate::webhooks::endpoints::{self, Endpoint, NewEndpoint};

#[derive(Template, WebTemplate)]
#[template(path = "admin/webhooks.html")]
pub struct WebhooksView {
    nav: Nav,
    done: Option<&'static str>,
    rows: Vec<Row>,
    /// The form's single-use token (see [`shown_once`]).
    once: String,
}

/// An endpoint with its times as shown.
pub struct Row {
    e: Endpoint,
    last_attempt: Maybe,
    last_success: Maybe,
}

fn shown(at: Option<time::OffsetDateTime>) -> Maybe {
    Maybe::or(at, "never")
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
        once: shown_once::form_token(),
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
    mut admin: Admin,
    headers: HeaderMap,
    fields: Fields,
) -> Result<Response, PageError> {
    admin.check_form(&state, &headers, fields.csrf())?;
    let form = fields.get("once").unwrap_or_default();
    if shown_once::sent_before(&admin.session, form) {
        // The same form again: the endpoint it registered stands, no second one is made.
        return Ok(AlreadyShownView::webhook(admin.nav("webhooks")).into_response());
    }
    let new = NewEndpoint {
        url: fields.get("url").unwrap_or_default().to_string(),
        event_types: vec![fields.get("event_types").unwrap_or_default().to_string()],
        high_only: fields.get("high_only").is_some(),
        description: fields.get("description").unwrap_or_default().to_string(),
    };
    let created = endpoints::create(&state.db, &state.sealer, &admin.authority, new).await?;
    let id = created.endpoint.id.clone();
    let held = Secret::Webhook {
        endpoint_id: id.clone(),
        secret: created.secret,
    };
    let holder =
        shown_once::hold(&state.db, &state.sealer, &mut admin.session, form, &held).await?;
    Ok(see_other(&format!(
        "/admin/webhooks/{id}/secret?shown={holder}"
    )))
}

/// `GET /admin/webhooks/{id}/secret?shown=…`: the signing secret just made, once.
pub async fn secret_get(
    State(state): State<AppState>,
    mut admin: Admin,
    Path(id): Path<String>,
    Query(query): Query<ShownQuery>,
) -> Result<Response, PageError> {
    let endpoint = endpoints::list(&state.db, &admin.authority)
        .await?
        .into_iter()
        .find(|e| e.id == id);
    let secret = match (query.shown.as_deref(), &endpoint) {
        (Some(holder), Some(_)) => {
            shown_once::take(&state.db, &state.sealer, &mut admin.session, holder).await?
        }
        _ => None,
    };
    match (secret, endpoint) {
        (
            Some(Secret::Webhook {
                endpoint_id,
                secret,
            }),
            Some(endpoint),
        ) if endpoint_id == endpoint.id => {
            let mut response = SecretView {
                nav: admin.nav("webhooks"),
                endpoint,
                secret,
            }
            .into_response();
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            Ok(response)
        }
        _ => Ok(AlreadyShownView::webhook(admin.nav("webhooks")).into_response()),
    }
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
