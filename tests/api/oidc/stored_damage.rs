//! What tapid stored itself and no longer reads is damage to report (a logged 500), never a quiet
//! downgrade: a code or refresh token whose scope does not parse grants nothing, and a session whose flow
//! data is not JSON is not treated as an empty one.

use serde_json::Value;

use super::code_refusals::signed_in_app;
use crate::helpers::{TestApp, spawn_app};

/// A scope RFC 6749 does not allow (a quote), as a damaged row would hold.
const DAMAGED_SCOPE: &str = "openid \"profile";

async fn damage(app: &TestApp, statement: &str, value: &str) {
    sqlx::query(statement)
        .bind(value)
        .execute(app.db.pool())
        .await
        .unwrap();
}

#[tokio::test]
async fn a_code_whose_stored_scope_does_not_parse_is_a_server_error_not_an_empty_grant() {
    let (app, rp, _, authorized) = signed_in_app().await;
    damage(
        &app,
        "UPDATE authorization_codes SET scope = $1",
        DAMAGED_SCOPE,
    )
    .await;

    let response = app
        .redeem(&rp, &authorized.code, Some(&authorized.verifier))
        .await;

    assert_eq!(response.status(), 500);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "server_error");
}

#[tokio::test]
async fn a_refresh_token_whose_stored_scope_does_not_parse_is_a_server_error() {
    let (app, rp, _, authorized) = signed_in_app().await;
    let tokens: Value = app
        .redeem(&rp, &authorized.code, Some(&authorized.verifier))
        .await
        .json()
        .await
        .unwrap();
    let refresh = tokens["refresh_token"].as_str().unwrap();
    damage(
        &app,
        "UPDATE oidc_tokens SET scope = $1 WHERE kind = 'refresh'",
        DAMAGED_SCOPE,
    )
    .await;

    let response = app.refresh(&rp, refresh, None).await;

    assert_eq!(response.status(), 500);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "server_error");
}

#[tokio::test]
async fn a_session_whose_flow_data_is_not_json_is_an_error_not_an_empty_session() {
    let app = spawn_app().await;
    let totp = app.arrange_user_with_totp("alice").await;
    app.sign_in_with_totp("alice", &totp, "/security-info")
        .await;
    assert_eq!(app.get("/security-info").await.status(), 200);
    damage(
        &app,
        "UPDATE sessions SET data = $1 WHERE user_id IS NOT NULL",
        "{not json",
    )
    .await;

    let response = app.get("/security-info").await;

    assert_eq!(response.status(), 500);
}
