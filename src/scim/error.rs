//! `ScimError`: the protocol's own error document (RFC 7644 §3.12), `application/scim+json`, with
//! `scimType` where the RFC defines one. Internal detail is logged by `AppError`, never sent.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::CONTENT_TYPE;
use crate::error::AppError;

pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

#[derive(Debug)]
pub struct ScimError {
    pub status: StatusCode,
    pub scim_type: Option<&'static str>,
    pub detail: String,
    retry_after: Option<HeaderValue>,
    unauthenticated: bool,
}

impl ScimError {
    pub fn new(
        status: StatusCode,
        scim_type: Option<&'static str>,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            status,
            scim_type,
            detail: detail.into(),
            retry_after: None,
            unauthenticated: false,
        }
    }

    pub fn bad(scim_type: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, Some(scim_type), detail)
    }

    pub fn invalid_filter(detail: impl Into<String>) -> Self {
        Self::bad("invalidFilter", detail)
    }

    pub fn invalid_syntax(detail: impl Into<String>) -> Self {
        Self::bad("invalidSyntax", detail)
    }

    pub fn invalid_value(detail: impl Into<String>) -> Self {
        Self::bad("invalidValue", detail)
    }

    pub fn invalid_path(detail: impl Into<String>) -> Self {
        Self::bad("invalidPath", detail)
    }

    pub fn no_target(detail: impl Into<String>) -> Self {
        Self::bad("noTarget", detail)
    }

    pub fn mutability(detail: impl Into<String>) -> Self {
        Self::bad("mutability", detail)
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            None,
            format!("{} not found", what.into()),
        )
    }

    pub fn precondition_failed() -> Self {
        Self::new(
            StatusCode::PRECONDITION_FAILED,
            None,
            "the resource changed since that version (If-Match)",
        )
    }

    pub fn unauthenticated(detail: impl Into<String>) -> Self {
        let mut error = Self::new(StatusCode::UNAUTHORIZED, None, detail);
        error.unauthenticated = true;
        error
    }
}

impl From<AppError> for ScimError {
    fn from(error: AppError) -> Self {
        error.log();
        let detail = error.public_message();
        let mut scim = match &error {
            AppError::Invalid(_) => ScimError::invalid_value(detail),
            AppError::NotFound(_) => ScimError::new(StatusCode::NOT_FOUND, None, detail),
            AppError::Conflict(_) => {
                ScimError::new(StatusCode::CONFLICT, Some("uniqueness"), detail)
            }
            AppError::Forbidden(_) => ScimError::new(StatusCode::FORBIDDEN, None, detail),
            AppError::Unauthenticated => ScimError::unauthenticated(detail),
            AppError::TooManyRequests(_) => {
                ScimError::new(StatusCode::TOO_MANY_REQUESTS, Some("tooMany"), detail)
            }
            other => ScimError::new(other.status(), None, detail),
        };
        scim.retry_after = error.retry_after();
        scim
    }
}

impl From<sqlx::Error> for ScimError {
    fn from(error: sqlx::Error) -> Self {
        AppError::from(error).into()
    }
}

impl IntoResponse for ScimError {
    fn into_response(self) -> Response {
        let mut body = json!({
            "schemas": [ERROR_SCHEMA],
            "status": self.status.as_u16().to_string(),
            "detail": self.detail,
        });
        if let Some(scim_type) = self.scim_type {
            body["scimType"] = json!(scim_type);
        }
        let mut response = (self.status, body.to_string()).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
        if let Some(value) = self.retry_after {
            headers.insert(header::RETRY_AFTER, value);
        }
        if self.unauthenticated {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(r#"Bearer realm="tapid-scim", error="invalid_token""#),
            );
        }
        response
    }
}
