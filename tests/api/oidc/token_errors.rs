//! Refusals at `/token`, `/revoke`, `/introspect` and `/userinfo` that need nobody signed in.

use serde_json::Value;

use crate::helpers::spawn_app;

async fn error_of(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let body: Value = response.json().await.expect("a JSON error body");
    assert!(body["error_description"].is_string());
    (status, body["error"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn a_wrong_client_secret_is_invalid_client_with_a_basic_challenge() {
    let app = spawn_app().await;
    let service = app.service_client("svc", "tapid:admin").await;

    let response = app
        .post_client_form(
            "/token",
            &[("grant_type", "client_credentials")],
            Some((&service.id, "not-the-secret")),
        )
        .await;

    assert_eq!(
        response.headers()["www-authenticate"],
        "Basic realm=\"tapid\""
    );
    assert_eq!(error_of(response).await, (401, "invalid_client".into()));
}

#[tokio::test]
async fn an_unknown_client_is_invalid_client() {
    let app = spawn_app().await;

    let response = app
        .post_client_form(
            "/token",
            &[("grant_type", "client_credentials")],
            Some(("nobody", "x")),
        )
        .await;

    assert_eq!(error_of(response).await, (401, "invalid_client".into()));
}

#[tokio::test]
async fn a_confidential_client_without_its_secret_is_invalid_client() {
    let app = spawn_app().await;
    app.web_client("webapp").await;

    let response = app
        .post_client_form(
            "/token",
            &[
                ("grant_type", "authorization_code"),
                ("client_id", "webapp"),
                ("code", "x"),
            ],
            None,
        )
        .await;

    assert_eq!(error_of(response).await, (401, "invalid_client".into()));
}

#[tokio::test]
async fn an_unknown_grant_type_is_unsupported_grant_type() {
    let app = spawn_app().await;
    let service = app.service_client("svc", "tapid:admin").await;

    let response = app
        .post_client_form(
            "/token",
            &[
                ("grant_type", "password"),
                ("username", "a"),
                ("password", "b"),
            ],
            Some((&service.id, service.secret.as_deref().unwrap())),
        )
        .await;

    assert_eq!(
        error_of(response).await,
        (400, "unsupported_grant_type".into())
    );
}

#[tokio::test]
async fn malformed_token_requests_are_oauth_errors_never_500s() {
    let app = spawn_app().await;
    let service = app.service_client("svc", "tapid:admin").await;
    let secret = service.secret.as_deref().unwrap();
    let cases: Vec<(&str, &str, Vec<u8>)> = vec![
        (
            "json body",
            "application/json",
            br#"{"grant_type":"client_credentials"}"#.to_vec(),
        ),
        ("no body", "application/x-www-form-urlencoded", Vec::new()),
        (
            "repeated parameter",
            "application/x-www-form-urlencoded",
            b"grant_type=client_credentials&grant_type=client_credentials".to_vec(),
        ),
        (
            "bad percent-encoding",
            "application/x-www-form-urlencoded",
            b"grant_type=%ZZ%&scope=%".to_vec(),
        ),
        (
            "invalid utf-8",
            "application/x-www-form-urlencoded",
            b"grant_type=\xff\xfe".to_vec(),
        ),
        (
            "binary",
            "application/x-www-form-urlencoded",
            vec![0u8, 159, 146, 150, 61, 61, 38],
        ),
        (
            "huge code",
            "application/x-www-form-urlencoded",
            format!(
                "grant_type=authorization_code&code={}&redirect_uri=x",
                "a".repeat(40_000)
            )
            .into_bytes(),
        ),
    ];
    for (what, content_type, body) in cases {
        let response = app
            .client
            .post(app.url("/token"))
            .basic_auth(&service.id, Some(secret))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        assert!((400..500).contains(&status), "{what}: status {status}");
        let body: Value = response
            .json()
            .await
            .unwrap_or_else(|_| panic!("{what}: not JSON"));
        assert!(body["error"].is_string(), "{what}");
    }
}

#[tokio::test]
async fn malformed_basic_credentials_are_invalid_client_not_500() {
    let app = spawn_app().await;

    for header in ["Basic", "Basic %%%", "Basic Zm9v", "Digest abc"] {
        let response = app
            .client
            .post(app.url("/token"))
            .header("authorization", header)
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap();
        assert_eq!(
            error_of(response).await,
            (401, "invalid_client".into()),
            "{header}"
        );
    }
}

#[tokio::test]
async fn an_unknown_code_is_invalid_grant() {
    let app = spawn_app().await;
    let web = app.web_client("webapp").await;

    let response = app
        .post_client_form(
            "/token",
            &[
                ("grant_type", "authorization_code"),
                ("code", "made-up"),
                ("redirect_uri", "https://rp.example.com/cb"),
            ],
            Some((&web.id, web.secret.as_deref().unwrap())),
        )
        .await;

    assert_eq!(error_of(response).await, (400, "invalid_grant".into()));
}

#[tokio::test]
async fn an_unknown_refresh_token_is_invalid_grant() {
    let app = spawn_app().await;
    let web = app.web_client("webapp").await;

    let response = app
        .post_client_form(
            "/token",
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", "made-up"),
            ],
            Some((&web.id, web.secret.as_deref().unwrap())),
        )
        .await;

    assert_eq!(error_of(response).await, (400, "invalid_grant".into()));
}

#[tokio::test]
async fn userinfo_refuses_missing_and_forged_tokens_with_a_bearer_challenge() {
    let app = spawn_app().await;

    for token in [
        None,
        Some("not-a-jwt"),
        Some("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."),
    ] {
        let mut request = app.client.get(app.url("/userinfo"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401, "{token:?}");
        assert!(
            response.headers()["www-authenticate"]
                .to_str()
                .unwrap()
                .starts_with("Bearer "),
            "{token:?}"
        );
    }
}

#[tokio::test]
async fn introspection_of_garbage_is_inactive_and_requires_client_authentication() {
    let app = spawn_app().await;
    let service = app.service_client("svc", "tapid:admin").await;

    let unauthenticated = app
        .post_client_form("/introspect", &[("token", "whatever")], None)
        .await;
    let garbage: Value = app
        .post_client_form(
            "/introspect",
            &[("token", "whatever")],
            Some((&service.id, service.secret.as_deref().unwrap())),
        )
        .await
        .json()
        .await
        .unwrap();

    assert_eq!(
        error_of(unauthenticated).await,
        (401, "invalid_client".into())
    );
    assert_eq!(garbage, serde_json::json!({"active": false}));
}

#[tokio::test]
async fn revoking_an_unknown_token_succeeds_quietly() {
    let app = spawn_app().await;
    let service = app.service_client("svc", "tapid:admin").await;

    let response = app
        .post_client_form(
            "/revoke",
            &[("token", "never-issued")],
            Some((&service.id, service.secret.as_deref().unwrap())),
        )
        .await;

    assert_eq!(response.status(), 200);
}
