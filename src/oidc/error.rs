//! `OAuthError`: the protocol's own errors (RFC 6749 §4.1.2.1 and §5.2, RFC 6750 §3.1, OpenID Connect
//! Core §3.1.2.6). Serialised as `{"error", "error_description"}`; each knows its HTTP status and whether it
//! may be sent back to the client's redirect URI (never before that URI is verified).

use std::borrow::Cow;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::error::AppError;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnauthorizedClient,
    UnsupportedGrantType,
    UnsupportedResponseType,
    InvalidScope,
    /// RFC 8707: the `resource` asked for is not one tapid issues tokens for.
    InvalidTarget,
    AccessDenied,
    ServerError,
    TemporarilyUnavailable,
    LoginRequired,
    InteractionRequired,
    RequestNotSupported,
    RequestUriNotSupported,
    InvalidToken,
    InsufficientScope,
    /// Too many requests (RFC 8628 §3.5's `slow_down`): 429 with `Retry-After`.
    SlowDown,
    /// RFC 8628 §3.5: the person has not approved or denied the device code yet.
    AuthorizationPending,
    /// RFC 8628 §3.5: the device code expired before it was approved.
    ExpiredToken,
    /// RFC 9126 / RFC 9101: a `request_uri` that is unknown, used, expired or another client's.
    InvalidRequestUri,
    /// RFC 9449 §5, §7.1: a DPoP proof that is missing where it is required, malformed or not valid.
    InvalidDpopProof,
    /// RFC 9449 §8, §9: the proof must carry the nonce the `DPoP-Nonce` header gives.
    UseDpopNonce,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::InvalidClient => "invalid_client",
            ErrorCode::InvalidGrant => "invalid_grant",
            ErrorCode::UnauthorizedClient => "unauthorized_client",
            ErrorCode::UnsupportedGrantType => "unsupported_grant_type",
            ErrorCode::UnsupportedResponseType => "unsupported_response_type",
            ErrorCode::InvalidScope => "invalid_scope",
            ErrorCode::InvalidTarget => "invalid_target",
            ErrorCode::AccessDenied => "access_denied",
            ErrorCode::ServerError => "server_error",
            ErrorCode::TemporarilyUnavailable => "temporarily_unavailable",
            ErrorCode::LoginRequired => "login_required",
            ErrorCode::InteractionRequired => "interaction_required",
            ErrorCode::RequestNotSupported => "request_not_supported",
            ErrorCode::RequestUriNotSupported => "request_uri_not_supported",
            ErrorCode::InvalidToken => "invalid_token",
            ErrorCode::InsufficientScope => "insufficient_scope",
            ErrorCode::SlowDown => "slow_down",
            ErrorCode::AuthorizationPending => "authorization_pending",
            ErrorCode::ExpiredToken => "expired_token",
            ErrorCode::InvalidRequestUri => "invalid_request_uri",
            ErrorCode::InvalidDpopProof => "invalid_dpop_proof",
            ErrorCode::UseDpopNonce => "use_dpop_nonce",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OAuthError {
    pub code: ErrorCode,
    pub description: Cow<'static, str>,
    /// Whether this error may travel to the client's redirect URI. False for errors about the client or
    /// the redirect URI itself: those are shown to the person and never redirected.
    pub redirectable: bool,
    /// The authentication scheme that failed, for `WWW-Authenticate` on 401s.
    challenge: Option<&'static str>,
    /// The status where the error's code does not decide it (a missing or conflicting record).
    status: Option<StatusCode>,
    /// When to try again (`Retry-After`), for 429 and 503.
    retry_after: Option<HeaderValue>,
    /// No credentials were presented at all: the challenge names no error (RFC 6750 §3.1).
    bare_challenge: bool,
    /// The nonce a DPoP proof must carry from now on (RFC 9449 §8): the `DPoP-Nonce` header.
    dpop_nonce: Option<Box<str>>,
}

impl OAuthError {
    pub fn new(code: ErrorCode, description: impl Into<Cow<'static, str>>) -> Self {
        Self {
            code,
            description: description.into(),
            redirectable: true,
            challenge: None,
            status: None,
            retry_after: None,
            bare_challenge: false,
            dpop_nonce: None,
        }
    }

