//! Verifying tokens tapid signed: access tokens for the endpoints that accept them, ID tokens as hints,
//! and access tokens read without judging them (for `/revoke` and `/introspect`).

use jsonwebtoken::{Header, Validation};
use serde::Deserialize;

use super::{AccessTokenClaims, VerifiedAccessToken};
use crate::db::tokens as store;
use crate::directory;
use crate::error::AppError;
use crate::oidc::OidcState;
use crate::oidc::audience::Accept;
use crate::oidc::error::OAuthError;
use crate::oidc::keys::SigningKey;

/// Why an access token was not accepted: a verdict on the token (`Invalid`), or the service failing to
/// judge it (`Failed`: the database away is a 503 to come back later, never "your token is bad").
#[derive(Debug)]
pub enum TokenRefused {
    Invalid(OAuthError),
    Failed(AppError),
}

impl From<AppError> for TokenRefused {
    fn from(error: AppError) -> Self {
        TokenRefused::Failed(error)
    }
}

impl From<sqlx::Error> for TokenRefused {
    fn from(error: sqlx::Error) -> Self {
        TokenRefused::Failed(error.into())
    }
}

impl From<TokenRefused> for OAuthError {
    fn from(refused: TokenRefused) -> Self {
        match refused {
            TokenRefused::Invalid(e) => e,
            TokenRefused::Failed(e) => e.into(),
        }
    }
}

/// The token of an `Authorization: Bearer …` header (RFC 6750), for the endpoints that take nothing
/// else (the admin API and SCIM); `None` when there is none or the header is not Bearer.
pub fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Verifies an access token: signature by a published key, `typ`, `iss`, `exp`, an audience that
/// `accept` allows, and that it was neither revoked nor issued to someone since disabled.
pub async fn verify_access_token(
    state: &OidcState,
    token: &str,
    accept: Accept,
) -> Result<VerifiedAccessToken, TokenRefused> {
    let invalid = || {
        TokenRefused::Invalid(OAuthError::invalid_token(
            "the access token is invalid, expired or revoked",
        ))
    };
    let (header, key) = signed_by_us(state, token).await?.ok_or_else(invalid)?;
    if !is_access_token(&header) {
        return Err(invalid());
    }
    let issuer = state.config.issuer.as_str();
    let mut validation = Validation::new(key.alg.jwt());
    validation.leeway = 0;
    validation.set_issuer(&[issuer]);
    // The audience is judged below, by what the endpoint accepts.
    validation.validate_aud = false;
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    let verified = jsonwebtoken::decode::<VerifiedAccessToken>(token, key.decoding(), &validation)
        .map_err(|_| invalid())?
        .claims;
    let claims = &verified.claims;
    if !accept.allows(
        &state.config.issuer,
        &claims.aud,
        &claims.client_id,
        &claims.scope,
    ) {
        return Err(TokenRefused::Invalid(OAuthError::invalid_token(
            "the access token was not issued for this resource",
        )));
    }
    let row = store::find_by_id(state.db.pool(), &claims.jti)
        .await?
        .ok_or_else(invalid)?;
    if row.kind != store::ACCESS || row.revoked_at.is_some() || row.client_id != claims.client_id {
        return Err(invalid());
    }
    if let Some(user_id) = &row.user_id {
        let user = directory::users::find_by_id(&state.db, user_id).await?;
        if !user.is_some_and(|u| u.enabled) {
            return Err(invalid());
        }
    }
    Ok(verified)
}

/// RFC 9068 §2.1: an access token says so in its `typ` (an ID token never does).
fn is_access_token(header: &Header) -> bool {
    let typ = header.typ.as_deref().unwrap_or_default();
    typ.eq_ignore_ascii_case("at+jwt") || typ.eq_ignore_ascii_case("application/at+jwt")
}

/// The header and the key of a token signed by one of our published keys, if it is one.
async fn signed_by_us(
    state: &OidcState,
    token: &str,
) -> Result<Option<(Header, std::sync::Arc<SigningKey>)>, AppError> {
    if token.len() > 8192 {
        return Ok(None);
    }
    let Ok(header) = jsonwebtoken::decode_header(token) else {
        return Ok(None);
    };
    let Some(kid) = header.kid.as_deref() else {
        return Ok(None);
    };
    let Some(key) = state.keys.find(&state.db, &state.sealer, kid).await? else {
        return Ok(None);
    };
    if key.alg.jwt() != header.alg {
        return Ok(None);
    }
    Ok(Some((header, key)))
}

/// What an `id_token_hint` tells: whose session, for which clients.
#[derive(Clone, Debug, Deserialize)]
pub struct IdTokenHint {
    pub sub: String,
    #[serde(deserialize_with = "one_or_many")]
    pub aud: Vec<String>,
    #[serde(default)]
    pub sid: Option<String>,
}

fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    })
}

/// Verifies an ID token we issued, as a hint (`/authorize`, `/logout`): signature and issuer; an
/// expired one is still a valid hint (OpenID Connect RP-Initiated Logout §2).
pub async fn verify_id_token_hint(
    state: &OidcState,
    token: &str,
) -> Result<Option<IdTokenHint>, OAuthError> {
    let Some((header, key)) = signed_by_us(state, token).await? else {
        return Ok(None);
    };
    if header
        .typ
        .as_deref()
        .is_some_and(|t| t.eq_ignore_ascii_case("at+jwt"))
    {
        return Ok(None);
    }
    let mut validation = Validation::new(key.alg.jwt());
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.set_issuer(&[state.config.issuer.as_str()]);
    validation.set_required_spec_claims(&["iss", "sub", "aud"]);
    Ok(
        jsonwebtoken::decode::<IdTokenHint>(token, key.decoding(), &validation)
            .ok()
            .map(|d| d.claims),
    )
}

/// The claims of an access token we signed, whether or not it has expired or was revoked (for `/revoke`
/// and `/introspect`, which must recognise a token before judging it).
pub async fn read_access_token(
    state: &OidcState,
    token: &str,
) -> Result<Option<AccessTokenClaims>, OAuthError> {
    let Some((header, key)) = signed_by_us(state, token).await? else {
        return Ok(None);
    };
    if !is_access_token(&header) {
        return Ok(None);
    }
    let issuer = state.config.issuer.as_str();
    let mut validation = Validation::new(key.alg.jwt());
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.set_issuer(&[issuer]);
    Ok(
        jsonwebtoken::decode::<AccessTokenClaims>(token, key.decoding(), &validation)
            .ok()
            .map(|d| d.claims),
    )
}
