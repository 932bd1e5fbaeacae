//! Each refusal of a proof at `/token`, and what a good one gets: a token bound to its key.

use serde_json::{Value, json};

use super::{Answer, DpopKey, claims, now};
use crate::helpers::oidc::{RegisteredClient, jwt_claims};
use crate::helpers::{TestApp, spawn_app};

/// A `client_credentials` request by `svc` with `proof`.
async fn grant(app: &TestApp, svc: &RegisteredClient, proof: Option<&str>) -> Answer {
    app.post_with_proof(
        "/token",
        &[("grant_type", "client_credentials")],
        Some((&svc.id, svc.secret.as_deref().unwrap())),
        proof,
    )
    .await
}

async fn app_with_service() -> (TestApp, RegisteredClient) {
    let app = spawn_app().await;
    let svc = app.service_client("svc", "tapid:admin").await;
    (app, svc)
}

/// A proof by `key` for `/token` with the server's nonce and these claims changed.
async fn proof_with(app: &TestApp, key: &DpopKey, header: Value, changes: Value) -> String {
    let nonce = app.dpop_nonce().await;
    let mut claims = claims("POST", &app.htu("/token"), Some(&nonce), None);
    for (name, value) in changes.as_object().unwrap() {
        if value.is_null() {
            claims.as_object_mut().unwrap().remove(name);
        } else {
            claims[name] = value.clone();
        }
    }
    key.sign(&header, &claims)
}

#[tokio::test]
async fn a_good_proof_binds_the_access_token_to_its_key_with_cnf_jkt_and_type_dpop() {
    let (app, svc) = app_with_service().await;
    for key in [DpopKey::es256(), DpopKey::eddsa()] {
        let nonce = app.dpop_nonce().await;
        let proof = key.proof("POST", &app.htu("/token"), Some(&nonce), None);
        let answer = grant(&app, &svc, Some(&proof)).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert_eq!(answer.body["token_type"], "DPoP");
        assert!(
            !answer.nonce().is_empty(),
            "a DPoP-Nonce comes with the answer"
        );
        let token = answer.body["access_token"].as_str().unwrap();
        assert_eq!(jwt_claims(token)["cnf"]["jkt"], key.thumbprint());

        let introspected: Value = app
            .post_client_form(
                "/introspect",
                &[("token", token)],
                Some((&svc.id, svc.secret.as_deref().unwrap())),
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(introspected["active"], true);
        assert_eq!(introspected["token_type"], "DPoP");
        assert_eq!(introspected["cnf"]["jkt"], key.thumbprint());
    }
}

#[tokio::test]
async fn a_token_request_without_a_proof_stays_bearer_and_unbound() {
    let (app, svc) = app_with_service().await;
    let answer = grant(&app, &svc, None).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body["token_type"], "Bearer");
    let token = answer.body["access_token"].as_str().unwrap();
    assert!(jwt_claims(token).get("cnf").is_none());
}

#[tokio::test]
async fn discovery_lists_the_proof_algorithms() {
    let app = spawn_app().await;
    let doc: Value = app
        .get("/.well-known/openid-configuration")
        .await
        .json()
        .await
        .unwrap();
    let algs = doc["dpop_signing_alg_values_supported"].as_array().unwrap();
    for alg in ["ES256", "RS256", "EdDSA"] {
        assert!(algs.contains(&json!(alg)), "{alg} in {algs:?}");
    }
    assert!(!algs.contains(&json!("none")) && !algs.contains(&json!("HS256")));
}

#[tokio::test]
async fn a_proof_without_the_nonce_is_answered_use_dpop_nonce_with_the_nonce_to_use() {
    let (app, svc) = app_with_service().await;
    let key = DpopKey::es256();
    let proof = key.proof("POST", &app.htu("/token"), None, None);
    let answer = grant(&app, &svc, Some(&proof)).await;
    answer.refused(400, "use_dpop_nonce", "nonce");
    let nonce = answer.nonce();

    // Sent again with that nonce, it passes, on this instance and on another of the deployment.
    let proof = key.proof("POST", &app.htu("/token"), Some(&nonce), None);
    assert_eq!(grant(&app, &svc, Some(&proof)).await.status, 200);
    let other = app.second_instance().await;
    let proof = key.proof("POST", &app.htu("/token"), Some(&nonce), None);
    assert_eq!(grant(&other, &svc, Some(&proof)).await.status, 200);
}

#[tokio::test]
async fn a_proof_with_a_nonce_tapid_did_not_give_is_answered_use_dpop_nonce() {
    let (app, svc) = app_with_service().await;
    let key = DpopKey::es256();
    let proof = key.proof("POST", &app.htu("/token"), Some("made-up-nonce"), None);
    let answer = grant(&app, &svc, Some(&proof)).await;
    answer.refused(400, "use_dpop_nonce", "nonce");
    assert!(!answer.nonce().is_empty());
}

#[tokio::test]
async fn a_proof_whose_typ_is_not_dpop_jwt_is_refused() {
    let (app, svc) = app_with_service().await;
    let key = DpopKey::es256();
    for typ in [json!("JWT"), Value::Null] {
        let mut header = key.header();
        header["typ"] = typ;
        let proof = proof_with(&app, &key, header, json!({})).await;
        grant(&app, &svc, Some(&proof)).await.refused(
            400,
            "invalid_dpop_proof",
            "typ must be dpop+jwt",
        );
    }
}

