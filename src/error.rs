//! `AppError`: what goes wrong for people and scripts (pages, the admin API, the CLI).
//! The OpenID protocol has its own error type in `oidc::error`.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Input that breaks a rule; the message says which.
    #[error("{0}")]
    Invalid(String),
    /// Nothing there; the message is a sentence that says what is missing.
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// Signed in, but not allowed; the message gives the reason.
    #[error("{0}")]
    Forbidden(String),
    #[error("authentication required")]
    Unauthenticated,
    #[error("too many attempts; try again in {0} seconds")]
    TooManyRequests(u64),
    #[error("the database is unavailable")]
    Unavailable(#[source] sqlx::Error),
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        if is_unavailable(&error) {
            AppError::Unavailable(error)
        } else {
            AppError::Database(error)
        }
    }
}

/// Whether the database is away (down, restarting, unreachable) rather than refusing this statement:
/// the request may succeed later, so it is a 503, not a 500.
fn is_unavailable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => true,
        // PostgreSQL: class 08 is a connection exception, class 57 an operator intervention
        // (shutting down, cannot connect now). SQLite: the file is locked beyond the busy timeout.
        sqlx::Error::Database(e) => {
            let code = e.code();
            let code = code.as_deref().unwrap_or_default();
            code.starts_with("08")
                || code.starts_with("57")
                || code == "5"
                || e.message().contains("database is locked")
        }
        _ => false,
    }
}

impl AppError {
    pub fn invalid(message: impl Into<String>) -> Self {
        AppError::Invalid(message.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Database(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A stable machine-readable code for the API.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Invalid(_) => "invalid_request",
            AppError::NotFound(_) => "not_found",
            AppError::Conflict(_) => "conflict",
            AppError::Forbidden(_) => "forbidden",
            AppError::Unauthenticated => "unauthenticated",
            AppError::TooManyRequests(_) => "too_many_requests",
            AppError::Unavailable(_) => "unavailable",
            AppError::Database(_) | AppError::Internal(_) => "internal_error",
        }
    }

    /// The message safe to show to a client: internals are logged, never sent.
    pub fn public_message(&self) -> String {
        match self {
            AppError::Unavailable(_) => "the service is temporarily unavailable".into(),
            AppError::Database(_) | AppError::Internal(_) => "an internal error occurred".into(),
            other => other.to_string(),
        }
    }

    /// The message as a page shows it to a person: a sentence, and for the failures that are not the
    /// reader's doing, what to do next. A message written as a sentence ends with a full stop and
    /// stands as it is (it may begin with a username); a fragment gets a capital and a full stop.
    pub fn page_message(&self) -> String {
        match self {
            AppError::Unauthenticated => "Please sign in first.".into(),
            AppError::TooManyRequests(s) => format!("Too many attempts. Try again in {s} seconds."),
            AppError::Unavailable(_) => {
                "The service is unavailable for a moment. Please try again shortly.".into()
            }
            AppError::Database(_) | AppError::Internal(_) => {
                "Something went wrong on our side. Please try again; if it keeps happening, tell \
                 your helpdesk."
                    .into()
            }
            other => sentence(&other.to_string()),
        }
    }

    /// Logs server-side failures once, here, with their detail.
    pub fn log(&self) {
        match self {
            AppError::Unavailable(e) => tracing::warn!(error = %e, "database unavailable"),
            AppError::Database(e) => tracing::error!(error = %e, "database error"),
            AppError::Internal(e) => tracing::error!(error = %e, "internal error"),
            _ => {}
        }
    }

    /// Extra headers the response needs (`Retry-After`).
    pub fn retry_after(&self) -> Option<HeaderValue> {
        match self {
            AppError::TooManyRequests(s) => HeaderValue::from_str(&s.to_string()).ok(),
            AppError::Unavailable(_) => Some(HeaderValue::from_static("5")),
            _ => None,
        }
    }
}

/// `text` as a sentence: kept when it ends like one, else with a capital and a full stop.
pub fn sentence(text: &str) -> String {
    let text = text.trim();
    if text.ends_with(['.', '!', '?']) {
        return text.to_string();
    }
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

/// The API's error body: `{"error": code, "message": text}`.
impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        let mut response = (
            self.status(),
            Json(json!({ "error": self.code(), "message": self.public_message() })),
        )
            .into_response();
        if let Some(value) = self.retry_after() {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_message_is_a_sentence_and_a_written_sentence_keeps_its_first_letter() {
        assert_eq!(
            AppError::invalid("choose a lifetime").page_message(),
            "Choose a lifetime."
        );
        assert_eq!(
            AppError::invalid("sam has no Temporary Access Pass.").page_message(),
            "sam has no Temporary Access Pass."
        );
        assert_eq!(
            AppError::Unauthenticated.page_message(),
            "Please sign in first."
        );
        assert!(!AppError::Internal("x".into()).page_message().contains('x'));
    }
}
