//! The one error page of the crate: every refusal shown to a person (a page's `AppError`, or a protocol
//! error that must not travel to an unverified client) is this page, never cached.

use askama::Template;
use askama_web::WebTemplate;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::error::AppError;

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
pub struct ErrorView {
    pub title: String,
    pub message: String,
}

/// The error page with this status, title and message (`Cache-Control: no-store`).
pub fn page(status: StatusCode, title: &str, message: String) -> Response {
    let view = ErrorView {
        title: title.into(),
        message,
    };
    let mut response = (status, view).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// An `AppError` shown to a person as a page rather than as JSON.
#[derive(Debug)]
pub struct PageError(pub AppError);

impl<E: Into<AppError>> From<E> for PageError {
    fn from(error: E) -> Self {
        Self(error.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let error = self.0;
        error.log();
        let status = error.status();
        let title = match status {
            StatusCode::NOT_FOUND => "Not found",
            StatusCode::FORBIDDEN => "Not allowed",
            StatusCode::TOO_MANY_REQUESTS => "Too many attempts",
            s if s.is_server_error() => "Something went wrong",
            _ => "That did not work",
        };
        let mut response = page(status, title, error.page_message());
        if let Some(value) = error.retry_after() {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}