#[tokio::test]
async fn proofs_signed_with_none_or_a_symmetric_algorithm_are_refused() {
    let (app, svc) = app_with_service().await;
    let key = DpopKey::es256();
    let nonce = app.dpop_nonce().await;
    let claims = claims("POST", &app.htu("/token"), Some(&nonce), None);
    let b64 = |v: &Value| {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    let mut none = key.header();
    none["alg"] = json!("none");
    let unsigned = format!("{}.{}.", b64(&none), b64(&claims));
    grant(&app, &svc, Some(&unsigned))
        .await
        .refused(400, "invalid_dpop_proof", "asymmetric");

    let mut hs = key.header();
    hs["alg"] = json!("HS256");
    let message = format!("{}.{}", b64(&hs), b64(&claims));
    let mac = jsonwebtoken::crypto::sign(
        message.as_bytes(),
        &jsonwebtoken::EncodingKey::from_secret(b"shared").unwrap(),
        jsonwebtoken::Algorithm::HS256,
    )
    .unwrap();
    grant(&app, &svc, Some(&format!("{message}.{mac}")))
        .await
        .refused(400, "invalid_dpop_proof", "asymmetric");
}

#[tokio::test]
async fn a_proof_whose_jwk_holds_a_private_key_is_refused() {
    let (app, svc) = app_with_service().await;
    let key = DpopKey::es256();
    let mut header = key.header();
    header["jwk"]["d"] = json!("jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI");
    let proof = proof_with(&app, &key, header, json!({})).await;
    grant(&app, &svc, Some(&proof)).await.refused(
        400,
        "invalid_dpop_proof",
        "must be a public key",
    );
}

#[tokio::test]
async fn a_proof_signed_by_another_key_than_its_jwk_is_refused() {
    let (app, svc) = app_with_service().await;
    let (key, other) = (DpopKey::es256(), DpopKey::es256());
    let proof = proof_with(&app, &key, other.header(), json!({})).await;
    grant(&app, &svc, Some(&proof)).await.refused(
        400,
        "invalid_dpop_proof",
        "signature does not verify",
    );
}

#[tokio::test]
async fn a_proof_for_another_method_is_refused() {
    let (app, svc) = app_with_service().await;
    let key = DpopKey::es256();
    let proof = proof_with(&app, &key, key.header(), json!({ "htm": "GET" })).await;
    grant(&app, &svc, Some(&proof))
        .await
        .refused(400, "invalid_dpop_proof", "htm");
}

#[tokio::test]
async fn a_proof_for_another_uri_is_refused_and_the_same_uri_written_differently_is_not() {
    let (app, svc) = app_with_service().await;
    let key = DpopKey::es256();
    for wrong in [
        app.htu("/userinfo"),
        app.htu("/token/"),
        "https://elsewhere.example/token".into(),
    ] {
        let proof = proof_with(&app, &key, key.header(), json!({ "htu": wrong })).await;
        grant(&app, &svc, Some(&proof))
            .await
            .refused(400, "invalid_dpop_proof", "htu");
    }
    // RFC 9449 §4.3: compared without query and fragment, after normalisation.
    let same = format!(
        "{}/%74oken?x=1#frag",
        app.issuer.to_uppercase().replace("HTTP://", "http://")
    );
    let proof = proof_with(&app, &key, key.header(), json!({ "htu": same })).await;
    let answer = grant(&app, &svc, Some(&proof)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
}

#[tokio::test]
async fn a_proof_with_a_stale_or_future_iat_is_refused() {
    let (app, svc) = app_with_service().await;
    let key = DpopKey::es256();
    let proof = proof_with(&app, &key, key.header(), json!({ "iat": now() - 600 })).await;
    grant(&app, &svc, Some(&proof))
        .await
        .refused(400, "invalid_dpop_proof", "too old");
    let proof = proof_with(&app, &key, key.header(), json!({ "iat": now() + 600 })).await;
    grant(&app, &svc, Some(&proof))
        .await
        .refused(400, "invalid_dpop_proof", "future");
    let proof = proof_with(&app, &key, key.header(), json!({ "jti": null })).await;
    grant(&app, &svc, Some(&proof))
        .await
        .refused(400, "invalid_dpop_proof", "jti");
}

#[tokio::test]
async fn a_replayed_proof_is_refused_on_every_instance() {
    let (app, svc) = app_with_service().await;
    let key = DpopKey::es256();
    let proof = proof_with(&app, &key, key.header(), json!({})).await;
    assert_eq!(grant(&app, &svc, Some(&proof)).await.status, 200);
    grant(&app, &svc, Some(&proof))
        .await
        .refused(400, "invalid_dpop_proof", "already used");
    let other = app.second_instance().await;
    grant(&other, &svc, Some(&proof))
        .await
        .refused(400, "invalid_dpop_proof", "already used");
}

#[tokio::test]
async fn a_client_that_requires_dpop_gets_no_token_without_a_proof() {
    let app = spawn_app().await;
    let svc = app
        .add_client(
            "svc",
            &[
                "--grant",
                "client_credentials",
                "--scope",
                "tapid:admin",
                "--require-dpop",
            ],
        )
        .await;
    let shown = app.cli(&["client", "show", "svc", "--json"]).await;
    assert_eq!(shown.json()["dpop_bound_access_tokens"], true);
    grant(&app, &svc, None)
        .await
        .refused(400, "invalid_dpop_proof", "must send a DPoP proof");
    let key = DpopKey::es256();
    let nonce = app.dpop_nonce().await;
    let proof = key.proof("POST", &app.htu("/token"), Some(&nonce), None);
    assert_eq!(grant(&app, &svc, Some(&proof)).await.status, 200);

    app.cli(&["client", "update", "svc", "--require-dpop=false"])
        .await
        .ok();
    assert_eq!(grant(&app, &svc, None).await.status, 200);
}
