//! DPoP (RFC 9449): sender-constrained tokens. A client proves at `/token` (and `/par`) that it holds
//! a private key by sending a `DPoP` proof, a JWT signed by that key with the public half in its header
//! ([`proof`]); the access token then carries the key's thumbprint (`cnf.jkt`, [`key`]) and is good
//! only with a fresh proof by the same key, at `/userinfo` and the admin API (`Authorization: DPoP`,
//! the proof's `ath` naming the token). Every proof carries a server nonce ([`nonce`]) and is accepted
//! once (its `jti`, in the once-only store `db::jtis`, across instances).
//!
//! What is bound to the key: every access token issued with a proof; a public client's refresh tokens
//! (a refresh then needs a proof by the same key); an authorization code whose request named the key
//! (`dpop_jkt`, or the proof sent to `/par`). A confidential client's refresh tokens stay bound to its
//! client authentication only, as RFC 9449 §5 allows, so it may change keys on refresh.

mod key;
pub mod nonce;
mod proof;

use axum::http::{HeaderMap, HeaderName};

use super::error::OAuthError;
use super::tokens::VerifiedAccessToken;
use crate::db;
use crate::oidc::OidcState;

/// The proof algorithms accepted (published as `dpop_signing_alg_values_supported`).
pub const ALGS: &[&str] = &["ES256", "RS256", "PS256", "EdDSA", "Ed25519"];
/// The request header that carries the proof.
pub const PROOF_HEADER: HeaderName = HeaderName::from_static("dpop");
/// The response header that gives the nonce proofs must carry.
pub const NONCE_HEADER: HeaderName = HeaderName::from_static("dpop-nonce");
/// A `dpop_jkt` is a base64url SHA-256 thumbprint.
const JKT_LENGTH: usize = 43;

/// A proof that passed every check: the thumbprint of the key it was signed with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proof {
    pub jkt: String,
}

/// The nonce proofs should carry now (sent as `DPoP-Nonce`).
pub fn current_nonce(state: &OidcState) -> String {
    nonce::current(&state.sealer, db::ts(db::now()))
}

/// Whether `value` is well formed as a `dpop_jkt` (a base64url SHA-256 thumbprint).
pub fn is_thumbprint(value: &str) -> bool {
    value.len() == JKT_LENGTH
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The one `DPoP` header of a request, if any.
fn proof_header(headers: &HeaderMap) -> Result<Option<&str>, &'static str> {
    let mut values = headers.get_all(PROOF_HEADER).iter();
    let Some(first) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err("send one DPoP header, not several");
    }
    first
        .to_str()
        .map(Some)
        .map_err(|_| "the DPoP header is not a JWT")
}

/// Checks the request's proof against `method` and the endpoint at `path`, with its nonce and its
/// single use. `refused` and `needs_nonce` turn a refusal into the endpoint's form of the error.
async fn check(
    state: &OidcState,
    proof: &str,
    method: &str,
    path: &str,
    access_token: Option<&str>,
) -> Result<Proof, OAuthError> {
    let now = db::ts(db::now());
    let uri = state.config.issuer.url(path);
    let checked = proof::check(
        proof,
        &proof::Expected {
            method,
            uri: &uri,
            access_token,
            now,
        },
    )
    .map_err(OAuthError::invalid_dpop_proof)?;
    let fresh = checked
        .nonce
        .as_deref()
        .is_some_and(|n| nonce::is_fresh(&state.sealer, n, now));
    if !fresh {
        return Err(OAuthError::use_dpop_nonce(&nonce::current(
            &state.sealer,
            now,
        )));
    }
    let issuer = format!("dpop:{}", checked.jkt);
    let until = checked.iat + proof::MAX_AGE;
    if !db::jtis::accept_once(state.db.pool(), &issuer, &checked.jti, until).await? {
        return Err(OAuthError::invalid_dpop_proof(
            "this proof was already used (its jti): make a new proof for each request",
        ));
    }
    Ok(Proof { jkt: checked.jkt })
}

