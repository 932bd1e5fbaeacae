//! `ApiCaller`: who is calling the admin API, from a bearer access token tapid issued for the API —
//! audience `<issuer>/api` and scope `tapid:admin`, by a client registered for that scope — either
//! to a confidential client using `client_credentials` (acting with the roles it was granted), or
//! to a person from a phishing-resistant sign-in (acting with their roles).

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::directory;
use crate::error::AppError;
use crate::oidc;
use crate::oidc::OAuthError;
use crate::oidc::audience::Accept;
use crate::oidc::dpop::Presented;
use crate::oidc::scope;
use crate::oidc::tokens::TokenRefused;
use crate::pages::ClientAddress;
use crate::session::Level;
use crate::state::AppState;
use crate::tap::Authority;

/// The authenticated caller of an API route, and the address the call came from.
#[derive(Clone, Debug)]
pub struct ApiCaller {
    pub authority: Authority,
    pub address: Option<String>,
}

/// A refused bearer token: 401 with `WWW-Authenticate`, or another `AppError`; or a DPoP refusal in
/// the protocol's own form (RFC 9449 §7.1: a `DPoP` challenge naming the error).
#[derive(Debug)]
pub enum ApiRejection {
    App(AppError),
    Dpop(OAuthError),
}

impl From<AppError> for ApiRejection {
    fn from(error: AppError) -> Self {
        Self::App(error)
    }
}

impl IntoResponse for ApiRejection {
    fn into_response(self) -> Response {
        let error = match self {
            Self::App(error) => error,
            Self::Dpop(error) => return error.into_response(),
        };
        let unauthenticated = matches!(error, AppError::Unauthenticated);
        let mut response = error.into_response();
        if unauthenticated {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(r#"Bearer realm="tapid", error="invalid_token""#),
            );
        }
        response
    }
}

impl<S> FromRequestParts<S> for ApiCaller
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiRejection> {
        let state = AppState::from_ref(state);
        let presented = Presented::from_headers(&parts.headers)
            .ok()
            .flatten()
            .ok_or(AppError::Unauthenticated)?;
        let token = presented.token();
        // Only tokens issued for the admin API itself (`oidc::audience`): an application's token,
        // whoever it was issued for, opens nothing here.
        // A token that cannot be judged (the database away) is not a bad token: 503, as elsewhere.
        let verified = oidc::tokens::verify_access_token(&state.oidc, token, Accept::AdminApi)
            .await
            .map_err(|refused| match refused {
                TokenRefused::Invalid(_) => AppError::Unauthenticated,
                TokenRefused::Failed(e) => e,
            })?;
        // A DPoP-bound token only with a proof by its key; an unbound one only as Bearer. The proof
        // names the path as the client sent it (a nested router sees less of it).
        let path = parts
            .extensions
            .get::<axum::extract::OriginalUri>()
            .map_or_else(|| parts.uri.path().to_string(), |u| u.path().to_string());
        oidc::dpop::at_resource(
            &state.oidc,
            &parts.headers,
            parts.method.as_str(),
            &path,
            &presented,
            &verified,
        )
        .await
        .map_err(ApiRejection::Dpop)?;
        let claims = verified.claims;
        // The client must still be registered for the API: removing `tapid:admin` from a client
        // ends its live tokens here too.
        let client = oidc::clients::find(&state.db, &claims.client_id)
            .await?
            .filter(|c| c.scopes.contains(scope::ADMIN_API))
            .ok_or(AppError::Unauthenticated)?;
        let authority = if claims.is_client_token() {
            Authority::Client {
                id: client.id,
                roles: client.roles,
            }
        } else {
            let user = directory::users::find_by_id(&state.db, &claims.sub)
                .await?
                .filter(|u| u.enabled)
                .ok_or(AppError::Unauthenticated)?;
            // The admin API changes who can sign in: the same level as the admin console.
            if claims.acr.as_deref() != Some(Level::PhishingResistant.acr()) {
                return Err(AppError::Forbidden(
                    "the admin API needs a phishing-resistant sign-in (acr phr)".into(),
                )
                .into());
            }
            Authority::User(user)
        };
        let Ok(ClientAddress(address)) = ClientAddress::from_request_parts(parts, &state).await;
        Ok(Self { authority, address })
    }
}
