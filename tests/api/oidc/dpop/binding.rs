//! What a proof binds beyond the access token: a public client's refresh tokens, and a code whose
//! authorization request named the key (`dpop_jkt`, or a proof sent to `/par`).

use serde_json::Value;

use super::{Answer, DpopKey};
use crate::helpers::oidc::{RegisteredClient, jwt_claims};
use crate::helpers::signin::TotpSecret;
use crate::helpers::{TestApp, spawn_app};

const REDIRECT: &str = "https://rp.example.com/cb";

/// A proof by `key` for `/token` with the server's nonce.
async fn token_proof(app: &TestApp, key: &DpopKey) -> String {
    let nonce = app.dpop_nonce().await;
    key.proof("POST", &app.htu("/token"), Some(&nonce), None)
}

/// Client authentication in the form (public) or Basic (confidential).
async fn token(
    app: &TestApp,
    client: &RegisteredClient,
    mut form: Vec<(&str, &str)>,
    proof: Option<&str>,
) -> Answer {
    match &client.secret {
        Some(secret) => {
            app.post_with_proof("/token", &form, Some((&client.id, secret)), proof)
                .await
        }
        None => {
            form.push(("client_id", &client.id));
            app.post_with_proof("/token", &form, None, proof).await
        }
    }
}

async fn redeem(
    app: &TestApp,
    client: &RegisteredClient,
    code: &str,
    verifier: &str,
    proof: Option<&str>,
) -> Answer {
    let form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT),
        ("code_verifier", verifier),
    ];
    token(app, client, form, proof).await
}

async fn refresh(
    app: &TestApp,
    client: &RegisteredClient,
    refresh_token: &str,
    proof: Option<&str>,
) -> Answer {
    let form = vec![
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
    ];
    token(app, client, form, proof).await
}

async fn signed_in(app: &TestApp) -> TotpSecret {
    app.arrange_user_with_totp("ann").await
}

/// Tokens for `client` from a code redeemed with a proof by `key`.
async fn tokens_with_key(
    app: &TestApp,
    client: &RegisteredClient,
    secret: &TotpSecret,
    key: &DpopKey,
) -> Value {
    let authorized = app.authorize_with_totp(client, "ann", secret, &[]).await;
    let proof = token_proof(app, key).await;
    let answer = redeem(
        app,
        client,
        &authorized.code,
        &authorized.verifier,
        Some(&proof),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["token_type"], "DPoP");
    answer.body
}

#[tokio::test]
async fn a_public_clients_refresh_token_is_bound_to_its_key() {
    let app = spawn_app().await;
    let spa = app
        .add_client("spa", &["--public", "--redirect-uri", REDIRECT])
        .await;
    let secret = signed_in(&app).await;
    let key = DpopKey::es256();
    let body = tokens_with_key(&app, &spa, &secret, &key).await;
    let refresh_token = body["refresh_token"].as_str().unwrap();

    refresh(&app, &spa, refresh_token, None).await.refused(
        400,
        "invalid_grant",
        "bound to a DPoP key",
    );
    let other = DpopKey::es256();
    let proof = token_proof(&app, &other).await;
    refresh(&app, &spa, refresh_token, Some(&proof))
        .await
        .refused(400, "invalid_grant", "another DPoP key");

    let proof = token_proof(&app, &key).await;
    let rotated = refresh(&app, &spa, refresh_token, Some(&proof)).await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    let access = rotated.body["access_token"].as_str().unwrap();
    assert_eq!(jwt_claims(access)["cnf"]["jkt"], key.thumbprint());
    // The rotated refresh token is bound to the same key.
    let next = rotated.body["refresh_token"].as_str().unwrap();
    let proof = token_proof(&app, &other).await;
    refresh(&app, &spa, next, Some(&proof))
        .await
        .refused(400, "invalid_grant", "another DPoP key");
}

#[tokio::test]
async fn a_confidential_clients_refresh_token_stays_bound_to_its_authentication_only() {
    let app = spawn_app().await;
    let web = app.web_client("web").await;
    let secret = signed_in(&app).await;
    let key = DpopKey::es256();
    let body = tokens_with_key(&app, &web, &secret, &key).await;
    let refresh_token = body["refresh_token"].as_str().unwrap();

    // Without a proof: a bearer access token; with a new key: bound to that key.
    let plain = refresh(&app, &web, refresh_token, None).await;
    assert_eq!(plain.status, 200, "{}", plain.body);
    assert_eq!(plain.body["token_type"], "Bearer");
    let next = plain.body["refresh_token"].as_str().unwrap();
    let other = DpopKey::eddsa();
    let proof = token_proof(&app, &other).await;
    let rebound = refresh(&app, &web, next, Some(&proof)).await;
    assert_eq!(rebound.status, 200, "{}", rebound.body);
    let access = rebound.body["access_token"].as_str().unwrap();
    assert_eq!(jwt_claims(access)["cnf"]["jkt"], other.thumbprint());
}

