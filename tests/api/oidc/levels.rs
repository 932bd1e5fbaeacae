//! Levels through the protocol: the first-day journey with a Temporary Access Pass, and a step-up to a
//! passkey when the client asks for `phr`.

use serde_json::Value;

use crate::helpers::oidc::{jwt_claims, pkce_pair, query_of};
use crate::helpers::signin::{SoftPasskey, location};
use crate::helpers::spawn_app;

const CB: &str = "https://rp.example.com/cb";

#[tokio::test]
async fn a_pass_alone_never_gets_a_code_and_after_enrolment_the_tokens_say_tap_and_otp() {
    let app = spawn_app().await;
    let rp = app.web_client("webapp").await;
    let passcode = app.arrange_pass("newbie", true).await;
    let (verifier, challenge) = pkce_pair();
    let first = app
        .authorize(&[
            ("response_type", "code"),
            ("client_id", "webapp"),
            ("redirect_uri", CB),
            ("scope", "openid offline_access"),
            ("state", "s"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ])
        .await;
    let setup = app
        .sign_in_with_tap_from(&location(&first), "newbie", &passcode)
        .await;
    assert!(setup.starts_with("/security-info/setup?"), "{setup}");
    let resume = query_of(&setup)["return_to"].clone();

    // A restricted session is sent back to setup, never given a code.
    let early = app.get(&resume).await;
    assert_eq!(early.status(), 303);
    assert!(location(&early).starts_with("/security-info/setup"));

    app.enrol_totp_in_session().await;
    let continue_to = app.continue_link().await;
    assert_eq!(continue_to, resume);
    let back = app.get(&continue_to).await;
    let to = location(&back);
    assert!(to.starts_with(CB), "{to}");
    let tokens: Value = app
        .redeem(&rp, &query_of(&to)["code"], Some(&verifier))
        .await
        .json()
        .await
        .unwrap();
    let claims = jwt_claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(claims["acr"], "1fa");
    assert_eq!(claims["amr"], serde_json::json!(["tap", "otp"]));

    // The refresh token never outlives the session the pass began, and ends with the pass.
    let (token_expiry, session_expiry): (i64, i64) = sqlx::query_as(
        "SELECT t.expires_at, s.expires_at FROM oidc_tokens t JOIN sessions s ON s.sid = t.sid \
         WHERE t.kind = 'refresh'",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert!(token_expiry <= session_expiry);
    app.cli(&["tap", "revoke", "newbie"]).await.ok();
    let refreshed = app
        .refresh(&rp, tokens["refresh_token"].as_str().unwrap(), None)
        .await;
    assert_eq!(refreshed.status(), 400);
}

#[tokio::test]
async fn acr_values_phr_is_satisfied_by_a_passkey_step_up() {
    let app = spawn_app().await;
    let rp = app.web_client("webapp").await;
    let mut authenticator = SoftPasskey::new(true);
    let totp = app
        .arrange_user_with_passkey("alice", &mut authenticator)
        .await;
    app.authorize_with_totp(&rp, "alice", &totp, &[]).await;
    let (verifier, challenge) = pkce_pair();

    let step_up = app
        .authorize(&[
            ("response_type", "code"),
            ("client_id", "webapp"),
            ("redirect_uri", CB),
            ("scope", "openid"),
            ("acr_values", "phr"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ])
        .await;
    let login = location(&step_up);
    assert_eq!(query_of(&login)["level"], "phr");
    let back = app
        .sign_in_with_passkey_from(&login, "alice", &mut authenticator)
        .await;
    let to = location(&app.get(&back).await);

    let tokens: Value = app
        .redeem(&rp, &query_of(&to)["code"], Some(&verifier))
        .await
        .json()
        .await
        .unwrap();
    let claims = jwt_claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(claims["acr"], "phr");
    let amr: Vec<&str> = claims["amr"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(amr.contains(&"mfa") && amr.contains(&"user"), "{amr:?}");
}
