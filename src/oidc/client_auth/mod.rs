//! Client authentication at `/token`, `/revoke` and `/introspect`: `client_secret_basic`,
//! `client_secret_post`, `private_key_jwt` (a signed assertion, see [`assertion`]), or `none` for
//! public clients (which must then prove PKCE).

mod assertion;
pub mod jwks;

pub use assertion::{ALGS as ASSERTION_ALGS, ASSERTION_TYPE};

use axum::http::{HeaderMap, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::clients::{self, Client};
use super::error::OAuthError;
use super::params::Params;
use crate::oidc::OidcState;

/// The methods tapid accepts (published in discovery).
pub const METHODS: &[&str] = &[
    "client_secret_basic",
    "client_secret_post",
    "private_key_jwt",
    "none",
];

/// Identifies and authenticates the client of a request, or refuses with `invalid_client`.
pub async fn authenticate(
    state: &OidcState,
    headers: &HeaderMap,
    params: &Params,
) -> Result<Client, OAuthError> {
    let basic = basic_credentials(headers)?;
    let body_id = params.get("client_id");
    let body_secret = params.get("client_secret");
    if params.get("client_assertion").is_some() || params.get("client_assertion_type").is_some() {
        if basic.is_some() || body_secret.is_some() {
            return Err(OAuthError::invalid_request(
                "use one client authentication method, not two",
            ));
        }
        return by_assertion(state, params, body_id).await;
    }
    let (id, secret) = match (basic, body_secret) {
        (Some(_), Some(_)) => {
            return Err(OAuthError::invalid_request(
                "use one client authentication method, not two",
            ));
        }
        (Some((id, secret)), None) => {
            if body_id.is_some_and(|b| b != id) {
                return Err(OAuthError::invalid_client(
                    "client_id does not match the authenticated client",
                ));
            }
            // `Basic base64(id:)` — an empty password — is how some libraries (Go's x/oauth2) present a
            // public client: it is `none`, and only a public client passes that way.
            (id, Some(secret).filter(|s| !s.is_empty()))
        }
        (None, secret) => match body_id {
            Some(id) => (id.to_string(), secret.map(String::from)),
            None => {
                return Err(OAuthError::invalid_client(
                    "client authentication is missing",
                ));
            }
        },
    };
    let failed = || OAuthError::invalid_client("client authentication failed");
    if clients::ClientId::parse(&id).is_err() {
        return Err(failed());
    }
    let client = clients::find(&state.db, &id).await?.ok_or_else(failed)?;
    match (client.public, secret) {
        (true, None) => Ok(client),
        (false, Some(secret)) if client.verify_secret(&secret) => Ok(client),
        _ => Err(failed()),
    }
}

/// `private_key_jwt`: the client named by the assertion, if the assertion is signed by one of its
/// registered keys and passes every check of [`assertion::verify`].
async fn by_assertion(
    state: &OidcState,
    params: &Params,
    body_id: Option<&str>,
) -> Result<Client, OAuthError> {
    if params.get("client_assertion_type") != Some(ASSERTION_TYPE) {
        return Err(OAuthError::invalid_client(format!(
            "client_assertion_type must be {ASSERTION_TYPE}"
        )));
    }
    let assertion = params
        .get("client_assertion")
        .ok_or_else(|| OAuthError::invalid_client("client_assertion is missing"))?;
    let id = assertion::claimed_client(assertion).ok_or_else(|| {
        OAuthError::invalid_client("the client assertion is not a JWT naming its client (sub)")
    })?;
    if body_id.is_some_and(|b| b != id) {
        return Err(OAuthError::invalid_client(
            "client_id does not match the client assertion",
        ));
    }
    let failed = || OAuthError::invalid_client("client authentication failed");
    if clients::ClientId::parse(&id).is_err() {
        return Err(failed());
    }
    let client = clients::find(&state.db, &id).await?.ok_or_else(failed)?;
    assertion::verify(state, &client, assertion).await?;
    Ok(client)
}

/// `Authorization: Basic` credentials, each part form-urlencoded (RFC 6749 §2.3.1).
fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, String)>, OAuthError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let malformed = || OAuthError::invalid_client("malformed Basic credentials");
    let value = value.to_str().map_err(|_| malformed())?;
    let Some((scheme, encoded)) = value.split_once(' ') else {
        return Err(malformed());
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(OAuthError::invalid_client(
            "only Basic client authentication is accepted in the Authorization header",
        ));
    }
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| malformed())?;
    let decoded = String::from_utf8(decoded).map_err(|_| malformed())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(malformed)?;
    Ok(Some((form_decode(id), form_decode(secret))))
}

fn form_decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("x={text}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn basic_credentials_are_form_decoded() {
        let encoded = STANDARD.encode("my%20app:s%3Acret+x");
        let creds = basic_credentials(&headers(&format!("Basic {encoded}"))).unwrap();
        assert_eq!(creds, Some(("my app".into(), "s:cret x".into())));
    }

    #[test]
    fn malformed_basic_credentials_are_invalid_client() {
        for bad in ["Basic", "Basic !!!", "Bearer abc"] {
            let error = basic_credentials(&headers(bad)).unwrap_err();
            assert_eq!(error.code, super::super::error::ErrorCode::InvalidClient);
        }
    }
}
