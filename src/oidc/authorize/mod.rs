//! `/authorize` (GET and POST) and `/authorize/resume`: validate the request as an ordered chain of
//! checks (checks.rs), decide from the session (decide.rs), then answer with a code, a sign-in, or an
//! error — redirected to the client only once its redirect URI is verified, otherwise shown as a page.

pub mod checks;
pub mod decide;
mod form_post;
pub mod request;

use axum::body::Bytes;
use axum::extract::{Query, RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use time::{Duration, OffsetDateTime};

use self::checks::Redirect as Back;
use self::decide::Next;
use self::request::AuthRequest;
use super::clients;
use super::error::OAuthError;
use super::params::Params;
use crate::db::{self, codes::RequestRow};
use crate::oidc::OidcState;
use crate::secrets;
use crate::session::CurrentSession;

/// How long a person has to sign in before the stored request is forgotten.
const PENDING_LIFETIME: Duration = Duration::minutes(30);

pub async fn authorize_get(
    State(state): State<OidcState>,
    CurrentSession(session): CurrentSession,
    RawQuery(query): RawQuery,
) -> Response {
    let params = Params::parse(query.unwrap_or_default().as_bytes());
    authorize(&state, session, params).await
}

pub async fn authorize_post(
    State(state): State<OidcState>,
    CurrentSession(session): CurrentSession,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = Params::from_form(&headers, &body);
    authorize(
        &state,
        session,
        params.map_err(OAuthError::not_redirectable),
    )
    .await
}

async fn authorize(
    state: &OidcState,
    session: Option<crate::session::Session>,
    params: Result<Params, OAuthError>,
) -> Response {
    let params = match params {
        Ok(p) => p,
        Err(e) => return error_page(e.not_redirectable()),
    };
    // A `request_uri` from `/par`; any other (a request object by reference) is refused by the checks.
    if let Some(request_uri) = params
        .get("request_uri")
        .filter(|u| u.starts_with(super::par::URI_PREFIX))
    {
        return match pushed(state, &params, request_uri).await {
            Ok(request) => answer(state, session.as_ref(), &request, None, db::now()).await,
            Err(error) => error_page(error),
        };
    }
    let (client, request) = match checks::validate(state, &params).await {
        Ok(ok) => ok,
        Err((error, Some(back))) if error.redirectable => {
            return redirect_error(state, &back, &error);
        }
        Err((error, _)) => return error_page(error),
    };
    if client.require_pushed_authorization_requests {
        let back = Back {
            uri: request.redirect_uri.as_str().to_string(),
            state: request.state.clone(),
            mode: request.response_mode,
        };
        let error = OAuthError::invalid_request(
            "this application must push its authorization requests to /par first",
        );
        return redirect_error(state, &back, &error);
    }
    let now = db::now();
    answer(state, session.as_ref(), &request, None, now).await
}

/// RFC 9126 §4: `client_id` and a `request_uri` from `/par`; the pushed parameters are the request
/// (any others sent along are ignored). The client must still exist and hold the redirect URI.
async fn pushed(
    state: &OidcState,
    params: &Params,
    request_uri: &str,
) -> Result<AuthRequest, OAuthError> {
    let (client_id, client) = checks::check_client(state, params).await?;
    let request = super::par::take(state, client_id.as_str(), request_uri).await?;
    if !client.has_redirect_uri(request.redirect_uri.as_str()) {
        return Err(OAuthError::invalid_request(
            "The redirect_uri of this request is no longer registered for this application.",
        )
        .not_redirectable());
    }
    Ok(request)
}

/// Answers a validated request; `pending` is the id it is stored under, once stored.
async fn answer(
    state: &OidcState,
    session: Option<&crate::session::Session>,
    request: &AuthRequest,
    pending: Option<&str>,
    created_at: OffsetDateTime,
) -> Response {
    let back = Back {
        uri: request.redirect_uri.as_str().to_string(),
        state: request.state.clone(),
        mode: request.response_mode,
    };
    let result = async {
        let resumed_from = pending.is_some().then_some(created_at);
        match decide::decide(state, session, request, resumed_from).await? {
            Next::Code(code) => {
                if let Some(id) = pending {
                    db::codes::delete_request(state.db.pool(), id).await?;
                }
                Ok(redirect_to(state, &back, &[("code", code.as_str())]))
            }
            Next::Refuse(error) => Ok(redirect_error(state, &back, &error)),
            Next::SignIn { fresh } => {
                let id = store(state, request, pending, created_at).await?;
                Ok(Redirect::to(&login_url(request, &id, fresh)).into_response())
            }
            Next::Setup => {
                let id = store(state, request, pending, created_at).await?;
                let mut query =
                    url::form_urlencoded::Serializer::new(String::from("/security-info/setup?"));
                query.append_pair("return_to", &resume_path(&id));
                if request.level == crate::session::Level::PhishingResistant {
                    query.append_pair("level", request.level.acr());
                }
                let url = query.finish();
                Ok(Redirect::to(&url).into_response())
            }
        }
    }
    .await;
    result.unwrap_or_else(|e: OAuthError| redirect_error(state, &back, &e))
}

async fn store(
    state: &OidcState,
    request: &AuthRequest,
    pending: Option<&str>,
    created_at: OffsetDateTime,
) -> Result<String, OAuthError> {
    if let Some(id) = pending {
        return Ok(id.to_string());
    }
    let now = db::now();
    db::codes::delete_expired_requests(state.db.pool(), db::ts(now)).await?;
    let id = secrets::new_secret();
    let params = serde_json::to_string(request)
        .map_err(|e| crate::error::AppError::Internal(format!("cannot store the request: {e}")))?;
    db::codes::insert_request(
        state.db.pool(),
        &RequestRow {
            id: id.clone(),
            params,
            created_at: db::ts(created_at),
            expires_at: db::ts(now + PENDING_LIFETIME),
        },
    )
    .await?;
    Ok(id)
}

fn resume_path(id: &str) -> String {
    format!("/authorize/resume?request={id}")
}

/// `/login?return_to=…&level=…&login_hint=…[&fresh=1]` (the contract with the sign-in pages).
fn login_url(request: &AuthRequest, id: &str, fresh: bool) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::from("/login?"));
    query.append_pair("return_to", &resume_path(id));
    query.append_pair("level", request.level.acr());
    if let Some(hint) = &request.login_hint {
        query.append_pair("login_hint", hint);
    }
    if fresh {
        query.append_pair("fresh", "1");
    }
    query.finish()
}

