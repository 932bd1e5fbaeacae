//! `/logout` (OpenID Connect RP-Initiated Logout 1.0): ends the single sign-on session. The person is
//! sent back only to a `post_logout_redirect_uri` registered for the client; a request that does not
//! prove it comes from the signed-in person's application (a valid `id_token_hint` for this session)
//! gets a confirmation page first.

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;

use super::clients::{self, Client};
use super::error::OAuthError;
use super::params::Params;
use super::tokens;
use crate::oidc::OidcState;
use crate::session::{self, Session};

#[derive(Template, WebTemplate)]
#[template(path = "oidc/logout_confirm.html")]
pub struct ConfirmView {
    csrf: String,
    client_name: Option<String>,
    client_id: String,
    post_logout_redirect_uri: String,
    logout_state: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "oidc/logged_out.html")]
pub struct LoggedOutView {
    /// Front-channel logout URIs of the session's applications, each loaded in an iframe.
    pub frames: Vec<String>,
    /// Where to go next (a post-logout redirect URI), once the frames had their moment.
    pub continue_to: Option<String>,
}

impl LoggedOutView {
    /// The signed-out page for a session's applications: with their front-channel logout frames, and a
    /// content security policy that lets exactly those origins be framed.
    pub fn with_frames(frames: Vec<String>, continue_to: Option<String>) -> Response {
        let origins: Vec<String> = frames
            .iter()
            .filter_map(|f| clients::Origin::of_uri(f))
            .collect();
        let mut response = Self {
            frames,
            continue_to,
        }
        .into_response();
        if !origins.is_empty() {
            let csp = crate::pages::csp_with_frames(&origins);
            if let Ok(value) = header::HeaderValue::from_str(&csp) {
                response
                    .headers_mut()
                    .insert(header::CONTENT_SECURITY_POLICY, value);
            }
        }
        response
    }
}

/// The front-channel logout URIs to load for session `sid` (OpenID Connect Front-Channel Logout 1.0),
/// with `iss` and `sid` for the clients that asked for them.
pub async fn front_channel_frames(
    state: &OidcState,
    sid: &str,
) -> Result<Vec<String>, crate::error::AppError> {
    let rows = crate::db::logout::front_channel(state.db.pool(), sid).await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let mut url = url::Url::parse(&row.frontchannel_logout_uri).ok()?;
            if row.frontchannel_logout_session_required != 0 {
                url.query_pairs_mut()
                    .append_pair("iss", state.config.issuer.as_str())
                    .append_pair("sid", sid);
            }
            Some(url.to_string())
        })
        .collect())
}

pub async fn logout_get(
    State(state): State<OidcState>,
    jar: CookieJar,
    RawQuery(query): RawQuery,
) -> Response {
    let params = Params::parse(query.unwrap_or_default().as_bytes());
    logout(&state, jar, params).await
}

pub async fn logout_post(
    State(state): State<OidcState>,
    jar: CookieJar,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = Params::from_form(&headers, &body);
    logout(&state, jar, params).await
}

/// Where to go afterwards, once verified.
struct Destination {
    client: Option<Client>,
    uri: Option<String>,
    state: Option<String>,
}

