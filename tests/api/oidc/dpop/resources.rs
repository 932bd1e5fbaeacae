//! A bound access token at `/userinfo` and the admin API: only as `Authorization: DPoP` with a fresh
//! proof by its key naming it (`ath`); each refusal is a 401 with a `DPoP` challenge.

use super::{Answer, DpopKey, claims};
use crate::helpers::oidc::RegisteredClient;
use crate::helpers::{TestApp, spawn_app};

/// A bound access token for `/userinfo` (a person's, from a code) and the key it is bound to.
async fn bound_userinfo_token(app: &TestApp) -> (String, DpopKey) {
    let web = app.web_client("web").await;
    let secret = app.arrange_user_with_totp("ann").await;
    let authorized = app.authorize_with_totp(&web, "ann", &secret, &[]).await;
    let key = DpopKey::es256();
    let nonce = app.dpop_nonce().await;
    let proof = key.proof("POST", &app.htu("/token"), Some(&nonce), None);
    let answer = app
        .post_with_proof(
            "/token",
            &[
                ("grant_type", "authorization_code"),
                ("code", &authorized.code),
                ("redirect_uri", "https://rp.example.com/cb"),
                ("code_verifier", &authorized.verifier),
            ],
            Some(("web", web.secret.as_deref().unwrap())),
            Some(&proof),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    (
        answer.body["access_token"].as_str().unwrap().to_string(),
        key,
    )
}

/// A bound admin API token (`client_credentials`, `tapid:admin`) and its key.
async fn bound_api_token(app: &TestApp) -> (String, DpopKey) {
    let svc: RegisteredClient = app.service_client("svc", "tapid:admin").await;
    let key = DpopKey::es256();
    let nonce = app.dpop_nonce().await;
    let proof = key.proof("POST", &app.htu("/token"), Some(&nonce), None);
    let answer = app
        .post_with_proof(
            "/token",
            &[("grant_type", "client_credentials")],
            Some(("svc", svc.secret.as_deref().unwrap())),
            Some(&proof),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    (
        answer.body["access_token"].as_str().unwrap().to_string(),
        key,
    )
}

/// The resource's nonce, learnt from its `use_dpop_nonce` challenge.
async fn resource_nonce(app: &TestApp, path: &str, token: &str, key: &DpopKey) -> String {
    let proof = key.proof("GET", &app.htu(path), None, Some(token));
    let answer = app.get_resource(path, "DPoP", token, Some(&proof)).await;
    challenged(&answer, "use_dpop_nonce");
    answer.nonce()
}

/// A 401 whose `WWW-Authenticate` is a DPoP challenge naming `error`.
fn challenged(answer: &Answer, error: &str) {
    assert_eq!(answer.status, 401, "{}", answer.body);
    let challenge = answer.headers["www-authenticate"].to_str().unwrap();
    assert!(challenge.starts_with("DPoP "), "{challenge}");
    assert!(
        challenge.contains(&format!("error=\"{error}\"")),
        "{challenge}"
    );
    assert!(challenge.contains("algs=\""), "{challenge}");
}

#[tokio::test]
async fn userinfo_answers_a_bound_token_with_a_fresh_proof_by_its_key() {
    let app = spawn_app().await;
    let (token, key) = bound_userinfo_token(&app).await;
    let nonce = resource_nonce(&app, "/userinfo", &token, &key).await;
    let proof = key.proof("GET", &app.htu("/userinfo"), Some(&nonce), Some(&token));
    let answer = app
        .get_resource("/userinfo", "DPoP", &token, Some(&proof))
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(answer.body["sub"].is_string());

    // The same proof again is a replay.
    let again = app
        .get_resource("/userinfo", "DPoP", &token, Some(&proof))
        .await;
    challenged(&again, "invalid_dpop_proof");
}

#[tokio::test]
async fn a_bound_token_presented_as_bearer_is_refused_with_a_dpop_challenge() {
    let app = spawn_app().await;
    let (token, _) = bound_userinfo_token(&app).await;
    let answer = app.get_resource("/userinfo", "Bearer", &token, None).await;
    challenged(&answer, "invalid_token");

    let (api_token, _) = bound_api_token(&app).await;
    let answer = app
        .get_resource("/api/v1/users", "Bearer", &api_token, None)
        .await;
    challenged(&answer, "invalid_token");
}

#[tokio::test]
async fn an_unbound_token_presented_as_dpop_is_refused() {
    let app = spawn_app().await;
    let svc = app.service_client("svc", "tapid:admin").await;
    let token = app.client_credentials_token(&svc).await;
    let key = DpopKey::es256();
    let proof = key.proof("GET", &app.htu("/api/v1/users"), None, Some(&token));
    let answer = app
        .get_resource("/api/v1/users", "DPoP", &token, Some(&proof))
        .await;
    challenged(&answer, "invalid_token");
}

#[tokio::test]
async fn a_bound_token_without_a_proof_is_refused() {
    let app = spawn_app().await;
    let (token, _) = bound_userinfo_token(&app).await;
    let answer = app.get_resource("/userinfo", "DPoP", &token, None).await;
    challenged(&answer, "invalid_dpop_proof");
}

#[tokio::test]
async fn a_resource_proof_without_the_nonce_is_answered_use_dpop_nonce() {
    let app = spawn_app().await;
    let (token, key) = bound_api_token(&app).await;
    let proof = key.proof("GET", &app.htu("/api/v1/users"), None, Some(&token));
    let answer = app
        .get_resource("/api/v1/users", "DPoP", &token, Some(&proof))
        .await;
    challenged(&answer, "use_dpop_nonce");
    assert!(!answer.nonce().is_empty());
    let proof = key.proof(
        "GET",
        &app.htu("/api/v1/users"),
        Some("stale"),
        Some(&token),
    );
    let answer = app
        .get_resource("/api/v1/users", "DPoP", &token, Some(&proof))
        .await;
    challenged(&answer, "use_dpop_nonce");
}

#[tokio::test]
async fn a_proof_whose_ath_is_not_the_tokens_hash_is_refused() {
    let app = spawn_app().await;
    let (token, key) = bound_userinfo_token(&app).await;
    let nonce = resource_nonce(&app, "/userinfo", &token, &key).await;
    let proof = key.proof(
        "GET",
        &app.htu("/userinfo"),
        Some(&nonce),
        Some("another token"),
    );
    let answer = app
        .get_resource("/userinfo", "DPoP", &token, Some(&proof))
        .await;
    challenged(&answer, "invalid_dpop_proof");
    assert!(
        answer.body["error_description"]
            .as_str()
            .unwrap()
            .contains("ath")
    );
    let proof = key.sign(
        &key.header(),
        &claims("GET", &app.htu("/userinfo"), Some(&nonce), None),
    );
    let answer = app
        .get_resource("/userinfo", "DPoP", &token, Some(&proof))
        .await;
    challenged(&answer, "invalid_dpop_proof");
}

#[tokio::test]
async fn a_proof_by_another_key_than_the_tokens_is_refused() {
    let app = spawn_app().await;
    let (token, key) = bound_api_token(&app).await;
    let nonce = resource_nonce(&app, "/api/v1/users", &token, &key).await;
    let thief = DpopKey::es256();
    let proof = thief.proof("GET", &app.htu("/api/v1/users"), Some(&nonce), Some(&token));
    let answer = app
        .get_resource("/api/v1/users", "DPoP", &token, Some(&proof))
        .await;
    challenged(&answer, "invalid_dpop_proof");
    assert!(
        answer.body["error_description"]
            .as_str()
            .unwrap()
            .contains("not signed by the key")
    );
}

#[tokio::test]
async fn the_admin_api_answers_a_bound_token_with_a_proof_for_that_request() {
    let app = spawn_app().await;
    let (token, key) = bound_api_token(&app).await;
    let nonce = resource_nonce(&app, "/api/v1/users", &token, &key).await;
    let proof = key.proof("GET", &app.htu("/api/v1/users"), Some(&nonce), Some(&token));
    let answer = app
        .get_resource("/api/v1/users", "DPoP", &token, Some(&proof))
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    // A proof for another request (method) is no proof for this one.
    let proof = key.proof(
        "POST",
        &app.htu("/api/v1/users"),
        Some(&nonce),
        Some(&token),
    );
    let answer = app
        .get_resource("/api/v1/users", "DPoP", &token, Some(&proof))
        .await;
    challenged(&answer, "invalid_dpop_proof");
}
