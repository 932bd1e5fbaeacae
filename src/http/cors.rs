//! CORS, decided per endpoint: only the protocol endpoints a browser application calls itself (discovery,
//! metadata, `/jwks`, `/token`, `/userinfo`, `/revoke`) answer it, and only for the origins of a registered
//! client — the origins of its redirect URIs and its `allowed_origins`. Pages, the console and the admin
//! API never do (they are not under this layer). No credentials: these endpoints use no cookies.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::db;
use crate::oidc::OidcState;
use crate::oidc::clients::Origin;

pub async fn cors(State(state): State<OidcState>, request: Request, next: Next) -> Response {
    let origin = request.headers().get(header::ORIGIN).cloned();
    let preflight = request.method() == Method::OPTIONS
        && request
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let allowed = match origin.as_ref().and_then(|o| o.to_str().ok()) {
        Some(o) => match is_allowed(&state, o).await {
            Ok(allowed) => allowed,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the allowed origins");
                false
            }
        },
        None => false,
    };
    let mut response = if preflight {
        StatusCode::NO_CONTENT.into_response()
    } else {
        next.run(request).await
    };
    let headers = response.headers_mut();
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
    if let (true, Some(origin)) = (allowed, origin) {
        allow(headers, origin, preflight);
    }
    response
}

fn allow(headers: &mut HeaderMap, origin: HeaderValue, preflight: bool) {
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    if preflight {
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST"),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("authorization, content-type, dpop"),
        );
        headers.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("600"),
        );
    } else {
        headers.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("www-authenticate, dpop-nonce"),
        );
    }
}

/// Whether some registered client names this origin (by a redirect URI or in `allowed_origins`).
async fn is_allowed(state: &OidcState, origin: &str) -> Result<bool, sqlx::Error> {
    if Origin::of_uri(state.config.issuer.as_str()).as_deref() == Some(origin) {
        return Ok(true);
    }
    let lists = db::clients::origin_lists(state.db.pool()).await?;
    Ok(lists.iter().any(|(redirect_uris, allowed)| {
        allowed.split_whitespace().any(|o| o == origin)
            || redirect_uris
                .split_whitespace()
                .filter_map(Origin::of_uri)
                .any(|o| o == origin)
    }))
}
