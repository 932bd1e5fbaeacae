//! Passkeys: registration with user verification, sign-in with a username, the shape of options.

use super::{audit_events, sessions_of};
use crate::helpers::signin::{SoftPasskey, data_csrf, location};
use crate::helpers::spawn_app;

#[tokio::test]
async fn a_registered_passkey_signs_in_at_phr_with_amr_hwk_user_mfa() {
    let app = spawn_app().await;
    let mut authenticator = SoftPasskey::new(true);
    app.arrange_user_with_passkey("alice", &mut authenticator)
        .await;
    let user = app.arrange_user("alice").await;

    let redirect = app
        .sign_in_with_passkey_from(
            "/login?return_to=%2Fauthorize%2Fresume%3Frequest%3Dr1",
            "alice",
            &mut authenticator,
        )
        .await;

    assert_eq!(redirect, "/authorize/resume?request=r1");
    assert_eq!(
        sessions_of(&app, &user.id).await,
        vec![("phr".to_string(), "hwk user mfa".to_string())]
    );
    let events = audit_events(&app, "method.registered").await;
    assert_eq!(events.len(), 2, "the TOTP arranged and the passkey");
    assert!(events[1].2.contains("passkey"));
}

#[tokio::test]
async fn a_step_up_to_phr_is_satisfied_by_a_passkey() {
    let app = spawn_app().await;
    let mut authenticator = SoftPasskey::new(true);
    app.arrange_user_with_passkey("alice", &mut authenticator)
        .await;

    let redirect = app
        .sign_in_with_passkey_from(
            "/login?level=phr&return_to=%2Fx",
            "alice",
            &mut authenticator,
        )
        .await;

    assert_eq!(redirect, "/x");
}

#[tokio::test]
async fn a_passkey_without_user_verification_cannot_be_registered() {
    let app = spawn_app().await;
    let secret = app.arrange_user_with_totp("alice").await;
    app.sign_in_with_totp_from("/login", "alice", &secret).await;
    let csrf = app.csrf_from("/security-info").await;
    let mut options: serde_json::Value = app
        .post_script(
            "/security-info/passkey/begin",
            &csrf,
            &serde_json::json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    // A client that ignores the server's demand for user verification.
    options["publicKey"]["authenticatorSelection"]["userVerification"] = "discouraged".into();
    let mut unverified = SoftPasskey::new(false);
    use crate::helpers::signin::WebauthnAuthenticator;
    let credential = unverified
        .do_registration(app.origin(), serde_json::from_value(options).unwrap())
        .unwrap();

    let response = app
        .post_script(
            "/security-info/passkey/finish",
            &csrf,
            &serde_json::json!({ "credential": credential }),
        )
        .await;

    assert_eq!(response.status(), 422);
    assert_eq!(audit_events(&app, "method.registered").await.len(), 1);
}

#[tokio::test]
async fn registration_requires_user_verification_and_prefers_a_discoverable_credential() {
    let app = spawn_app().await;
    let secret = app.arrange_user_with_totp("alice").await;
    app.sign_in_with_totp_from("/login", "alice", &secret).await;
    let csrf = app.csrf_from("/security-info").await;

    let options: serde_json::Value = app
        .post_script(
            "/security-info/passkey/begin",
            &csrf,
            &serde_json::json!({}),
        )
        .await
        .json()
        .await
        .unwrap();

    let selection = &options["publicKey"]["authenticatorSelection"];
    assert_eq!(selection["userVerification"], "required");
    assert_eq!(selection["residentKey"], "preferred");
}

#[tokio::test]
async fn registering_a_passkey_needs_a_signed_in_session() {
    let app = spawn_app().await;
    let (_, csrf) = app.page_with_csrf("/login").await;

    let response = app
        .post_script(
            "/security-info/passkey/begin",
            &csrf,
            &serde_json::json!({}),
        )
        .await;

    assert_eq!(response.status(), 401);
}

async fn options_for(app: &crate::helpers::TestApp, username: &str) -> serde_json::Value {
    let methods = location(&app.enter_username("/login", username).await);
    let csrf = data_csrf(&app.get(&methods).await.text().await.unwrap()).unwrap();
    app.post_script(
        "/login/passkey/begin",
        &csrf,
        &serde_json::json!({ "mode": "username" }),
    )
    .await
    .json()
    .await
    .unwrap()
}

/// The options with the random parts blanked out, and the allowed credentials (one a passkey, so
/// their number varies) reduced to the shape of one.
fn shape(mut options: serde_json::Value) -> serde_json::Value {
    options["publicKey"]["challenge"] = "C".into();
    let allowed = options["publicKey"]["allowCredentials"]
        .as_array_mut()
        .unwrap();
    assert!((1..=3).contains(&allowed.len()), "{allowed:?}");
    allowed.truncate(1);
    allowed[0]["id"] = "ID".into();
    options
}

/// The decoded lengths of the credential ids the options allow.
fn allowed_id_lengths(options: &serde_json::Value) -> Vec<usize> {
    use base64::Engine;
    options["publicKey"]["allowCredentials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(c["id"].as_str().unwrap())
                .unwrap()
                .len()
        })
        .collect()
}

