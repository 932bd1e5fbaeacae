//! The ordered chain of checks an authorization request passes. The first two decide whether the client
//! can be told anything at all: until the client and its redirect URI are known, every refusal is a page
//! for the person and never a redirect.

use super::request::{AuthRequest, Prompt, ResponseMode};
use crate::oidc::OidcState;
use crate::oidc::clients::{self, Client, ClientId, GrantType, RedirectUri};
use crate::oidc::error::{ErrorCode, OAuthError};
use crate::oidc::params::Params;
use crate::oidc::scope::{self, Scope};
use crate::oidc::{pkce, tokens};
use crate::session::Level;

/// The longest `state` / `nonce` / `login_hint` accepted.
const MAX_STATE: usize = 2048;
const MAX_NONCE: usize = 512;
const MAX_HINT: usize = 256;

/// Runs every check in order. Errors before the redirect URI is verified are not redirectable.
pub async fn validate(
    state: &OidcState,
    params: &Params,
) -> Result<(Client, AuthRequest), (OAuthError, Option<Redirect>)> {
    let (client_id, client) = check_client(state, params).await.map_err(|e| (e, None))?;
    let redirect_uri = check_redirect_uri(params, &client).map_err(|e| (e, None))?;
    // From here on the error goes back to the client, with `state` when it is well formed.
    let back = Redirect {
        uri: redirect_uri.as_str().to_string(),
        state: check_state(params).ok().flatten(),
        mode: check_response_mode(params).unwrap_or_default(),
    };
    let fail = |e: OAuthError| (e, Some(back.clone()));
    check_request_object(params).map_err(fail)?;
    check_response_type(params).map_err(fail)?;
    let response_mode = check_response_mode(params).map_err(fail)?;
    let scope = check_scope(params, &client).map_err(fail)?;
    let code_challenge = check_pkce(params, &client).map_err(fail)?;
    let request_state = check_state(params).map_err(fail)?;
    let nonce = check_nonce(params).map_err(fail)?;
    let prompt = check_prompt(params).map_err(fail)?;
    let max_age = check_max_age(params).map_err(fail)?;
    let login_hint = check_login_hint(params).map_err(fail)?;
    let dpop_jkt = check_dpop_jkt(params).map_err(fail)?;
    let level = check_acr_values(params);
    let hint_sub = check_id_token_hint(state, params, &client)
        .await
        .map_err(fail)?;
    let request = AuthRequest {
        client_id,
        redirect_uri,
        scope,
        state: request_state,
        nonce,
        code_challenge,
        prompt,
        max_age,
        login_hint,
        level,
        hint_sub,
        response_mode,
        dpop_jkt,
    };
    Ok((client, request))
}

/// Where a redirectable error goes.
#[derive(Clone, Debug)]
pub struct Redirect {
    pub uri: String,
    pub state: Option<String>,
    pub mode: ResponseMode,
}

fn page_error(description: &'static str) -> OAuthError {
    OAuthError::invalid_request(description).not_redirectable()
}

pub async fn check_client(
    state: &OidcState,
    params: &Params,
) -> Result<(ClientId, Client), OAuthError> {
    let id = params.get("client_id").ok_or_else(|| {
        page_error("The request does not name an application (client_id is missing).")
    })?;
    let Ok(id) = ClientId::parse(id) else {
        return Err(page_error("The application is not registered here."));
    };
    let client = clients::find(&state.db, id.as_str())
        .await?
        .ok_or_else(|| page_error("The application is not registered here."))?;
    if !client.allows_grant(GrantType::AuthorizationCode) {
        return Err(page_error("This application may not sign people in."));
    }
    Ok((id, client))
}

pub fn check_redirect_uri(params: &Params, client: &Client) -> Result<RedirectUri, OAuthError> {
    let uri = params
        .get("redirect_uri")
        .ok_or_else(|| page_error("The request has no redirect_uri."))?;
    let unregistered = || {
        page_error(
            "The redirect_uri is not registered for this application, so tapid will not send you there.",
        )
    };
    if !client.has_redirect_uri(uri) {
        return Err(unregistered());
    }
    RedirectUri::parse(uri).map_err(|_| unregistered())
}

