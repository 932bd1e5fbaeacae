//! Refusals around the authorization code and the sessions behind it, each after a real sign-in.

use serde_json::Value;

use crate::helpers::oidc::{Authorized, RegisteredClient, jwt_claims, query_of};
use crate::helpers::signin::{TotpSecret, location};
use crate::helpers::{TestApp, spawn_app};

/// An app with a web client and `alice`, who signed in for a code (shared with `stored_damage`).
pub(super) async fn signed_in_app() -> (TestApp, RegisteredClient, TotpSecret, Authorized) {
    let app = spawn_app().await;
    let rp = app.web_client("webapp").await;
    let totp = app.arrange_user_with_totp("alice").await;
    let authorized = app.authorize_with_totp(&rp, "alice", &totp, &[]).await;
    (app, rp, totp, authorized)
}

async fn error_of(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    (
        status,
        body["error"].as_str().unwrap_or_default().to_string(),
    )
}

#[tokio::test]
async fn a_missing_code_verifier_is_invalid_grant() {
    let (app, rp, _, authorized) = signed_in_app().await;

    let response = app.redeem(&rp, &authorized.code, None).await;

    assert_eq!(error_of(response).await, (400, "invalid_grant".into()));
}

#[tokio::test]
async fn a_wrong_code_verifier_is_invalid_grant() {
    let (app, rp, _, authorized) = signed_in_app().await;
    let wrong = crate::helpers::oidc::pkce_pair().0;

    let response = app.redeem(&rp, &authorized.code, Some(&wrong)).await;

    assert_eq!(error_of(response).await, (400, "invalid_grant".into()));
}

