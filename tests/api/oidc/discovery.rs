use serde_json::Value;

use crate::helpers::spawn_app;

#[tokio::test]
async fn discovery_names_every_endpoint_and_what_is_supported() {
    let app = spawn_app().await;

    let response = app.get("/.well-known/openid-configuration").await;

    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age")
    );
    let doc: Value = response.json().await.unwrap();
    assert_eq!(doc["issuer"], app.issuer);
    for (key, path) in [
        ("authorization_endpoint", "/authorize"),
        ("token_endpoint", "/token"),
        ("userinfo_endpoint", "/userinfo"),
        ("jwks_uri", "/jwks"),
        ("end_session_endpoint", "/logout"),
        ("revocation_endpoint", "/revoke"),
        ("introspection_endpoint", "/introspect"),
    ] {
        assert_eq!(doc[key], app.url(path), "{key}");
    }
    assert_eq!(doc["response_types_supported"], serde_json::json!(["code"]));
    assert_eq!(
        doc["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert_eq!(
        doc["subject_types_supported"],
        serde_json::json!(["public"])
    );
    assert_eq!(doc["authorization_response_iss_parameter_supported"], true);
    for alg in ["RS256", "ES256", "EdDSA"] {
        assert!(
            doc["id_token_signing_alg_values_supported"]
                .as_array()
                .unwrap()
                .contains(&Value::from(alg))
        );
    }
    for key in [
        "grant_types_supported",
        "token_endpoint_auth_methods_supported",
        "scopes_supported",
        "claims_supported",
        "acr_values_supported",
    ] {
        assert!(doc[key].as_array().is_some_and(|a| !a.is_empty()), "{key}");
    }
}

#[tokio::test]
async fn discovery_jwks_and_token_allow_cross_origin_calls_but_pages_do_not() {
    let app = spawn_app().await;

    let preflight = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/token"))
        .header("origin", "https://spa.example.com")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap();
    let jwks = app
        .client
        .get(app.url("/jwks"))
        .header("origin", "https://spa.example.com")
        .send()
        .await
        .unwrap();
    let page = app
        .client
        .get(app.url("/authorize"))
        .header("origin", "https://spa.example.com")
        .send()
        .await
        .unwrap();

    assert!(preflight.status().is_success());
    assert_eq!(preflight.headers()["access-control-allow-origin"], "*");
    assert_eq!(jwks.headers()["access-control-allow-origin"], "*");
    assert!(page.headers().get("access-control-allow-origin").is_none());
}