    pub fn invalid_request(description: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorCode::InvalidRequest, description)
    }

    /// Client authentication failed: 401 with a `Basic` challenge.
    pub fn invalid_client(description: impl Into<Cow<'static, str>>) -> Self {
        Self {
            challenge: Some("Basic"),
            ..Self::new(ErrorCode::InvalidClient, description).not_redirectable()
        }
    }

    pub fn invalid_grant(description: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorCode::InvalidGrant, description)
    }

    pub fn invalid_scope(description: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorCode::InvalidScope, description)
    }

    pub fn unauthorized_client(description: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorCode::UnauthorizedClient, description)
    }

    /// A bad, expired or revoked bearer token: 401 with a `Bearer` challenge.
    /// A request to a protected resource that carried no token at all: 401 with a bare `Bearer`
    /// challenge, as RFC 6750 §3.1 asks (no `error` in it).
    pub fn token_missing() -> Self {
        Self {
            bare_challenge: true,
            ..Self::invalid_token("no access token was presented")
        }
    }

    pub fn invalid_token(description: impl Into<Cow<'static, str>>) -> Self {
        Self {
            challenge: Some("Bearer"),
            ..Self::new(ErrorCode::InvalidToken, description)
        }
    }

    /// An answer to a device polling `/token` (RFC 8628 §3.5): `authorization_pending`, `slow_down`,
    /// `access_denied` or `expired_token`, each a 400 as every token endpoint error is (RFC 6749 §5.2).
    pub fn device_poll(code: ErrorCode, description: impl Into<Cow<'static, str>>) -> Self {
        Self {
            status: Some(StatusCode::BAD_REQUEST),
            ..Self::new(code, description)
        }
    }

    /// A DPoP proof refused at an endpoint that issues tokens (`/token`, `/par`): 400 (RFC 9449 §5).
    pub fn invalid_dpop_proof(description: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorCode::InvalidDpopProof, description).not_redirectable()
    }

    /// A DPoP proof without the server's current nonce: 400 with the nonce to use (RFC 9449 §8).
    pub fn use_dpop_nonce(nonce: &str) -> Self {
        Self::new(
            ErrorCode::UseDpopNonce,
            "the DPoP proof must carry the nonce of the DPoP-Nonce header",
        )
        .not_redirectable()
        .with_dpop_nonce(nonce)
    }

    /// Sends `nonce` in a `DPoP-Nonce` header with this error.
    pub fn with_dpop_nonce(mut self, nonce: &str) -> Self {
        self.dpop_nonce = Some(nonce.into());
        self
    }

    /// This error as a protected resource answers it to a DPoP request (RFC 9449 §7.1): 401 with a
    /// `DPoP` challenge naming the error and the proof algorithms accepted.
    pub fn dpop_challenge(mut self) -> Self {
        if self.status().is_server_error() {
            return self;
        }
        self.challenge = Some("DPoP");
        self.status = Some(StatusCode::UNAUTHORIZED);
        self.bare_challenge = false;
        self
    }

    pub fn server_error() -> Self {
        Self::new(ErrorCode::ServerError, "an internal error occurred")
    }

    pub fn not_redirectable(mut self) -> Self {
        self.redirectable = false;
        self
    }

    pub fn status(&self) -> StatusCode {
        if let Some(status) = self.status {
            return status;
        }
        match self.code {
            ErrorCode::InvalidClient | ErrorCode::InvalidToken => StatusCode::UNAUTHORIZED,
            ErrorCode::InsufficientScope | ErrorCode::AccessDenied => StatusCode::FORBIDDEN,
            ErrorCode::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::TemporarilyUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::SlowDown => StatusCode::TOO_MANY_REQUESTS,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    /// The `WWW-Authenticate` value for this error, if it has one.
    fn www_authenticate(&self) -> Option<String> {
        let scheme = match (self.challenge, self.code) {
            (Some(scheme), _) => scheme,
            (None, ErrorCode::InsufficientScope) => "Bearer",
            _ => return None,
        };
        let description = self.description.replace(['"', '\\'], "'");
        Some(match scheme {
            "Basic" => "Basic realm=\"tapid\"".to_string(),
            "DPoP" => format!(
                "DPoP realm=\"tapid\", error=\"{}\", error_description=\"{description}\", algs=\"{}\"",
                self.code.as_str(),
                super::dpop::ALGS.join(" ")
            ),
            _ if self.bare_challenge => "Bearer realm=\"tapid\"".to_string(),
            _ => format!(
                "Bearer realm=\"tapid\", error=\"{}\", error_description=\"{description}\"",
                self.code.as_str()
            ),
        })
    }

    /// The parameters of an error sent to a redirect URI.
    pub fn query_pairs(&self) -> [(&'static str, String); 2] {
        [
            ("error", self.code.as_str().to_string()),
            ("error_description", self.description.to_string()),
        ]
    }
}

impl std::fmt::Display for OAuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.description)
    }
}

impl std::error::Error for OAuthError {}

impl From<sqlx::Error> for OAuthError {
    fn from(error: sqlx::Error) -> Self {
        AppError::from(error).into()
    }
}

