//! A Logout Token reaches every application that received tokens in a session, whatever ends it.

use serde_json::Value;
use tapid::directory::Role;

use super::receiver::{Receiver, deliver, verify};
use crate::helpers::oidc::{RegisteredClient, jwt_claims};
use crate::helpers::signin::TotpSecret;
use crate::helpers::{TestApp, spawn_app};

/// alice signed in to `shop` (back-channel logout to `receiver`) with her authenticator app; returns
/// the token response.
async fn signed_in_to_shop(
    app: &TestApp,
    receiver: &Receiver,
) -> (RegisteredClient, TotpSecret, Value) {
    let rp = app
        .add_client(
            "shop",
            &[
                "--redirect-uri",
                "https://rp.example.com/cb",
                "--post-logout-redirect-uri",
                "https://rp.example.com/bye",
                "--backchannel-logout-uri",
                &receiver.uri,
            ],
        )
        .await;
    let totp = app.arrange_user_with_totp("alice").await;
    let authorized = app.authorize_with_totp(&rp, "alice", &totp, &[]).await;
    let tokens: Value = app
        .redeem(&rp, &authorized.code, Some(&authorized.verifier))
        .await
        .json()
        .await
        .unwrap();
    (rp, totp, tokens)
}

/// Exactly one Logout Token arrived, for `shop`, naming the session and the person of `tokens`.
async fn one_logout_token_for(app: &TestApp, receiver: &Receiver, tokens: &Value) {
    assert_eq!(deliver(app).await, 1, "one Logout Token delivered");
    let received = receiver.tokens().await;
    assert_eq!(received.len(), 1, "exactly one Logout Token");
    let claims = verify(app, &received[0], "shop").await;
    let id_token = jwt_claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(claims["sid"], id_token["sid"], "the session that ended");
    assert_eq!(claims["sub"], id_token["sub"], "the person");
    // Sent once: a second round has nothing left.
    assert_eq!(deliver(app).await, 0);
    assert_eq!(receiver.tokens().await.len(), 1);
}

#[tokio::test]
async fn rp_initiated_logout_sends_a_verifiable_logout_token_to_the_application() {
    let app = spawn_app().await;
    let receiver = Receiver::start().await;
    let (_, _, tokens) = signed_in_to_shop(&app, &receiver).await;
    let hint = tokens["id_token"].as_str().unwrap();

    let out = app
        .get(&format!(
            "/logout?id_token_hint={hint}&post_logout_redirect_uri=https%3A%2F%2Frp.example.com%2Fbye"
        ))
        .await;

    assert_eq!(out.status(), 303);
    one_logout_token_for(&app, &receiver, &tokens).await;
}

#[tokio::test]
async fn signing_out_at_security_info_tells_the_application() {
    let app = spawn_app().await;
    let receiver = Receiver::start().await;
    let (_, _, tokens) = signed_in_to_shop(&app, &receiver).await;
    let (_, csrf) = app.page_with_csrf("/security-info").await;

    let out = app
        .post_form("/security-info/signout", &[("csrf", &csrf)])
        .await;

    assert_eq!(out.status(), 303);
    one_logout_token_for(&app, &receiver, &tokens).await;
}

#[tokio::test]
async fn an_administrator_signing_the_person_out_through_the_api_tells_the_application() {
    let app = spawn_app().await;
    let receiver = Receiver::start().await;
    let (_, _, tokens) = signed_in_to_shop(&app, &receiver).await;
    let admin = app.api_token("ops", Role::Admin).await;
    let alice = app.user("alice").await;

    let out = app
        .api(
            reqwest::Method::DELETE,
            &format!("/api/v1/users/{}/sessions", alice.id),
            &admin,
        )
        .send()
        .await
        .unwrap();

    assert_eq!(out.status(), 200);
    let body: Value = out.json().await.unwrap();
    assert_eq!(body["sessions_ended"], 1);
    assert!(body["tokens_revoked"].as_u64().unwrap() >= 1);
    one_logout_token_for(&app, &receiver, &tokens).await;
    assert_eq!(app.events("user.signed_out").await.len(), 1);
}

#[tokio::test]
async fn disabling_the_account_tells_the_application() {
    let app = spawn_app().await;
    let receiver = Receiver::start().await;
    let (_, _, tokens) = signed_in_to_shop(&app, &receiver).await;

    app.cli(&["user", "disable", "alice"]).await.ok();

    one_logout_token_for(&app, &receiver, &tokens).await;
}

#[tokio::test]
async fn removing_every_method_tells_the_application() {
    let app = spawn_app().await;
    let receiver = Receiver::start().await;
    let (_, _, tokens) = signed_in_to_shop(&app, &receiver).await;

    app.cli(&["method", "remove", "alice", "--all"]).await.ok();

    one_logout_token_for(&app, &receiver, &tokens).await;
}

