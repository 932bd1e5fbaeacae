//! A relying party's back-channel logout endpoint for the tests: records every Logout Token POSTed to it
//! and answers with the status it is told to; `verify` checks a token as a careful RP must
//! (Back-Channel Logout 1.0 §2.6), with `jsonwebtoken` and tapid's published JWK Set.

use std::sync::Arc;
use std::sync::atomic::{AtomicU16, Ordering};

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Form, Router};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{DecodingKey, Validation};
use serde_json::Value;
use tokio::sync::Mutex;

use crate::helpers::TestApp;

pub const EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

#[derive(Clone, Default)]
struct Shared {
    tokens: Arc<Mutex<Vec<String>>>,
    status: Arc<AtomicU16>,
}

pub struct Receiver {
    /// Where Logout Tokens go: `http://127.0.0.1:PORT/backchannel-logout`.
    pub uri: String,
    shared: Shared,
}

impl Receiver {
    pub async fn start() -> Self {
        let shared = Shared::default();
        shared.status.store(200, Ordering::SeqCst);
        let app = Router::new()
            .route("/backchannel-logout", post(receive))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let uri = format!(
            "http://127.0.0.1:{}/backchannel-logout",
            listener.local_addr().unwrap().port()
        );
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { uri, shared }
    }

    /// What the endpoint answers from now on.
    pub fn answer(&self, status: u16) {
        self.shared.status.store(status, Ordering::SeqCst);
    }

    /// Every Logout Token received so far (also those answered with an error).
    pub async fn tokens(&self) -> Vec<String> {
        self.shared.tokens.lock().await.clone()
    }
}

async fn receive(
    State(shared): State<Shared>,
    Form(form): Form<std::collections::HashMap<String, String>>,
) -> StatusCode {
    if let Some(token) = form.get("logout_token") {
        shared.tokens.lock().await.push(token.clone());
    }
    StatusCode::from_u16(shared.status.load(Ordering::SeqCst)).unwrap()
}

/// Validates a Logout Token for `client_id` against tapid's JWK Set; returns its claims.
pub async fn verify(app: &TestApp, token: &str, client_id: &str) -> Value {
    let header = jsonwebtoken::decode_header(token).expect("a JWS header");
    assert_eq!(header.typ.as_deref(), Some("logout+jwt"), "typ");
    let jwks: JwkSet = app.get("/jwks").await.json().await.unwrap();
    let kid = header.kid.clone().expect("a kid");
    let jwk = jwks.find(&kid).expect("the kid is published");
    let key = DecodingKey::from_jwk(jwk).unwrap();
    let mut validation = Validation::new(header.alg);
    validation.set_audience(&[client_id]);
    validation.set_issuer(&[app.issuer.as_str()]);
    validation.set_required_spec_claims(&["iss", "aud", "iat", "exp", "sub"]);
    let claims = jsonwebtoken::decode::<Value>(token, &key, &validation)
        .expect("the Logout Token verifies")
        .claims;
    assert!(
        claims["events"][EVENT].is_object(),
        "the back-channel logout event: {claims}"
    );
    assert!(
        claims.get("nonce").is_none(),
        "a Logout Token carries no nonce"
    );
    assert!(claims["jti"].as_str().is_some_and(|j| !j.is_empty()), "jti");
    assert!(claims["sid"].as_str().is_some_and(|s| !s.is_empty()), "sid");
    claims
}

/// tapid's state for calling the sender directly (the spawned one runs only under `serve`).
pub fn state_of(app: &TestApp) -> tapid::AppState {
    tapid::AppState::new(app.db.clone(), app.config.clone(), app.sealer())
}

/// Runs one round of the sender, as each instance does every second.
pub async fn deliver(app: &TestApp) -> usize {
    let state = state_of(app);
    tapid::oidc::backchannel::deliver_due(&state.oidc, &tapid::oidc::backchannel::http_client())
        .await
        .unwrap()
}