#[derive(Deserialize)]
pub struct ResumeQuery {
    #[serde(default)]
    request: Option<String>,
}

/// `/authorize/resume?request=<id>`: back from sign-in; everything is checked again.
pub async fn resume_get(
    State(state): State<OidcState>,
    CurrentSession(session): CurrentSession,
    query: Result<Query<ResumeQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let expired = || {
        error_page(
            OAuthError::invalid_request(
                "This sign-in request has expired or was already used. Go back to the application and start again.",
            )
            .not_redirectable(),
        )
    };
    let Some(id) = query.ok().and_then(|q| q.0.request).filter(|i| {
        i.len() <= 128
            && i.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    }) else {
        return expired();
    };
    let row = match db::codes::find_request(state.db.pool(), &id, db::ts(db::now())).await {
        Ok(Some(row)) => row,
        Ok(None) => return expired(),
        Err(e) => return error_page(e.into()),
    };
    let Ok(request) = serde_json::from_str::<AuthRequest>(&row.params) else {
        return expired();
    };
    // The client or its redirect URI may have changed meanwhile.
    match clients::find(&state.db, request.client_id.as_str()).await {
        Ok(Some(c)) if c.has_redirect_uri(request.redirect_uri.as_str()) => {}
        Ok(_) => return expired(),
        Err(e) => return error_page(e.into()),
    }
    answer(
        &state,
        session.as_ref(),
        &request,
        Some(&id),
        db::from_ts(row.created_at),
    )
    .await
}

/// The answer to the client with `params`, `state` and `iss` (RFC 9207): a redirect, or for
/// `response_mode=form_post` a page that POSTs them to the redirect URI.
fn redirect_to(state: &OidcState, back: &Back, params: &[(&str, &str)]) -> Response {
    if back.mode == request::ResponseMode::FormPost {
        let mut fields: Vec<(&str, &str)> = params.to_vec();
        if let Some(s) = &back.state {
            fields.push(("state", s));
        }
        fields.push(("iss", state.config.issuer.as_str()));
        return form_post::page(&back.uri, &fields);
    }
    let Ok(mut url) = url::Url::parse(&back.uri) else {
        return error_page(OAuthError::server_error().not_redirectable());
    };
    {
        let mut query = url.query_pairs_mut();
        for (name, value) in params {
            query.append_pair(name, value);
        }
        if let Some(s) = &back.state {
            query.append_pair("state", s);
        }
        query.append_pair("iss", state.config.issuer.as_str());
    }
    let mut response = Redirect::to(url.as_str()).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

fn redirect_error(state: &OidcState, back: &Back, error: &OAuthError) -> Response {
    let [(e, code), (d, description)] = error.query_pairs();
    redirect_to(state, back, &[(e, &code), (d, &description)])
}

/// A refusal shown to the person: the client cannot be trusted with it.
fn error_page(error: OAuthError) -> Response {
    error.page("This sign-in request cannot be completed")
}