pub fn check_request_object(params: &Params) -> Result<(), OAuthError> {
    if params.get("request").is_some() {
        return Err(OAuthError::new(
            ErrorCode::RequestNotSupported,
            "request objects are not supported",
        ));
    }
    if params.get("request_uri").is_some() {
        return Err(OAuthError::new(
            ErrorCode::RequestUriNotSupported,
            "request_uri is not supported",
        ));
    }
    Ok(())
}

pub fn check_response_type(params: &Params) -> Result<(), OAuthError> {
    match params.require("response_type")? {
        "code" => {}
        _ => {
            return Err(OAuthError::new(
                ErrorCode::UnsupportedResponseType,
                "only response_type=code is supported",
            ));
        }
    }
    Ok(())
}

pub fn check_response_mode(params: &Params) -> Result<ResponseMode, OAuthError> {
    match params.get("response_mode") {
        None | Some("query") => Ok(ResponseMode::Query),
        Some("form_post") => Ok(ResponseMode::FormPost),
        Some(_) => Err(OAuthError::invalid_request(
            "response_mode must be query or form_post",
        )),
    }
}

pub fn check_scope(params: &Params, client: &Client) -> Result<Scope, OAuthError> {
    let asked = Scope::parse(params.require("scope")?).map_err(OAuthError::invalid_scope)?;
    if !asked.contains(scope::OPENID) {
        return Err(OAuthError::invalid_scope("the scope must include openid"));
    }
    // Values the client may not have are dropped (RFC 6749 §3.3); openid is always its own.
    let mut allowed = client.scopes.clone();
    if !allowed.contains(scope::OPENID) {
        allowed = Scope::parse(&format!("{} {allowed}", scope::OPENID)).unwrap_or_default();
    }
    let mut granted = asked.intersect(&allowed);
    if !client.allows_grant(GrantType::RefreshToken) {
        granted = granted.without(scope::OFFLINE_ACCESS);
    }
    Ok(granted)
}

pub fn check_pkce(params: &Params, client: &Client) -> Result<Option<String>, OAuthError> {
    let challenge = params.get("code_challenge");
    let method = params.get("code_challenge_method");
    match (challenge, method) {
        (None, Some(_)) => Err(OAuthError::invalid_request(
            "code_challenge_method without code_challenge",
        )),
        (None, None) if client.public => Err(OAuthError::invalid_request(
            "PKCE is required: send code_challenge with code_challenge_method=S256",
        )),
        (None, None) => Ok(None),
        (Some(_), None | Some("plain")) => Err(OAuthError::invalid_request(
            "code_challenge_method must be S256 (plain is not accepted)",
        )),
        (Some(_), Some(m)) if m != "S256" => Err(OAuthError::invalid_request(
            "code_challenge_method must be S256",
        )),
        (Some(c), Some(_)) if !pkce::well_formed(c) || c.len() != 43 => Err(
            OAuthError::invalid_request("code_challenge is not a base64url SHA-256 value"),
        ),
        (Some(c), Some(_)) => Ok(Some(c.to_string())),
    }
}

pub fn check_state(params: &Params) -> Result<Option<String>, OAuthError> {
    match params.get("state") {
        Some(s) if s.len() > MAX_STATE => Err(OAuthError::invalid_request("state is too long")),
        other => Ok(other.map(String::from)),
    }
}

pub fn check_nonce(params: &Params) -> Result<Option<String>, OAuthError> {
    match params.get("nonce") {
        Some(n) if n.len() > MAX_NONCE => Err(OAuthError::invalid_request("nonce is too long")),
        other => Ok(other.map(String::from)),
    }
}

pub fn check_prompt(params: &Params) -> Result<Option<Prompt>, OAuthError> {
    let Some(value) = params.get("prompt") else {
        return Ok(None);
    };
    let mut none = false;
    let mut login = false;
    for word in value.split(' ').filter(|w| !w.is_empty()) {
        match word {
            "none" => none = true,
            // First-party clients: consent and account selection both mean "sign in again".
            "login" | "consent" | "select_account" => login = true,
            _ => return Err(OAuthError::invalid_request("unknown prompt value")),
        }
    }
    match (none, login) {
        (true, true) => Err(OAuthError::invalid_request(
            "prompt=none cannot be combined with other values",
        )),
        (true, false) => Ok(Some(Prompt::None)),
        (false, true) => Ok(Some(Prompt::Login)),
        (false, false) => Ok(None),
    }
}

