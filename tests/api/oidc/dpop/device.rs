//! DPoP with the device authorization grant: a proof sent with the device code at `/token` binds what it
//! buys as a proof binds a code's tokens, and a client that requires DPoP gets nothing without one.
//! `/device_authorization` itself takes no proof (RFC 9449 defines none there).

use serde_json::Value;

use super::{Answer, DpopKey};
use crate::helpers::oidc::{RegisteredClient, jwt_claims};
use crate::helpers::{TestApp, spawn_app};
use crate::oidc::device::GRANT;

/// A poll of `/token` by `client` with `device_code` and `proof` (Basic for a confidential client).
async fn poll(
    app: &TestApp,
    client: &RegisteredClient,
    device_code: &str,
    proof: Option<&str>,
) -> Answer {
    app.forget_last_poll().await;
    let mut form = vec![("grant_type", GRANT), ("device_code", device_code)];
    let basic = match &client.secret {
        Some(secret) => Some((client.id.as_str(), secret.as_str())),
        None => {
            form.push(("client_id", &client.id));
            None
        }
    };
    app.post_with_proof("/token", &form, basic, proof).await
}

async fn proof(app: &TestApp, key: &DpopKey) -> String {
    let nonce = app.dpop_nonce().await;
    key.proof("POST", &app.htu("/token"), Some(&nonce), None)
}

/// A device code for `client` that `ann` approved in a browser.
async fn approved_code(app: &TestApp, client: &RegisteredClient) -> String {
    let scope = "openid profile offline_access";
    let (device_code, user_code) = match &client.secret {
        Some(_) => {
            let code = app.device_authorization(client, scope).await;
            (code.device_code, code.user_code)
        }
        None => {
            let response = app
                .post_client_form(
                    "/device_authorization",
                    &[("scope", scope), ("client_id", &client.id)],
                    None,
                )
                .await;
            let body: Value = response.json().await.unwrap();
            let text = |name: &str| body[name].as_str().unwrap().to_string();
            (text("device_code"), text("user_code"))
        }
    };
    let (browser, _) = app.browser_signed_in("ann").await;
    browser.decide_device(&user_code, true).await;
    device_code
}

/// A refresh by the public client `cli` with `proof`.
async fn refresh(app: &TestApp, refresh_token: &str, proof: Option<&str>) -> Answer {
    app.post_with_proof(
        "/token",
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", "cli"),
        ],
        None,
        proof,
    )
    .await
}

#[tokio::test]
async fn a_proof_sent_with_the_device_code_binds_the_access_token_to_its_key() {
    let app = spawn_app().await;
    let tv = app.device_client("tv").await;
    let device_code = approved_code(&app, &tv).await;
    let key = DpopKey::es256();
    let answer = poll(&app, &tv, &device_code, Some(&proof(&app, &key).await)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["token_type"], "DPoP");
    let access = answer.body["access_token"].as_str().unwrap();
    assert_eq!(jwt_claims(access)["cnf"]["jkt"], key.thumbprint());
    assert!(!answer.nonce().is_empty(), "a DPoP-Nonce comes with it");

    // As with a code: the token is good at /userinfo only with a proof by that key.
    let nonce = app.dpop_nonce().await;
    let userinfo = key.proof("GET", &app.htu("/userinfo"), Some(&nonce), Some(access));
    let answer = app
        .get_resource("/userinfo", "DPoP", access, Some(&userinfo))
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let answer = app.get_resource("/userinfo", "Bearer", access, None).await;
    assert_eq!(answer.status, 401, "{}", answer.body);
}

#[tokio::test]
async fn a_public_device_clients_refresh_token_is_bound_to_the_proofs_key() {
    let app = spawn_app().await;
    let cli = app
        .add_client(
            "cli",
            &[
                "--public",
                "--grant",
                "device_code",
                "--grant",
                "refresh_token",
            ],
        )
        .await;
    let device_code = approved_code(&app, &cli).await;
    let key = DpopKey::es256();
    let answer = poll(&app, &cli, &device_code, Some(&proof(&app, &key).await)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let refresh_token = answer.body["refresh_token"].as_str().unwrap();

    refresh(&app, refresh_token, None)
        .await
        .refused(400, "invalid_grant", "bound to a DPoP key");
    let other = DpopKey::es256();
    refresh(&app, refresh_token, Some(&proof(&app, &other).await))
        .await
        .refused(400, "invalid_grant", "another DPoP key");
    let rotated = refresh(&app, refresh_token, Some(&proof(&app, &key).await)).await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    assert_eq!(rotated.body["token_type"], "DPoP");
}

#[tokio::test]
async fn a_device_client_that_requires_dpop_gets_no_token_without_a_proof() {
    let app = spawn_app().await;
    let tv = app
        .add_client("tv", &["--grant", "device_code", "--require-dpop"])
        .await;
    // The device authorization request needs no proof.
    let code = app.device_authorization(&tv, "openid").await;
    let key = DpopKey::es256();
    poll(&app, &tv, &code.device_code, None).await.refused(
        400,
        "invalid_dpop_proof",
        "must send a DPoP proof",
    );
    let pending = poll(&app, &tv, &code.device_code, Some(&proof(&app, &key).await)).await;
    assert_eq!(
        pending.body["error"], "authorization_pending",
        "{}",
        pending.body
    );

    let (browser, _) = app.browser_signed_in("ann").await;
    browser.decide_device(&code.user_code, true).await;
    poll(&app, &tv, &code.device_code, None).await.refused(
        400,
        "invalid_dpop_proof",
        "must send a DPoP proof",
    );
    // The refusal spent nothing: with a proof the same device code buys bound tokens.
    let answer = poll(&app, &tv, &code.device_code, Some(&proof(&app, &key).await)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["token_type"], "DPoP");
    let access = answer.body["access_token"].as_str().unwrap();
    assert_eq!(jwt_claims(access)["cnf"]["jkt"], key.thumbprint());
}
