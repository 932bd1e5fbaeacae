//! Each key family a proof may be signed with (RSA with RS256, Ed25519 with EdDSA, besides the ES256 of
//! the other tests) binds a token at `/token` and opens `/userinfo` with it; an RSA key below 2048 bits
//! is refused.

use serde_json::{Value, json};

use super::{Answer, DpopKey, claims};
use crate::helpers::oidc::jwt_claims;
use crate::helpers::{TestApp, spawn_app};

/// Tokens from a code redeemed by the confidential client `web` with a proof by `key`.
async fn tokens_bound_to(app: &TestApp, key: &DpopKey) -> Answer {
    let web = app.web_client("web").await;
    let secret = app.arrange_user_with_totp("ann").await;
    let authorized = app.authorize_with_totp(&web, "ann", &secret, &[]).await;
    let nonce = app.dpop_nonce().await;
    let proof = key.proof("POST", &app.htu("/token"), Some(&nonce), None);
    app.post_with_proof(
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
    .await
}

/// The key binds the access token at `/token`, and a fresh proof by it opens `/userinfo`.
async fn binds_and_opens_userinfo(key: DpopKey) {
    let app = spawn_app().await;
    let answer = tokens_bound_to(&app, &key).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["token_type"], "DPoP");
    let token = answer.body["access_token"].as_str().unwrap();
    assert_eq!(jwt_claims(token)["cnf"]["jkt"], key.thumbprint());

    let nonce = app.dpop_nonce().await;
    let proof = key.proof("GET", &app.htu("/userinfo"), Some(&nonce), Some(token));
    let userinfo = app
        .get_resource("/userinfo", "DPoP", token, Some(&proof))
        .await;
    assert_eq!(userinfo.status, 200, "{}", userinfo.body);
    assert_eq!(userinfo.body["preferred_username"], "ann");

    // Another key of the same family is no proof for this token.
    let thief = match key.jwk["kty"].as_str() {
        Some("RSA") => DpopKey::rs256(),
        _ => DpopKey::eddsa(),
    };
    let proof = thief.proof("GET", &app.htu("/userinfo"), Some(&nonce), Some(token));
    let refused = app
        .get_resource("/userinfo", "DPoP", token, Some(&proof))
        .await;
    assert_eq!(refused.status, 401, "{}", refused.body);
    assert_eq!(refused.body["error"], "invalid_dpop_proof");
}

#[tokio::test]
async fn an_rs256_proof_binds_the_token_at_token_and_opens_userinfo() {
    binds_and_opens_userinfo(DpopKey::rs256()).await;
}

#[tokio::test]
async fn an_eddsa_proof_binds_the_token_at_token_and_opens_userinfo() {
    binds_and_opens_userinfo(DpopKey::eddsa()).await;
}

/// The modulus of an RSA-1024 key (`openssl genrsa 1024`), base64url.
const RSA_1024_N: &str = "sgTO4AvuJA-tLhdmObeLwuNqvZeQb3bug62K681mQwqTuQ87vH_o5K9JnrcvWy25orzS6iG9qnV56llvoE1-Hhw4Rm3agYkSVhk1zqty1-dxc82VN6moOpM93wtUUXwkRTss5I8THVVyKlZAMetXt_p3UzFt4QnrMNrJlL7fxIc";

#[tokio::test]
async fn a_proof_by_an_rsa_key_below_2048_bits_is_refused() {
    let app = spawn_app().await;
    let svc = app.service_client("svc", "tapid:admin").await;
    let key = DpopKey::rs256();
    let nonce = app.dpop_nonce().await;
    let mut header = key.header();
    header["jwk"] = json!({ "kty": "RSA", "e": "AQAB", "n": RSA_1024_N });
    let proof = key.sign(
        &header,
        &claims("POST", &app.htu("/token"), Some(&nonce), None),
    );
    let answer = app
        .post_with_proof(
            "/token",
            &[("grant_type", "client_credentials")],
            Some(("svc", svc.secret.as_deref().unwrap())),
            Some(&proof),
        )
        .await;
    answer.refused(400, "invalid_dpop_proof", "at least 2048 bits");

    // The same request with the 2048-bit key's own jwk passes: only the key's size was wrong.
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
    let body: &Value = &answer.body;
    assert_eq!(body["token_type"], "DPoP");
}
