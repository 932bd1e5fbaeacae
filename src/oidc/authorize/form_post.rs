//! OAuth 2.0 Form Post Response Mode: the answer as hidden fields of a form that submits itself to the
//! client's (verified) redirect URI. The page allows exactly one script — the one that submits — by its
//! hash, and may post only to the redirect URI's origin.

use std::sync::LazyLock;

use askama::Template;
use askama_web::WebTemplate;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

use crate::oidc::clients::Origin;

/// The page's only script, exactly as the template embeds it.
const SUBMIT: &str = "document.forms[0].submit();";

static SUBMIT_HASH: LazyLock<String> =
    LazyLock::new(|| STANDARD.encode(Sha256::digest(SUBMIT.as_bytes())));

#[derive(Template, WebTemplate)]
#[template(path = "oidc/form_post.html")]
struct FormPostView<'a> {
    action: &'a str,
    fields: &'a [(&'a str, &'a str)],
    script: &'static str,
}

pub fn page(redirect_uri: &str, fields: &[(&str, &str)]) -> Response {
    let view = FormPostView {
        action: redirect_uri,
        fields,
        script: SUBMIT,
    };
    let origin = Origin::of_uri(redirect_uri).unwrap_or_else(|| "'none'".into());
    let csp = format!(
        "default-src 'none'; script-src 'sha256-{}'; form-action {origin}; frame-ancestors 'none'; \
         base-uri 'none'",
        *SUBMIT_HASH
    );
    let mut response = view.into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