#[tokio::test]
async fn a_replayed_code_is_refused_and_revokes_the_tokens_it_bought() {
    let (app, rp, _, authorized) = signed_in_app().await;
    let first: Value = app
        .redeem(&rp, &authorized.code, Some(&authorized.verifier))
        .await
        .json()
        .await
        .unwrap();
    let access = first["access_token"].as_str().unwrap().to_string();
    let refresh = first["refresh_token"].as_str().unwrap().to_string();

    let replay = app
        .redeem(&rp, &authorized.code, Some(&authorized.verifier))
        .await;

    assert_eq!(error_of(replay).await, (400, "invalid_grant".into()));
    let userinfo = app
        .client
        .get(app.url("/userinfo"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(userinfo.status(), 401, "the access token was revoked");
    let refreshed = app.refresh(&rp, &refresh, None).await;
    assert_eq!(error_of(refreshed).await, (400, "invalid_grant".into()));
}

#[tokio::test]
async fn a_code_cannot_be_redeemed_by_another_client() {
    let (app, _, _, authorized) = signed_in_app().await;
    let other = app.web_client("other").await;

    let response = app
        .redeem(&other, &authorized.code, Some(&authorized.verifier))
        .await;

    assert_eq!(error_of(response).await, (400, "invalid_grant".into()));
}

#[tokio::test]
async fn an_expired_code_is_invalid_grant() {
    let (app, rp, _, authorized) = signed_in_app().await;
    // Codes live 60 s; rather than wait, age this one.
    sqlx::query("UPDATE authorization_codes SET expires_at = expires_at - 61")
        .execute(app.db.pool())
        .await
        .unwrap();

    let response = app
        .redeem(&rp, &authorized.code, Some(&authorized.verifier))
        .await;

    assert_eq!(error_of(response).await, (400, "invalid_grant".into()));
}

#[tokio::test]
async fn a_code_needs_the_same_redirect_uri_at_the_token_endpoint() {
    let (app, rp, _, authorized) = signed_in_app().await;

    let response = app
        .post_client_form(
            "/token",
            &[
                ("grant_type", "authorization_code"),
                ("code", &authorized.code),
                ("redirect_uri", "https://rp.example.com/other"),
                ("code_verifier", &authorized.verifier),
            ],
            Some((&rp.id, rp.secret.as_deref().unwrap())),
        )
        .await;

    assert_eq!(error_of(response).await, (400, "invalid_grant".into()));
}

#[tokio::test]
async fn scope_may_be_narrowed_on_refresh_but_never_widened() {
    let (app, rp, _, authorized) = signed_in_app().await;
    let tokens: Value = app
        .redeem(&rp, &authorized.code, Some(&authorized.verifier))
        .await
        .json()
        .await
        .unwrap();
    let refresh = tokens["refresh_token"].as_str().unwrap();

    let widened = app
        .refresh(
            &rp,
            refresh,
            Some("openid profile email groups offline_access"),
        )
        .await;
    let narrowed: Value = app
        .refresh(&rp, refresh, Some("openid email"))
        .await
        .json()
        .await
        .unwrap();

    assert_eq!(error_of(widened).await, (400, "invalid_scope".into()));
    assert_eq!(narrowed["scope"], "openid email");
    assert_eq!(
        jwt_claims(narrowed["access_token"].as_str().unwrap())["scope"],
        "openid email"
    );
}

#[tokio::test]
async fn without_offline_access_there_is_no_refresh_token() {
    let app = spawn_app().await;
    let rp = app.web_client("webapp").await;
    let totp = app.arrange_user_with_totp("alice").await;
    let authorized = app
        .authorize_with_totp(&rp, "alice", &totp, &[("scope", "openid profile")])
        .await;

    let tokens: Value = app
        .redeem(&rp, &authorized.code, Some(&authorized.verifier))
        .await
        .json()
        .await
        .unwrap();

    assert!(tokens["id_token"].is_string());
    assert!(tokens.get("refresh_token").is_none());
}

#[tokio::test]
async fn a_public_client_redeems_with_pkce_and_no_secret() {
    let app = spawn_app().await;
    let spa = app
        .add_client(
            "spa",
            &["--public", "--redirect-uri", "http://localhost:5173/cb"],
        )
        .await;
    let totp = app.arrange_user_with_totp("alice").await;
    let authorized = app.authorize_with_totp(&spa, "alice", &totp, &[]).await;

    let response = app
        .redeem(&spa, &authorized.code, Some(&authorized.verifier))
        .await;

    assert_eq!(response.status(), 200);
    let tokens: Value = response.json().await.unwrap();
    assert!(tokens["id_token"].is_string());
}

#[tokio::test]
async fn max_age_forces_a_fresh_sign_in() {
    let (app, rp, totp, first) = signed_in_app().await;
    let first_auth_time = {
        let tokens: Value = app
            .redeem(&rp, &first.code, Some(&first.verifier))
            .await
            .json()
            .await
            .unwrap();
        jwt_claims(tokens["id_token"].as_str().unwrap())["auth_time"]
            .as_i64()
            .unwrap()
    };
    // max_age counts whole seconds: let one pass.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (_, challenge) = crate::helpers::oidc::pkce_pair();

    let response = app
        .authorize(&[
            ("response_type", "code"),
            ("client_id", "webapp"),
            ("redirect_uri", "https://rp.example.com/cb"),
            ("scope", "openid"),
            ("max_age", "0"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ])
        .await;

    assert_eq!(response.status(), 303);
    let to = location(&response);
    assert!(
        to.starts_with("/login?"),
        "a session older than max_age signs in again: {to}"
    );
    assert_eq!(query_of(&to).get("fresh").map(String::as_str), Some("1"));
    // Signing in again satisfies it, with a new auth_time.
    let again = app
        .authorize_with_totp(&rp, "alice", &totp, &[("max_age", "0")])
        .await;
    let tokens: Value = app
        .redeem(&rp, &again.code, Some(&again.verifier))
        .await
        .json()
        .await
        .unwrap();
    let auth_time = jwt_claims(tokens["id_token"].as_str().unwrap())["auth_time"]
        .as_i64()
        .unwrap();
    assert!(auth_time > first_auth_time);
}

#[tokio::test]
async fn prompt_login_forces_a_fresh_sign_in_even_with_a_session() {
    let (app, _, _, _) = signed_in_app().await;
    let (_, challenge) = crate::helpers::oidc::pkce_pair();

    let response = app
        .authorize(&[
            ("response_type", "code"),
            ("client_id", "webapp"),
            ("redirect_uri", "https://rp.example.com/cb"),
            ("scope", "openid"),
            ("prompt", "login"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ])
        .await;

    let to = location(&response);
    assert!(to.starts_with("/login?"), "{to}");
    assert_eq!(query_of(&to).get("fresh").map(String::as_str), Some("1"));
}

#[tokio::test]
async fn prompt_none_with_a_session_answers_without_interaction() {
    let (app, rp, totp, _) = signed_in_app().await;

    let silent = app
        .authorize_with_totp(&rp, "alice", &totp, &[("prompt", "none")])
        .await;

    assert!(silent.location.contains("code="));
}

#[tokio::test]
async fn acr_values_phr_steps_up_a_one_factor_session_and_never_accepts_it_silently() {
    let (app, _, _, _) = signed_in_app().await;
    let (_, challenge) = crate::helpers::oidc::pkce_pair();
    let base = |prompt: Option<&'static str>| {
        let mut p = vec![
            ("response_type", "code"),
            ("client_id", "webapp"),
            ("redirect_uri", "https://rp.example.com/cb"),
            ("scope", "openid"),
            ("state", "s"),
            ("acr_values", "phr"),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ];
        if let Some(prompt) = prompt {
            p.push(("prompt", prompt));
        }
        p
    };

    let interactive = app.authorize(&base(None)).await;
    let silent = app.authorize(&base(Some("none"))).await;

    let to = location(&interactive);
    assert!(to.starts_with("/login?"), "{to}");
    assert_eq!(query_of(&to)["level"], "phr");
    assert_eq!(query_of(&location(&silent))["error"], "login_required");
}

#[tokio::test]
async fn sessions_are_single_sign_on_across_clients() {
    let (app, _, totp, _) = signed_in_app().await;
    let other = app.web_client("other").await;

    let second = app.authorize_with_totp(&other, "alice", &totp, &[]).await;

    let tokens: Value = app
        .redeem(&other, &second.code, Some(&second.verifier))
        .await
        .json()
        .await
        .unwrap();
    let claims = jwt_claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(claims["aud"], "other");
    assert_eq!(claims["acr"], "1fa");
}

#[tokio::test]
async fn purging_forgets_expired_tokens_but_keeps_live_ones() {
    let (app, rp, _, authorized) = signed_in_app().await;
    app.redeem(&rp, &authorized.code, Some(&authorized.verifier))
        .await;
    sqlx::query("UPDATE oidc_tokens SET expires_at = 0 WHERE kind = 'access'")
        .execute(app.db.pool())
        .await
        .unwrap();

    tapid::oidc::maintenance::purge(&app.db).await.unwrap();

    let left: Vec<(String,)> = sqlx::query_as("SELECT kind FROM oidc_tokens")
        .fetch_all(app.db.pool())
        .await
        .unwrap();
    assert_eq!(left, vec![("refresh".to_string(),)]);
}

#[tokio::test]
async fn a_code_is_refused_once_its_sign_in_session_has_ended() {
    let (app, rp, _, authorized) = signed_in_app().await;
    app.sign_out().await;

    let response = app
        .redeem(&rp, &authorized.code, Some(&authorized.verifier))
        .await;

    assert_eq!(error_of(response).await, (400, "invalid_grant".into()));
}

#[tokio::test]
async fn an_id_token_hint_for_someone_else_requires_a_fresh_sign_in() {
    let (app, rp, _, first) = signed_in_app().await;
    let tokens: Value = app
        .redeem(&rp, &first.code, Some(&first.verifier))
        .await
        .json()
        .await
        .unwrap();
    let id_token = tokens["id_token"].as_str().unwrap().to_string();
    let bob = app.arrange_user_with_totp("bob").await;
    app.sign_out().await;
    app.authorize_with_totp(&rp, "bob", &bob, &[]).await;
    let (_, challenge) = crate::helpers::oidc::pkce_pair();
    let params = |prompt: &'static str| {
        vec![
            ("response_type", "code"),
            ("client_id", "webapp"),
            ("redirect_uri", "https://rp.example.com/cb"),
            ("scope", "openid"),
            ("id_token_hint", id_token.as_str()),
            ("prompt", prompt),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ]
    };

    let silent = app.authorize(&params("none")).await;
    let interactive = app.authorize(&params("select_account")).await;

    assert_eq!(query_of(&location(&silent))["error"], "login_required");
    let to = location(&interactive);
    assert!(to.starts_with("/login?"), "{to}");
}
