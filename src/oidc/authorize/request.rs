//! A validated authorization request: what the ordered checks produced, kept server-side while the
//! person signs in (`authorization_requests`), and re-checked when they come back.

use serde::{Deserialize, Serialize};

use crate::oidc::clients::{ClientId, RedirectUri};
use crate::oidc::scope::Scope;
use crate::session::Level;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Prompt {
    /// No interaction: answer from the existing session or fail.
    None,
    /// A fresh sign-in (`login`, and `consent` / `select_account`, which first-party clients treat as login).
    Login,
}

/// How the answer travels back to the client (OAuth 2.0 Multiple Response Types and Form Post Response Mode).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseMode {
    /// A redirect with the answer in the query (the default for `code`).
    #[default]
    Query,
    /// An auto-submitting HTML form that POSTs the answer to the redirect URI.
    FormPost,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthRequest {
    pub client_id: ClientId,
    pub redirect_uri: RedirectUri,
    /// Already narrowed to what the client may have.
    pub scope: Scope,
    pub state: Option<String>,
    pub nonce: Option<String>,
    /// S256 challenge.
    pub code_challenge: Option<String>,
    pub prompt: Option<Prompt>,
    pub max_age: Option<i64>,
    pub login_hint: Option<String>,
    /// The least level the client accepts (from `acr_values`; `1fa` unless asked for more).
    pub level: Level,
    /// The subject of a valid `id_token_hint`: the sign-in must be this person's.
    pub hint_sub: Option<String>,
    #[serde(default)]
    pub response_mode: ResponseMode,
    /// RFC 9449 §10: the thumbprint of the DPoP key the code will be bound to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpop_jkt: Option<String>,
}
