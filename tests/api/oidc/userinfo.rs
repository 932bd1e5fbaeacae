//! `/userinfo`, `/introspect` and `/revoke` with a person's tokens.

use serde_json::Value;

use crate::helpers::oidc::RegisteredClient;
use crate::helpers::{TestApp, spawn_app};

async fn tokens_for_alice() -> (TestApp, RegisteredClient, Value) {
    let app = spawn_app().await;
    let rp = app.web_client("webapp").await;
    let totp = app.arrange_user_with_totp("alice").await;
    app.cli(&["group", "add", "staff"]).await.ok();
    app.cli(&["group", "add-member", "staff", "alice"])
        .await
        .ok();
    let authorized = app
        .authorize_with_totp(
            &rp,
            "alice",
            &totp,
            &[("scope", "openid profile groups offline_access")],
        )
        .await;
    let tokens: Value = app
        .redeem(&rp, &authorized.code, Some(&authorized.verifier))
        .await
        .json()
        .await
        .unwrap();
    (app, rp, tokens)
}

#[tokio::test]
async fn userinfo_accepts_the_token_in_a_post_body_and_releases_claims_by_scope() {
    let (app, _, tokens) = tokens_for_alice().await;
    let access = tokens["access_token"].as_str().unwrap();

    let response = app
        .client
        .post(app.url("/userinfo"))
        .form(&[("access_token", access)])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let claims: Value = response.json().await.unwrap();
    assert_eq!(claims["preferred_username"], "alice");
    assert_eq!(claims["groups"], serde_json::json!(["staff"]));
    assert!(claims.get("email").is_none(), "email was not asked for");
}

#[tokio::test]
async fn userinfo_refuses_a_token_sent_twice() {
    let (app, _, tokens) = tokens_for_alice().await;
    let access = tokens["access_token"].as_str().unwrap();

    let response = app
        .client
        .post(app.url("/userinfo"))
        .bearer_auth(access)
        .form(&[("access_token", access)])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn a_disabled_user_s_tokens_stop_working() {
    let (app, rp, tokens) = tokens_for_alice().await;

    app.cli(&["user", "disable", "alice"]).await.ok();

    let userinfo = app
        .client
        .get(app.url("/userinfo"))
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(userinfo.status(), 401);
    let refreshed = app
        .refresh(&rp, tokens["refresh_token"].as_str().unwrap(), None)
        .await;
    assert_eq!(refreshed.status(), 400);
}

#[tokio::test]
async fn introspection_reports_another_client_s_tokens_as_inactive() {
    let (app, _, tokens) = tokens_for_alice().await;
    let other = app.web_client("other").await;

    for token in ["access_token", "refresh_token"] {
        let info: Value = app
            .post_client_form(
                "/introspect",
                &[("token", tokens[token].as_str().unwrap())],
                Some((&other.id, other.secret.as_deref().unwrap())),
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(info, serde_json::json!({"active": false}), "{token}");
    }
}

#[tokio::test]
async fn introspection_describes_a_live_refresh_token_to_its_client() {
    let (app, rp, tokens) = tokens_for_alice().await;

    let info: Value = app
        .post_client_form(
            "/introspect",
            &[("token", tokens["refresh_token"].as_str().unwrap())],
            Some((&rp.id, rp.secret.as_deref().unwrap())),
        )
        .await
        .json()
        .await
        .unwrap();

    assert_eq!(info["active"], true);
    assert_eq!(info["token_type"], "refresh_token");
    assert_eq!(info["client_id"], "webapp");
}

#[tokio::test]
async fn a_client_cannot_revoke_another_client_s_token() {
    let (app, _, tokens) = tokens_for_alice().await;
    let other = app.web_client("other").await;
    let access = tokens["access_token"].as_str().unwrap();

    let response = app
        .post_client_form(
            "/revoke",
            &[("token", access)],
            Some((&other.id, other.secret.as_deref().unwrap())),
        )
        .await;

    assert_eq!(response.status(), 200, "RFC 7009 answers the same");
    let userinfo = app
        .client
        .get(app.url("/userinfo"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(userinfo.status(), 200, "the token still works");
}
