//! Minting and verifying tokens. Access tokens are JWTs per RFC 9068 (`typ: at+jwt`), signed with the
//! client's access-token algorithm (RS256 unless it chose ES256 or EdDSA) and recorded by `jti` so they
//! can be revoked; ID tokens are signed with the client's ID-token algorithm; refresh tokens are opaque,
//! stored as digests, and rotated on use. Verification takes the key by `kid` and the algorithm from
//! that key, never from the token's header ([`verify`]).

mod verify;

pub use verify::{
    IdTokenHint, TokenRefused, bearer, read_access_token, verify_access_token, verify_id_token_hint,
};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Header;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256, Sha512};

use super::audience;
use super::claims;
use super::clients::Client;
use super::error::OAuthError;
use super::keys::{SigningAlg, SigningKey};
use super::scope::Scope;
use crate::db::tokens::{self as store, TokenRow};
use crate::db::{self, Tx};
use crate::directory::User;
use crate::error::AppError;
use crate::level::{Amr, Level};
use crate::oidc::OidcState;
use crate::secrets;

/// The claims of a verified access token.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct AccessTokenClaims {
    pub iss: String,
    /// The user's id, or the client's id for `client_credentials`.
    pub sub: String,
    /// Whom the token is for (`oidc::audience`): the client id, or the admin API.
    pub aud: String,
    pub client_id: String,
    /// Space-separated.
    pub scope: String,
    pub jti: String,
    pub iat: i64,
    pub exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acr: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amr: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
}

/// A token's confirmation claim (RFC 7800): the thumbprint of the DPoP key it is bound to.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Confirmation {
    pub jkt: String,
}

/// What an access token says, as signed: its claims and, for a DPoP-bound token, `cnf` (RFC 9449 §6).
#[derive(Serialize)]
struct Signed<'a> {
    #[serde(flatten)]
    claims: &'a AccessTokenClaims,
    #[serde(skip_serializing_if = "Option::is_none")]
    cnf: Option<Confirmation>,
}

/// A verified access token: its claims, and the DPoP key it is bound to, if it is.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct VerifiedAccessToken {
    #[serde(flatten)]
    pub claims: AccessTokenClaims,
    #[serde(default)]
    pub cnf: Option<Confirmation>,
}

impl AccessTokenClaims {
    pub fn has_scope(&self, wanted: &str) -> bool {
        self.scope.split(' ').any(|s| s == wanted)
    }

    /// Whether the token was issued to a client acting for itself (`client_credentials`).
    pub fn is_client_token(&self) -> bool {
        self.sub == self.client_id && self.auth_time.is_none()
    }
}

/// What a set of tokens is issued for.
#[derive(Clone, Debug)]
pub struct Grant {
    pub client: Client,
    /// `None` for `client_credentials`.
    pub user: Option<User>,
    /// The scope of the access token.
    pub scope: Scope,
    /// The scope a refresh token carries forward (the one originally granted).
    pub refresh_scope: Scope,
    pub family_id: String,
    pub sid: Option<String>,
    pub acr: Option<Level>,
    pub amr: Amr,
    pub auth_time: Option<i64>,
    pub tap_id: Option<String>,
    pub nonce: Option<String>,
    /// No refresh token of this grant may live past this (the session of the pass it began with).
    pub cap_at: Option<i64>,
    /// The resource server the access token is for (RFC 8707 `resource`), instead of the client.
    pub resource: Option<String>,
    /// The DPoP key (thumbprint) the access token is bound to: the proof sent with the request.
    pub dpop_jkt: Option<String>,
    /// The DPoP key the refresh token is bound to (a public client's, see `oidc::dpop`).
    pub refresh_jkt: Option<String>,
}

/// The token endpoint's success body (RFC 6749 §5.1).
#[derive(Debug, Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    pub scope: String,
}