/// Each failure in the protocol's own terms: its code, and the status and `Retry-After` the failure has
/// (a 429 stays a 429, a missing record a 404), never a flat 400.
impl From<AppError> for OAuthError {
    fn from(error: AppError) -> Self {
        error.log();
        let message = error.public_message();
        let retry_after = error.retry_after();
        let mut oauth = match &error {
            AppError::Unavailable(_) => Self::new(ErrorCode::TemporarilyUnavailable, message),
            AppError::Database(_) | AppError::Internal(_) => Self::server_error(),
            AppError::Invalid(_) => Self::invalid_request(message),
            AppError::NotFound(_) | AppError::Conflict(_) => Self {
                status: Some(error.status()),
                ..Self::invalid_request(message)
            },
            AppError::Forbidden(_) => Self::new(ErrorCode::AccessDenied, message),
            AppError::Unauthenticated => Self::invalid_token(message),
            AppError::TooManyRequests(_) => Self::new(ErrorCode::SlowDown, message),
        };
        oauth.retry_after = retry_after;
        oauth
    }
}

impl OAuthError {
    /// This error shown to the person as the error page (`title` says what could not be done): for
    /// errors that must not travel to the client. Server errors keep their status; the rest are 400.
    pub fn page(&self, title: &str) -> Response {
        let status = if self.status().is_server_error() {
            self.status()
        } else {
            StatusCode::BAD_REQUEST
        };
        crate::pages::error::page(status, title, for_people(&self.description))
    }
}

/// A description written for software, said for the person reading the page: a parameter's name is
/// not quoted as code, and the sentence starts with a capital and ends with a full stop. The JSON and
/// the redirect keep the technical text.
fn for_people(description: &str) -> String {
    let named = |before: &str, after: &str| {
        description
            .strip_prefix(before)
            .and_then(|rest| rest.strip_suffix(after))
            .filter(|name| !name.contains('`'))
    };
    if let Some(name) = named("the parameter `", "` is missing") {
        return format!("The application's request is missing its {name}.");
    }
    if let Some(name) = named("the parameter `", "` was given more than once") {
        return format!("The application's request gives its {name} more than once.");
    }
    crate::error::sentence(&description.replace('`', ""))
}

#[derive(Serialize)]
struct Body<'a> {
    error: &'static str,
    error_description: &'a str,
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status(),
            Json(Body {
                error: self.code.as_str(),
                error_description: &self.description,
            }),
        )
            .into_response();
        let headers = response.headers_mut();
        if let Some(value) = self
            .www_authenticate()
            .and_then(|v| HeaderValue::from_str(&v).ok())
        {
            headers.insert(header::WWW_AUTHENTICATE, value);
        }
        if let Some(value) = self.retry_after {
            headers.insert(header::RETRY_AFTER, value);
        }
        if let Some(value) = self.dpop_nonce.and_then(|n| HeaderValue::from_str(&n).ok()) {
            headers.insert(super::dpop::NONCE_HEADER, value);
        }
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_serialise_as_error_and_description() {
        let response = OAuthError::invalid_grant("the code has expired").into_response();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    }

    #[test]
    fn invalid_client_is_a_401_with_a_basic_challenge_and_never_redirected() {
        let error = OAuthError::invalid_client("unknown client");
        assert!(!error.redirectable);
        let response = error.into_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            response.headers()[header::WWW_AUTHENTICATE],
            "Basic realm=\"tapid\""
        );
    }

    #[test]
    fn each_app_error_keeps_its_protocol_meaning_status_and_retry_after() {
        let cases = [
            (AppError::TooManyRequests(7), "slow_down", 429, Some("7")),
            (AppError::Forbidden("no".into()), "access_denied", 403, None),
            (
                AppError::NotFound("There is no such client.".into()),
                "invalid_request",
                404,
                None,
            ),
            (
                AppError::Conflict("taken".into()),
                "invalid_request",
                409,
                None,
            ),
            (AppError::Unauthenticated, "invalid_token", 401, None),
            (
                AppError::Invalid("bad".into()),
                "invalid_request",
                400,
                None,
            ),
            (AppError::Internal("x".into()), "server_error", 500, None),
            (
                AppError::Unavailable(sqlx::Error::PoolTimedOut),
                "temporarily_unavailable",
                503,
                Some("5"),
            ),
        ];
        for (app, code, status, retry_after) in cases {
            let error = OAuthError::from(app);
            assert_eq!(error.code.as_str(), code);
            let response = error.into_response();
            assert_eq!(response.status().as_u16(), status, "{code}");
            assert_eq!(
                response
                    .headers()
                    .get(header::RETRY_AFTER)
                    .map(|v| v.to_str().unwrap()),
                retry_after,
                "{code}"
            );
        }
    }

    #[test]
    fn invalid_token_carries_a_bearer_challenge_with_the_error() {
        let response = OAuthError::invalid_token("the token \"x\" expired").into_response();
        let challenge = response.headers()[header::WWW_AUTHENTICATE]
            .to_str()
            .unwrap();
        assert!(challenge.starts_with("Bearer "));
        assert!(challenge.contains("error=\"invalid_token\""));
        assert!(!challenge.contains("\"x\""));
    }
}