async fn logout(state: &OidcState, jar: CookieJar, params: Result<Params, OAuthError>) -> Response {
    let result = async {
        let params = params?;
        let hint = match params.get("id_token_hint") {
            Some(token) => Some(
                tokens::verify_id_token_hint(state, token)
                    .await?
                    .ok_or_else(|| {
                        OAuthError::invalid_request(
                            "the id_token_hint is not an ID token issued here",
                        )
                    })?,
            ),
            None => None,
        };
        let client_id = match (params.get("client_id"), &hint) {
            (Some(id), Some(h)) if !h.aud.iter().any(|a| a == id) => {
                return Err(OAuthError::invalid_request(
                    "client_id does not match the id_token_hint",
                ));
            }
            (Some(id), _) => Some(id.to_string()),
            (None, Some(h)) => h.aud.first().cloned(),
            (None, None) => None,
        };
        let destination = destination(
            state,
            client_id.as_deref(),
            params.get("post_logout_redirect_uri"),
            params.get("state"),
        )
        .await?;
        let current = session::load(&state.db, &state.config, &jar).await?;
        let Some(current) = current.filter(|s| s.sign_in.is_some()) else {
            return Ok(finish(jar, &destination));
        };
        let trusted = hint.as_ref().is_some_and(|h| {
            h.sid.as_deref() == Some(current.sid.as_str())
                || (h.sid.is_none() && current.user_id() == Some(h.sub.as_str()))
        });
        if trusted {
            let frames = front_channel_frames(state, &current.sid).await?;
            let jar = end(state, jar, &current).await?;
            return Ok(finish_with(jar, &destination, frames));
        }
        Ok(ConfirmView {
            csrf: current.csrf.clone(),
            client_name: destination.client.as_ref().map(|c| c.application().name),
            client_id: destination
                .client
                .as_ref()
                .map(|c| c.id.clone())
                .unwrap_or_default(),
            post_logout_redirect_uri: destination.uri.clone().unwrap_or_default(),
            logout_state: destination.state.clone().unwrap_or_default(),
        }
        .into_response())
    }
    .await;
    result.unwrap_or_else(error_page)
}

/// `POST /logout/confirm`: the person said yes.
pub async fn confirm_post(
    State(state): State<OidcState>,
    jar: CookieJar,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let result = async {
        let params = Params::from_form(&headers, &body)?;
        let destination = destination(
            &state,
            params.get("client_id"),
            params.get("post_logout_redirect_uri"),
            params.get("state"),
        )
        .await?;
        let Some(current) = session::load(&state.db, &state.config, &jar).await? else {
            return Ok(finish(jar, &destination));
        };
        current
            .verify_csrf(params.get("csrf").unwrap_or_default())
            .map_err(|e| OAuthError::invalid_request(e.public_message()))?;
        if current.sign_in.is_none() {
            return Ok(finish(jar, &destination));
        }
        let frames = front_channel_frames(&state, &current.sid).await?;
        let jar = end(&state, jar, &current).await?;
        Ok(finish_with(jar, &destination, frames))
    }
    .await;
    result.unwrap_or_else(error_page)
}

async fn destination(
    state: &OidcState,
    client_id: Option<&str>,
    uri: Option<&str>,
    logout_state: Option<&str>,
) -> Result<Destination, OAuthError> {
    let client = match client_id {
        Some(id) if clients::ClientId::parse(id).is_ok() => clients::find(&state.db, id).await?,
        _ => None,
    };
    if client_id.is_some() && client.is_none() {
        return Err(OAuthError::invalid_request(
            "the application is not registered here",
        ));
    }
    if let Some(uri) = uri {
        let registered = client
            .as_ref()
            .is_some_and(|c| c.has_post_logout_redirect_uri(uri));
        if !registered {
            return Err(OAuthError::invalid_request(
                "the post_logout_redirect_uri is not registered for this application",
            ));
        }
    }
    if logout_state.is_some_and(|s| s.len() > 2048) {
        return Err(OAuthError::invalid_request("state is too long"));
    }
    Ok(Destination {
        client,
        uri: uri.map(String::from),
        state: logout_state.map(String::from),
    })
}

async fn end(
    state: &OidcState,
    jar: CookieJar,
    current: &Session,
) -> Result<CookieJar, OAuthError> {
    Ok(session::end(&state.db, &state.config, jar, current, "logout").await?)
}

fn finish(jar: CookieJar, destination: &Destination) -> Response {
    finish_with(jar, destination, Vec::new())
}

/// Back to the client (or the signed-out page); through the front-channel frames first, if any.
fn finish_with(jar: CookieJar, destination: &Destination, frames: Vec<String>) -> Response {
    let next = destination.uri.as_ref().and_then(|uri| {
        let mut url = url::Url::parse(uri).ok()?;
        if let Some(s) = &destination.state {
            url.query_pairs_mut().append_pair("state", s);
        }
        Some(url.to_string())
    });
    let response = match (next, frames.is_empty()) {
        (Some(url), true) => Redirect::to(&url).into_response(),
        (next, _) => LoggedOutView::with_frames(frames, next),
    };
    let mut response = (jar, response).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

fn error_page(error: OAuthError) -> Response {
    error.page("This sign-out request cannot be completed")
}