/// Makes sure the keys `issue` will sign with for `client` are loaded (and exist). Call it before
/// opening the transaction passed to `issue`: creating keys takes the write lock.
pub async fn warm_keys(state: &OidcState, client: &Client) -> Result<(), AppError> {
    state
        .keys
        .signing_key(&state.db, &state.sealer, client.access_token_alg)
        .await?;
    if client.id_token_alg != client.access_token_alg {
        state
            .keys
            .signing_key(&state.db, &state.sealer, client.id_token_alg)
            .await?;
    }
    Ok(())
}

/// Issues an access token, and an ID token and a refresh token when asked, recording them in `tx`.
pub async fn issue(
    state: &OidcState,
    tx: &mut Tx,
    grant: &Grant,
    with_id_token: bool,
    with_refresh_token: bool,
) -> Result<TokenResponse, OAuthError> {
    let (response, rows) = mint(state, grant, with_id_token, with_refresh_token).await?;
    store::insert_all(tx, &rows).await?;
    Ok(response)
}

/// Signs the tokens of a grant and returns them with the rows that record them (not yet stored).
pub async fn mint(
    state: &OidcState,
    grant: &Grant,
    with_id_token: bool,
    with_refresh_token: bool,
) -> Result<(TokenResponse, Vec<TokenRow>), OAuthError> {
    let lifetimes = &state.config.tokens;
    let now = db::ts(db::now());
    let issuer = state.config.issuer.as_str();
    let sub = match &grant.user {
        Some(user) => user.id.clone(),
        None => grant.client.id.clone(),
    };
    let claims = AccessTokenClaims {
        iss: issuer.to_string(),
        sub: sub.clone(),
        aud: audience::of(
            &state.config.issuer,
            &grant.client,
            &grant.scope,
            grant.resource.as_deref(),
        ),
        client_id: grant.client.id.clone(),
        scope: grant.scope.to_string(),
        jti: uuid::Uuid::new_v4().to_string(),
        iat: now,
        exp: now + i64::from(lifetimes.access_token),
        auth_time: grant.auth_time,
        acr: grant.acr.map(|l| l.acr().to_string()),
        amr: (!grant.amr.is_empty()).then(|| grant.amr.to_vec()),
        sid: grant.sid.clone(),
    };
    let key = state
        .keys
        .signing_key(&state.db, &state.sealer, grant.client.access_token_alg)
        .await?;
    let mut header = header(&key);
    header.typ = Some("at+jwt".into());
    let signed = Signed {
        claims: &claims,
        cnf: grant.dpop_jkt.clone().map(|jkt| Confirmation { jkt }),
    };
    let access_token = key.sign(&header, &signed)?;
    let mut access = row(
        grant,
        &claims.jti,
        store::ACCESS,
        None,
        &claims.scope,
        now,
        claims.exp,
    );
    access.dpop_jkt = grant.dpop_jkt.clone();
    let mut rows = vec![access];

    let id_token = match (&grant.user, with_id_token) {
        (Some(user), true) => Some(id_token(state, grant, user, &access_token, now).await?),
        _ => None,
    };

    let refresh_token = if with_refresh_token && grant.user.is_some() {
        let (token, refresh) = refresh_token(grant, now, lifetimes.refresh_token);
        rows.push(refresh);
        Some(token)
    } else {
        None
    };

    let response = TokenResponse {
        access_token,
        // RFC 9449 §5.1: a bound token says so in its type.
        token_type: if grant.dpop_jkt.is_some() {
            "DPoP"
        } else {
            "Bearer"
        },
        expires_in: lifetimes.access_token,
        id_token,
        refresh_token,
        scope: grant.scope.to_string(),
    };
    Ok((response, rows))
}