#[tokio::test]
async fn decoy_passkeys_are_stable_per_name_and_as_varied_as_real_ones() {
    let app = spawn_app().await;
    let mut counts = std::collections::BTreeSet::new();
    let mut lengths = std::collections::BTreeSet::new();

    for i in 0..40 {
        let name = format!("probe{i}");
        let first = options_for(&app, &name).await;
        let again = options_for(&app, &name).await;
        assert_eq!(
            first["publicKey"]["allowCredentials"], again["publicKey"]["allowCredentials"],
            "the decoys for {name} are stable"
        );
        let ids = allowed_id_lengths(&first);
        counts.insert(ids.len());
        lengths.extend(ids);
    }

    // Not one 16-byte id for everyone: as many as people register, as long as authenticators make.
    assert!(counts.len() > 1, "counts {counts:?}");
    assert!(lengths.len() > 1, "lengths {lengths:?}");
    assert!(
        lengths.iter().all(|l| [16, 20, 32, 48, 64].contains(l)),
        "{lengths:?}"
    );
}

#[tokio::test]
async fn passkey_options_do_not_reveal_whether_the_user_exists_or_has_a_passkey() {
    let app = spawn_app().await;
    let mut authenticator = SoftPasskey::new(true);
    app.arrange_user_with_passkey("haskey", &mut authenticator)
        .await;
    app.arrange_user_with_totp("nokey").await;

    let with_key = options_for(&app, "haskey").await;
    let without = options_for(&app, "nokey").await;
    let unknown = options_for(&app, "nobody").await;
    let unknown_again = options_for(&app, "nobody").await;

    assert_eq!(shape(with_key.clone()), shape(without.clone()));
    assert_eq!(shape(with_key), shape(unknown.clone()));
    assert_eq!(
        unknown["publicKey"]["allowCredentials"], unknown_again["publicKey"]["allowCredentials"],
        "a decoy is stable, as a real credential would be"
    );
}

#[tokio::test]
async fn a_passkey_of_another_user_does_not_sign_in_as_the_typed_username() {
    let app = spawn_app().await;
    let mut bobs = SoftPasskey::new(true);
    app.arrange_user_with_passkey("bob", &mut bobs).await;
    let mut alices = SoftPasskey::new(true);
    app.arrange_user_with_passkey("alice", &mut alices).await;

    // Bob's authenticator holds no credential Alice's options allow: it refuses, as a browser would.
    // Options for Bob, answered by Bob's key, then sent while "alice" is the typed name:
    let methods = location(&app.enter_username("/login", "bob").await);
    let csrf = data_csrf(&app.get(&methods).await.text().await.unwrap()).unwrap();
    let options = app
        .post_script(
            "/login/passkey/begin",
            &csrf,
            &serde_json::json!({ "mode": "username" }),
        )
        .await
        .json()
        .await
        .unwrap();
    use crate::helpers::signin::WebauthnAuthenticator;
    let credential = bobs.do_authentication(app.origin(), options).unwrap();
    app.enter_username("/login", "alice").await;
    let begin_for_alice = app
        .post_script(
            "/login/passkey/begin",
            &csrf,
            &serde_json::json!({ "mode": "username" }),
        )
        .await;
    assert_eq!(begin_for_alice.status(), 200);

    let response = app
        .post_script(
            "/login/passkey/finish",
            &csrf,
            &serde_json::json!({ "credential": credential }),
        )
        .await;

    assert_eq!(response.status(), 401);
    let failed = audit_events(&app, "signin.failed").await;
    assert_eq!(failed.len(), 1);
}

#[tokio::test]
async fn discoverable_sign_in_asks_for_conditional_mediation_with_no_allowed_credentials() {
    let app = spawn_app().await;
    let (_, csrf) = app.page_with_csrf("/login").await;

    let options: serde_json::Value = app
        .post_script(
            "/login/passkey/begin",
            &csrf,
            &serde_json::json!({ "mode": "discoverable" }),
        )
        .await
        .json()
        .await
        .unwrap();

    assert_eq!(options["mediation"], "conditional");
    assert_eq!(
        options["publicKey"]["allowCredentials"],
        serde_json::json!([])
    );
    assert_eq!(options["publicKey"]["userVerification"], "required");
}

#[tokio::test]
async fn a_passkey_assertion_cannot_be_replayed() {
    let app = spawn_app().await;
    let mut authenticator = SoftPasskey::new(true);
    app.arrange_user_with_passkey("alice", &mut authenticator)
        .await;
    let methods = location(&app.enter_username("/login", "alice").await);
    let csrf = data_csrf(&app.get(&methods).await.text().await.unwrap()).unwrap();
    let options = app
        .post_script(
            "/login/passkey/begin",
            &csrf,
            &serde_json::json!({ "mode": "username" }),
        )
        .await
        .json()
        .await
        .unwrap();
    use crate::helpers::signin::WebauthnAuthenticator;
    let credential = authenticator
        .do_authentication(app.origin(), options)
        .unwrap();
    let body = serde_json::json!({ "credential": credential });
    let first = app.post_script("/login/passkey/finish", &csrf, &body).await;
    assert_eq!(first.status(), 200);

    let new_csrf = app.csrf_from("/security-info").await;
    let replay = app
        .post_script("/login/passkey/finish", &new_csrf, &body)
        .await;

    assert_eq!(replay.status(), 401);
}
