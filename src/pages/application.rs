//! The application a person is signing in to, as every page names it: "Sign in to continue to
//! <name>", with its logo. One helper for the sign-in pages, the setup page, the device pages and
//! sign-out, so an application is named the same way everywhere (its display name, else its client id).

use axum::http::{HeaderValue, header};
use axum::response::Response;
use serde::Deserialize;

use crate::db::{self, Db};
use crate::error::AppError;

use super::Flow;

/// Where a sign-in for an authorization request comes back to (`/authorize/resume?request=<id>`).
const RESUME: &str = "/authorize/resume?request=";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Application {
    /// The display name (`client_name`), or the client id when it has none.
    pub name: String,
    /// An absolute `https` (or loopback `http`) URL, checked when it was registered.
    pub logo_uri: Option<String>,
}

impl Application {
    pub fn new(client_id: &str, name: Option<&str>, logo_uri: Option<&str>) -> Self {
        Self {
            name: name
                .filter(|n| !n.trim().is_empty())
                .unwrap_or(client_id)
                .to_string(),
            logo_uri: logo_uri.map(str::to_string),
        }
    }

    /// The application of the stored authorization request `flow` returns to, if it is one.
    pub async fn of_flow(db: &Db, flow: &Flow) -> Result<Option<Self>, AppError> {
        let Some(id) = flow
            .return_to
            .as_deref()
            .and_then(|r| r.strip_prefix(RESUME))
        else {
            return Ok(None);
        };
        let id = id.split('&').next().unwrap_or_default();
        let Some(row) = db::codes::find_request(db.pool(), id, db::ts(db::now())).await? else {
            return Ok(None);
        };
        #[derive(Deserialize)]
        struct Stored {
            client_id: String,
        }
        let Ok(stored) = serde_json::from_str::<Stored>(&row.params) else {
            return Ok(None);
        };
        Self::of_client(db, &stored.client_id).await
    }

    /// The registered client `client_id`, if it exists.
    pub async fn of_client(db: &Db, client_id: &str) -> Result<Option<Self>, AppError> {
        Ok(db::clients::find(db.pool(), client_id)
            .await?
            .map(|c| Self::new(&c.id, c.name.as_deref(), c.logo_uri.as_deref())))
    }

    /// The origin of the logo, for the page's `img-src`.
    fn logo_origin(&self) -> Option<String> {
        let url = url::Url::parse(self.logo_uri.as_deref()?).ok()?;
        Some(url.origin().ascii_serialization()).filter(|o| o != "null")
    }
}

/// Lets `response` load the logo of `application` (and nothing else from its host): the page's
/// Content-Security-Policy gains `img-src` for the logo's origin only.
pub fn allow_logo(mut response: Response, application: Option<&Application>) -> Response {
    if let Some(origin) = application.and_then(Application::logo_origin) {
        let csp = super::CSP.replace(
            "img-src 'self' data:;",
            &format!("img-src 'self' data: {origin};"),
        );
        if let Ok(value) = HeaderValue::from_str(&csp) {
            response
                .headers_mut()
                .insert(header::CONTENT_SECURITY_POLICY, value);
        }
    }
    response
}