#[tokio::test]
async fn a_code_bound_by_dpop_jkt_is_redeemed_only_with_a_proof_by_that_key() {
    let app = spawn_app().await;
    let web = app.web_client("web").await;
    let secret = signed_in(&app).await;
    let key = DpopKey::es256();
    let jkt = key.thumbprint();

    let authorized = app
        .authorize_with_totp(&web, "ann", &secret, &[("dpop_jkt", &jkt)])
        .await;
    redeem(&app, &web, &authorized.code, &authorized.verifier, None)
        .await
        .refused(400, "invalid_grant", "bound to a DPoP key");
    let other = DpopKey::es256();
    let proof = token_proof(&app, &other).await;
    redeem(
        &app,
        &web,
        &authorized.code,
        &authorized.verifier,
        Some(&proof),
    )
    .await
    .refused(400, "invalid_grant", "another DPoP key");
    let proof = token_proof(&app, &key).await;
    let answer = redeem(
        &app,
        &web,
        &authorized.code,
        &authorized.verifier,
        Some(&proof),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let access = answer.body["access_token"].as_str().unwrap();
    assert_eq!(jwt_claims(access)["cnf"]["jkt"], jkt);
}

#[tokio::test]
async fn a_malformed_dpop_jkt_is_refused_at_authorize() {
    let app = spawn_app().await;
    let web = app.web_client("web").await;
    let response = app
        .authorize(&[
            ("response_type", "code"),
            ("client_id", "web"),
            ("redirect_uri", REDIRECT),
            ("scope", "openid"),
            ("dpop_jkt", "not-a-thumbprint"),
        ])
        .await;
    let location = crate::helpers::signin::location(&response);
    assert!(location.starts_with(REDIRECT), "{location}");
    assert!(location.contains("error=invalid_request"), "{location}");
    drop(web);
}

#[tokio::test]
async fn a_proof_sent_to_par_binds_the_code_to_its_key() {
    let app = spawn_app().await;
    let web = app.web_client("web").await;
    let secret = signed_in(&app).await;
    let key = DpopKey::es256();
    let (verifier, challenge) = crate::helpers::oidc::pkce_pair();
    let nonce = app.dpop_nonce().await;
    let proof = key.proof("POST", &app.htu("/par"), Some(&nonce), None);
    let form = [
        ("response_type", "code"),
        ("redirect_uri", REDIRECT),
        ("scope", "openid"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    let pushed = app
        .post_with_proof(
            "/par",
            &form,
            Some(("web", web.secret.as_deref().unwrap())),
            Some(&proof),
        )
        .await;
    assert_eq!(pushed.status, 201, "{}", pushed.body);
    let request_uri = pushed.body["request_uri"].as_str().unwrap();

    let first = app
        .authorize(&[("client_id", "web"), ("request_uri", request_uri)])
        .await;
    let login = crate::helpers::signin::location(&first);
    let back = app.sign_in_with_totp_from(&login, "ann", &secret).await;
    let resumed = app.get(&back).await;
    let answer = crate::helpers::signin::location(&resumed);
    let code = crate::helpers::oidc::query_of(&answer)["code"].clone();

    let other = DpopKey::es256();
    let proof = token_proof(&app, &other).await;
    redeem(&app, &web, &code, &verifier, Some(&proof))
        .await
        .refused(400, "invalid_grant", "another DPoP key");
    let proof = token_proof(&app, &key).await;
    let redeemed = redeem(&app, &web, &code, &verifier, Some(&proof)).await;
    assert_eq!(redeemed.status, 200, "{}", redeemed.body);
}

async fn introspect(app: &TestApp, client: &RegisteredClient, token: &str) -> Value {
    let response = match &client.secret {
        Some(secret) => {
            app.post_client_form(
                "/introspect",
                &[("token", token)],
                Some((&client.id, secret)),
            )
            .await
        }
        None => {
            app.post_client_form(
                "/introspect",
                &[("token", token), ("client_id", &client.id)],
                None,
            )
            .await
        }
    };
    response.json().await.unwrap()
}

#[tokio::test]
async fn introspecting_a_bound_refresh_token_answers_the_key_it_is_bound_to() {
    let app = spawn_app().await;
    let spa = app
        .add_client("spa", &["--public", "--redirect-uri", REDIRECT])
        .await;
    let secret = signed_in(&app).await;
    let key = DpopKey::es256();
    let body = tokens_with_key(&app, &spa, &secret, &key).await;
    let refresh_token = body["refresh_token"].as_str().unwrap();

    let answer = introspect(&app, &spa, refresh_token).await;
    assert_eq!(answer["active"], true, "{answer}");
    assert_eq!(answer["token_type"], "refresh_token");
    assert_eq!(answer["cnf"]["jkt"], key.thumbprint(), "{answer}");

    // A confidential client's refresh token is not bound to the key (see above): no cnf.
    let web = app.web_client("web").await;
    let body = tokens_with_key(&app, &web, &secret, &key).await;
    let answer = introspect(&app, &web, body["refresh_token"].as_str().unwrap()).await;
    assert_eq!(answer["active"], true, "{answer}");
    assert!(answer.get("cnf").is_none(), "{answer}");
}