/// At an endpoint that issues tokens (`/token`, `/par`, both POST): the request's proof, if it sent
/// one. Refusals are 400s (`invalid_dpop_proof`, or `use_dpop_nonce` with the nonce to use).
pub async fn at_token_endpoint(
    state: &OidcState,
    headers: &HeaderMap,
    path: &str,
) -> Result<Option<Proof>, OAuthError> {
    let Some(proof) = proof_header(headers).map_err(OAuthError::invalid_dpop_proof)? else {
        return Ok(None);
    };
    check(state, proof, "POST", path, None).await.map(Some)
}

/// How an access token was presented to a protected resource.
#[derive(Debug)]
pub enum Presented {
    /// `Authorization: Bearer` (RFC 6750), or a form parameter.
    Bearer(String),
    /// `Authorization: DPoP` (RFC 9449 §7.1), with a proof in the `DPoP` header.
    Dpop(String),
}

impl Presented {
    pub fn token(&self) -> &str {
        match self {
            Presented::Bearer(t) | Presented::Dpop(t) => t,
        }
    }

    /// The `Authorization` header's token, Bearer or DPoP; `None` without one. Another scheme is
    /// `invalid_token`.
    pub fn from_headers(headers: &HeaderMap) -> Result<Option<Self>, OAuthError> {
        let Some(value) = headers.get(axum::http::header::AUTHORIZATION) else {
            return Ok(None);
        };
        let value = value
            .to_str()
            .map_err(|_| OAuthError::invalid_token("malformed Authorization header"))?;
        match value.split_once(' ') {
            Some((scheme, token)) if !token.trim().is_empty() => {
                let token = token.trim().to_string();
                if scheme.eq_ignore_ascii_case("bearer") {
                    Ok(Some(Presented::Bearer(token)))
                } else if scheme.eq_ignore_ascii_case("dpop") {
                    Ok(Some(Presented::Dpop(token)))
                } else {
                    Err(OAuthError::invalid_token(
                        "the Authorization header must be Bearer or DPoP",
                    ))
                }
            }
            _ => Err(OAuthError::invalid_token(
                "the Authorization header must be Bearer or DPoP",
            )),
        }
    }
}

/// At a protected resource (`method` `path`), after the token itself was verified: a DPoP-bound token
/// only as `DPoP` with a fresh proof by its key naming it (`ath`); an unbound one only as Bearer.
/// Refusals are 401s with a `DPoP` challenge.
pub async fn at_resource(
    state: &OidcState,
    headers: &HeaderMap,
    method: &str,
    path: &str,
    presented: &Presented,
    token: &VerifiedAccessToken,
) -> Result<(), OAuthError> {
    let bound = token.cnf.as_ref().map(|c| c.jkt.as_str());
    match (presented, bound) {
        (Presented::Bearer(_), None) => Ok(()),
        (Presented::Bearer(_), Some(_)) => Err(OAuthError::invalid_token(
            "this access token is bound to a DPoP key: present it as Authorization: DPoP with a proof",
        )
        .dpop_challenge()),
        (Presented::Dpop(_), None) => Err(OAuthError::invalid_token(
            "this access token is not bound to a DPoP key: present it as Bearer",
        )
        .dpop_challenge()),
        (Presented::Dpop(token), Some(jkt)) => {
            let proof = proof_header(headers)
                .map_err(|e| OAuthError::invalid_dpop_proof(e).dpop_challenge())?
                .ok_or_else(|| {
                    OAuthError::invalid_dpop_proof("a DPoP proof (the DPoP header) is missing")
                        .dpop_challenge()
                })?;
            let proof = check(state, proof, method, path, Some(token))
                .await
                .map_err(OAuthError::dpop_challenge)?;
            if !crate::secrets::constant_time_eq(&proof.jkt, jkt) {
                return Err(OAuthError::invalid_dpop_proof(
                    "the proof is not signed by the key this access token is bound to",
                )
                .dpop_challenge());
            }
            Ok(())
        }
    }
}