/// A new refresh token and the row that records it (by digest), capped by the grant's `cap_at`.
fn refresh_token(grant: &Grant, now: i64, lifetime: u32) -> (String, TokenRow) {
    let token = secrets::new_secret();
    let mut expires_at = now + i64::from(lifetime);
    if let Some(cap) = grant.cap_at {
        expires_at = expires_at.min(cap);
    }
    let mut refresh = row(
        grant,
        &uuid::Uuid::new_v4().to_string(),
        store::REFRESH,
        Some(secrets::digest(&token)),
        &grant.refresh_scope.to_string(),
        now,
        expires_at,
    );
    refresh.cap_at = grant.cap_at;
    refresh.dpop_jkt = grant.refresh_jkt.clone();
    (token, refresh)
}

fn header(key: &SigningKey) -> Header {
    let mut header = Header::new(key.alg.jwt());
    header.kid = Some(key.kid.clone());
    header
}

fn row(
    grant: &Grant,
    id: &str,
    kind: &str,
    token_hash: Option<String>,
    scope: &str,
    now: i64,
    expires_at: i64,
) -> TokenRow {
    TokenRow {
        id: id.to_string(),
        kind: kind.to_string(),
        token_hash,
        family_id: grant.family_id.clone(),
        client_id: grant.client.id.clone(),
        user_id: grant.user.as_ref().map(|u| u.id.clone()),
        scope: scope.to_string(),
        sid: grant.sid.clone(),
        acr: grant.acr.map(|l| l.acr().to_string()),
        amr: grant.amr.to_stored(),
        auth_time: grant.auth_time,
        tap_id: grant.tap_id.clone(),
        created_at: now,
        expires_at,
        cap_at: None,
        rotated_at: None,
        revoked_at: None,
        dpop_jkt: None,
    }
}

async fn id_token(
    state: &OidcState,
    grant: &Grant,
    user: &User,
    access_token: &str,
    now: i64,
) -> Result<String, OAuthError> {
    let alg = grant.client.id_token_alg;
    let key = state
        .keys
        .signing_key(&state.db, &state.sealer, alg)
        .await?;
    let mut claims: Map<String, Value> = claims::for_user(&state.db, user, &grant.scope).await?;
    let issuer = state.config.issuer.as_str();
    let standard = [
        ("iss", json!(issuer)),
        ("sub", json!(user.id)),
        ("aud", json!(grant.client.id)),
        ("azp", json!(grant.client.id)),
        ("iat", json!(now)),
        ("exp", json!(now + i64::from(state.config.tokens.id_token))),
        ("auth_time", json!(grant.auth_time)),
        ("acr", json!(grant.acr)),
        ("amr", json!(grant.amr)),
        ("sid", json!(grant.sid)),
        ("at_hash", json!(token_hash(alg, access_token))),
    ];
    for (name, value) in standard {
        if !value.is_null() {
            claims.insert(name.into(), value);
        }
    }
    if let Some(nonce) = &grant.nonce {
        claims.insert("nonce".into(), json!(nonce));
    }
    let mut header = header(&key);
    header.typ = Some("JWT".into());
    Ok(key.sign(&header, &claims)?)
}

/// `at_hash`: the left half of the hash of the token, with the hash of the signing algorithm
/// (SHA-512 for Ed25519, as the OpenID Foundation settled).
pub fn token_hash(alg: SigningAlg, token: &str) -> String {
    let digest = match alg {
        SigningAlg::RS256 | SigningAlg::ES256 => Sha256::digest(token.as_bytes()).to_vec(),
        SigningAlg::EdDSA => Sha512::digest(token.as_bytes()).to_vec(),
    };
    URL_SAFE_NO_PAD.encode(&digest[..digest.len() / 2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_hash_is_the_left_half_of_the_algorithms_hash() {
        // The example of OpenID Connect Core §A.3.
        assert_eq!(
            token_hash(
                SigningAlg::RS256,
                "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"
            ),
            "77QmUPtjPfzWtF2AnpK9RQ"
        );
        assert_eq!(token_hash(SigningAlg::EdDSA, "x").len(), 43);
    }
}
