use serde_json::Value;

use crate::helpers::{TestApp, spawn_app};

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

async fn cross_origin(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    origin: &str,
) -> reqwest::Response {
    let mut request = app
        .client
        .request(method.clone(), app.url(path))
        .header("origin", origin);
    if method == reqwest::Method::OPTIONS {
        request = request
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "content-type, authorization",
            );
    }
    request.send().await.unwrap()
}

fn allowed(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get("access-control-allow-origin")
        .map(|v| v.to_str().unwrap().to_string())
}

#[tokio::test]
async fn token_endpoints_answer_cors_only_for_origins_of_registered_clients() {
    let app = spawn_app().await;
    app.add_client(
        "spa",
        &[
            "--public",
            "--redirect-uri",
            "https://spa.example.com/callback",
        ],
    )
    .await;
    app.add_client(
        "widget",
        &[
            "--public",
            "--redirect-uri",
            "https://widget.example.com/cb",
            "--allowed-origin",
            "https://cdn.example.net",
        ],
    )
    .await;
    use reqwest::Method;

    for path in ["/token", "/revoke", "/userinfo"] {
        let preflight = cross_origin(&app, Method::OPTIONS, path, "https://spa.example.com").await;
        assert!(preflight.status().is_success(), "{path}");
        assert_eq!(
            allowed(&preflight).as_deref(),
            Some("https://spa.example.com"),
            "{path}"
        );
        let methods = preflight.headers()["access-control-allow-methods"]
            .to_str()
            .unwrap();
        assert!(methods.contains("POST"), "{path}: {methods}");
    }
    for path in [
        "/jwks",
        "/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server",
    ] {
        let get = cross_origin(&app, Method::GET, path, "https://spa.example.com").await;
        assert_eq!(get.status(), 200, "{path}");
        assert_eq!(
            allowed(&get).as_deref(),
            Some("https://spa.example.com"),
            "{path}"
        );
        assert!(
            get.headers()["vary"].to_str().unwrap().contains("Origin"),
            "{path}"
        );
    }
    let explicit = cross_origin(&app, Method::OPTIONS, "/token", "https://cdn.example.net").await;
    assert_eq!(
        allowed(&explicit).as_deref(),
        Some("https://cdn.example.net"),
        "an allowed_origins entry"
    );

    for origin in [
        "https://evil.example.com",
        "https://spa.example.com.evil.example",
        "null",
    ] {
        let preflight = cross_origin(&app, Method::OPTIONS, "/token", origin).await;
        assert_eq!(allowed(&preflight), None, "{origin} is no client's");
    }
}

#[tokio::test]
async fn pages_and_the_admin_api_never_answer_cors() {
    let app = spawn_app().await;
    app.add_client(
        "spa",
        &[
            "--public",
            "--redirect-uri",
            "https://spa.example.com/callback",
        ],
    )
    .await;
    use reqwest::Method;

    for (method, path) in [
        (Method::GET, "/authorize"),
        (Method::GET, "/login"),
        (Method::GET, "/security-info"),
        (Method::GET, "/admin/users"),
        (Method::GET, "/api/v1/users"),
        (Method::OPTIONS, "/api/v1/users"),
        (Method::POST, "/introspect"),
    ] {
        let response = cross_origin(&app, method.clone(), path, "https://spa.example.com").await;
        assert_eq!(allowed(&response), None, "{method} {path}");
    }
}