/// A session that began with alice's pass, in which `shop` received an access token; returns the sid.
async fn pass_session_with_tokens(app: &TestApp, receiver: &Receiver) -> (String, String) {
    app.add_client(
        "shop",
        &[
            "--redirect-uri",
            "https://rp.example.com/cb",
            "--backchannel-logout-uri",
            &receiver.uri,
        ],
    )
    .await;
    let alice = app.add_user("alice", &[], &[]).await;
    let issued = app.issue_pass("alice", Default::default()).await;
    let sid = app.session_from_pass(&alice, &issued.pass.id).await;
    let now = tapid::db::ts(tapid::db::now());
    let row = tapid::db::tokens::TokenRow {
        id: uuid::Uuid::new_v4().to_string(),
        kind: tapid::db::tokens::ACCESS.into(),
        token_hash: None,
        family_id: uuid::Uuid::new_v4().to_string(),
        client_id: "shop".into(),
        user_id: Some(alice.id.clone()),
        scope: "openid".into(),
        sid: Some(sid.clone()),
        acr: Some("1fa".into()),
        amr: "tap otp".into(),
        auth_time: Some(now),
        tap_id: Some(issued.pass.id.clone()),
        created_at: now,
        expires_at: now + 600,
        cap_at: None,
        rotated_at: None,
        revoked_at: None,
        dpop_jkt: None,
    };
    let mut tx = app.db.begin().await.unwrap();
    tapid::db::tokens::insert(&mut tx, &row).await.unwrap();
    tx.commit().await.unwrap();
    (sid, alice.id)
}

async fn one_logout_token_naming(app: &TestApp, receiver: &Receiver, sid: &str, sub: &str) {
    assert_eq!(deliver(app).await, 1);
    let received = receiver.tokens().await;
    assert_eq!(received.len(), 1);
    let claims = verify(app, &received[0], "shop").await;
    assert_eq!(claims["sid"], sid);
    assert_eq!(claims["sub"], sub);
}

#[tokio::test]
async fn revoking_the_pass_a_session_began_with_tells_its_applications() {
    let app = spawn_app().await;
    let receiver = Receiver::start().await;
    let (sid, sub) = pass_session_with_tokens(&app, &receiver).await;

    app.cli(&["tap", "revoke", "alice"]).await.ok();

    assert!(!app.session_exists(&sid).await);
    one_logout_token_naming(&app, &receiver, &sid, &sub).await;
}

#[tokio::test]
async fn a_pass_that_expires_tells_the_applications_of_the_sessions_it_began() {
    let app = spawn_app().await;
    let receiver = Receiver::start().await;
    let (sid, sub) = pass_session_with_tokens(&app, &receiver).await;
    let now = tapid::db::ts(tapid::db::now());
    app.shift_pass("alice", now - 7200, now - 60).await;

    tapid::tap::expiry::sweep(&app.db, 30, tapid::db::now())
        .await
        .unwrap();

    assert!(!app.session_exists(&sid).await);
    one_logout_token_naming(&app, &receiver, &sid, &sub).await;
}

#[tokio::test]
async fn an_application_without_a_backchannel_logout_uri_is_sent_nothing() {
    let app = spawn_app().await;
    let receiver = Receiver::start().await;
    let rp = app.web_client("plain").await;
    let totp = app.arrange_user_with_totp("alice").await;
    let authorized = app.authorize_with_totp(&rp, "alice", &totp, &[]).await;
    app.redeem(&rp, &authorized.code, Some(&authorized.verifier))
        .await;

    app.cli(&["user", "disable", "alice"]).await.ok();

    assert_eq!(deliver(&app).await, 0);
    assert!(receiver.tokens().await.is_empty());
}

#[tokio::test]
async fn a_session_that_times_out_is_ended_by_maintenance_and_tells_the_application() {
    let app = spawn_app().await;
    let receiver = Receiver::start().await;
    let (_, _, tokens) = signed_in_to_shop(&app, &receiver).await;
    let sid = jwt_claims(tokens["id_token"].as_str().unwrap())["sid"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(app.session_exists(&sid).await);
    sqlx::query("UPDATE sessions SET expires_at = $1 WHERE sid = $2")
        .bind(tapid::db::ts(tapid::db::now()) - 1)
        .bind(&sid)
        .execute(app.db.pool())
        .await
        .unwrap();

    tapid::oidc::maintenance::purge(&app.db).await.unwrap();

    assert!(
        !app.session_exists(&sid).await,
        "the expired session is gone"
    );
    one_logout_token_for(&app, &receiver, &tokens).await;
}