pub fn check_max_age(params: &Params) -> Result<Option<i64>, OAuthError> {
    let Some(value) = params.get("max_age") else {
        return Ok(None);
    };
    value
        .parse::<u32>()
        .map(|v| Some(i64::from(v)))
        .map_err(|_| {
            OAuthError::invalid_request("max_age must be a non-negative number of seconds")
        })
}

pub fn check_login_hint(params: &Params) -> Result<Option<String>, OAuthError> {
    match params.get("login_hint") {
        Some(h) if h.len() > MAX_HINT || h.chars().any(char::is_control) => {
            Err(OAuthError::invalid_request("login_hint is malformed"))
        }
        other => Ok(other.map(String::from)),
    }
}

/// RFC 9449 §10: `dpop_jkt` binds the code to the DPoP key of that thumbprint.
pub fn check_dpop_jkt(params: &Params) -> Result<Option<String>, OAuthError> {
    match params.get("dpop_jkt") {
        Some(jkt) if !crate::oidc::dpop::is_thumbprint(jkt) => Err(OAuthError::invalid_request(
            "dpop_jkt must be a JWK SHA-256 thumbprint (43 base64url characters)",
        )),
        other => Ok(other.map(String::from)),
    }
}

/// The weakest level among the `acr_values` tapid knows (any of them satisfies the client); `1fa` when
/// none is given. `tap` is never enough to receive tokens, so it is not a choice.
pub fn check_acr_values(params: &Params) -> Level {
    params
        .get("acr_values")
        .into_iter()
        .flat_map(|v| v.split(' '))
        .filter_map(Level::from_acr)
        .filter(|l| l.may_get_tokens())
        .min()
        .unwrap_or(Level::OneFactor)
}

pub async fn check_id_token_hint(
    state: &OidcState,
    params: &Params,
    client: &Client,
) -> Result<Option<String>, OAuthError> {
    let Some(hint) = params.get("id_token_hint") else {
        return Ok(None);
    };
    match tokens::verify_id_token_hint(state, hint).await? {
        Some(claims) if claims.aud.iter().any(|a| a == &client.id) => Ok(Some(claims.sub)),
        _ => Err(OAuthError::invalid_request(
            "id_token_hint is not an ID token this provider issued to this client",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(query: &str) -> Params {
        Params::parse(query.as_bytes()).unwrap()
    }

    #[test]
    fn prompt_none_cannot_be_combined_and_consent_means_login() {
        assert_eq!(
            check_prompt(&params("prompt=none")).unwrap(),
            Some(Prompt::None)
        );
        assert_eq!(
            check_prompt(&params("prompt=consent")).unwrap(),
            Some(Prompt::Login)
        );
        assert!(check_prompt(&params("prompt=none+login")).is_err());
        assert!(check_prompt(&params("prompt=sometimes")).is_err());
    }

    #[test]
    fn acr_values_pick_the_weakest_acceptable_known_level() {
        assert_eq!(check_acr_values(&params("")), Level::OneFactor);
        assert_eq!(
            check_acr_values(&params("acr_values=phr")),
            Level::PhishingResistant
        );
        assert_eq!(
            check_acr_values(&params("acr_values=phr+1fa")),
            Level::OneFactor
        );
        assert_eq!(
            check_acr_values(&params("acr_values=tap")),
            Level::OneFactor
        );
        assert_eq!(
            check_acr_values(&params("acr_values=urn%3Ax+phr")),
            Level::PhishingResistant
        );
    }

    #[test]
    fn max_age_must_be_a_non_negative_integer() {
        assert_eq!(check_max_age(&params("max_age=0")).unwrap(), Some(0));
        for bad in [
            "max_age=-1",
            "max_age=abc",
            "max_age=1.5",
            "max_age=99999999999",
        ] {
            assert!(check_max_age(&params(bad)).is_err(), "{bad}");
        }
    }
}
