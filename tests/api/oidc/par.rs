//! Pushed authorization requests (RFC 9126): a confidential client pushes its authorization request to
//! `/par` and sends only `client_id` and the `request_uri` it got to `/authorize`. Each refusal has its test.

use serde_json::Value;

use crate::helpers::oidc::{RegisteredClient, pkce_pair, query_of};
use crate::helpers::signin::location;
use crate::helpers::{TestApp, spawn_app};

const REDIRECT: &str = "https://rp.example.com/cb";

impl TestApp {
    /// POSTs the usual sign-in request to `/par` as `client` (Basic authentication with `secret`).
    async fn push(&self, client: &str, secret: &str, extra: &[(&str, &str)]) -> (u16, Value) {
        let (_, challenge) = pkce_pair();
        let mut form: Vec<(&str, &str)> = vec![
            ("response_type", "code"),
            ("redirect_uri", REDIRECT),
            ("scope", "openid profile"),
            ("state", "st-par"),
            ("nonce", "n-par"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ];
        for (k, v) in extra {
            form.retain(|(name, _)| name != k);
            form.push((k, v));
        }
        let response = self
            .post_client_form("/par", &form, Some((client, secret)))
            .await;
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    async fn pushed_uri(&self, client: &RegisteredClient) -> String {
        let (status, body) = self
            .push(&client.id, client.secret.as_deref().unwrap(), &[])
            .await;
        assert_eq!(status, 201, "{body}");
        body["request_uri"].as_str().unwrap().to_string()
    }

    /// `/authorize?client_id=…&request_uri=…`
    async fn authorize_pushed(&self, client_id: &str, request_uri: &str) -> reqwest::Response {
        self.authorize(&[("client_id", client_id), ("request_uri", request_uri)])
            .await
    }
}

/// The request_uri is refused with a page (never a redirect) saying `why`.
async fn refused_page(response: reqwest::Response, why: &str) {
    assert_eq!(response.status(), 400);
    let html = response.text().await.unwrap();
    assert!(html.contains(why), "expected `{why}` in the page: {html}");
}

#[tokio::test]
async fn a_pushed_request_signs_in_through_its_request_uri_alone() {
    let app = spawn_app().await;
    let web = app.web_client("web").await;
    let secret = app.arrange_user_with_totp("ann").await;
    let (status, body) = app.push("web", web.secret.as_deref().unwrap(), &[]).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["expires_in"], 60);
    let request_uri = body["request_uri"].as_str().unwrap();
    assert!(request_uri.starts_with("urn:ietf:params:oauth:request_uri:"));

    let first = app.authorize_pushed("web", request_uri).await;
    assert_eq!(first.status(), 303);
    let login = location(&first);
    assert!(login.starts_with("/login"), "{login}");
    let back = app.sign_in_with_totp_from(&login, "ann", &secret).await;
    let resumed = app.get(&back).await;
    let answer = location(&resumed);
    assert!(answer.starts_with(REDIRECT), "{answer}");
    let query = query_of(&answer);
    assert!(query.contains_key("code"), "{answer}");
    assert_eq!(query["state"], "st-par", "the pushed state comes back");
}

#[tokio::test]
async fn a_request_uri_is_used_once() {
    let app = spawn_app().await;
    let web = app.web_client("web").await;
    let uri = app.pushed_uri(&web).await;
    assert_eq!(app.authorize_pushed("web", &uri).await.status(), 303);
    refused_page(app.authorize_pushed("web", &uri).await, "already used").await;
}

#[tokio::test]
async fn an_expired_request_uri_is_refused() {
    let app = spawn_app().await;
    let web = app.web_client("web").await;
    let uri = app.pushed_uri(&web).await;
    sqlx::query("UPDATE pushed_requests SET expires_at = expires_at - 61")
        .execute(app.db.pool())
        .await
        .unwrap();
    refused_page(app.authorize_pushed("web", &uri).await, "expired").await;
}

#[tokio::test]
async fn another_clients_request_uri_is_refused_and_stays_usable_by_its_own() {
    let app = spawn_app().await;
    let web = app.web_client("web").await;
    app.web_client("other").await;
    let uri = app.pushed_uri(&web).await;
    refused_page(
        app.authorize_pushed("other", &uri).await,
        "another application",
    )
    .await;
    assert_eq!(app.authorize_pushed("web", &uri).await.status(), 303);
}

#[tokio::test]
async fn an_unknown_request_uri_is_refused() {
    let app = spawn_app().await;
    app.web_client("web").await;
    refused_page(
        app.authorize_pushed("web", "urn:ietf:params:oauth:request_uri:nothing")
            .await,
        "not known",
    )
    .await;
    // A request object by reference is not a pushed request: refused by the usual checks.
    let foreign = app
        .authorize_pushed("web", "https://evil.example.com/request.jwt")
        .await;
    assert_eq!(foreign.status(), 400);
}

#[tokio::test]
async fn a_client_required_to_push_cannot_send_a_plain_request() {
    let app = spawn_app().await;
    let web = app
        .add_client("strict", &["--redirect-uri", REDIRECT, "--require-par"])
        .await;
    let (_, challenge) = pkce_pair();
    let plain = app
        .authorize(&[
            ("response_type", "code"),
            ("client_id", "strict"),
            ("redirect_uri", REDIRECT),
            ("scope", "openid"),
            ("state", "st-plain"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ])
        .await;
    assert_eq!(plain.status(), 303);
    let query = query_of(&location(&plain));
    assert_eq!(query["error"], "invalid_request");
    assert!(query["error_description"].contains("/par"));
    assert_eq!(query["state"], "st-plain");
    // Pushed, the same request goes through.
    let uri = app.pushed_uri(&web).await;
    let pushed = app.authorize_pushed("strict", &uri).await;
    assert!(location(&pushed).starts_with("/login"));
}

#[tokio::test]
async fn par_refuses_bad_client_authentication() {
    let app = spawn_app().await;
    app.web_client("web").await;
    let (status, body) = app.push("web", "wrong-secret", &[]).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"], "invalid_client");
    let (status, body) = app.push("nobody", "x", &[]).await;
    assert_eq!(status, 401, "{body}");
    let anonymous = app
        .post_client_form("/par", &[("response_type", "code")], None)
        .await;
    assert_eq!(anonymous.status(), 401);
}

#[tokio::test]
async fn par_is_for_confidential_clients_only() {
    let app = spawn_app().await;
    app.add_client("spa", &["--public", "--redirect-uri", REDIRECT])
        .await;
    let response = app
        .post_client_form(
            "/par",
            &[
                ("client_id", "spa"),
                ("response_type", "code"),
                ("redirect_uri", REDIRECT),
                ("scope", "openid"),
            ],
            None,
        )
        .await;
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "unauthorized_client");
    // Nor can a public client be registered as requiring it.
    let out = app
        .cli(&[
            "client",
            "add",
            "spa2",
            "--public",
            "--redirect-uri",
            REDIRECT,
            "--require-par",
        ])
        .await;
    assert!(!out.success);
}

#[tokio::test]
async fn par_checks_the_request_as_authorize_does() {
    let app = spawn_app().await;
    let web = app.web_client("web").await;
    let secret = web.secret.as_deref().unwrap();
    let (status, body) = app
        .push(
            "web",
            secret,
            &[("redirect_uri", "https://evil.example.com/cb")],
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );
    let (status, body) = app.push("web", secret, &[("scope", "profile")]).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_scope"))
    );
    let (status, body) = app
        .push("web", secret, &[("client_id", "someone-else")])
        .await;
    assert_eq!(status, 401, "{body}");
    let (status, body) = app
        .push(
            "web",
            secret,
            &[("request_uri", "urn:ietf:params:oauth:request_uri:x")],
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );
}

#[tokio::test]
async fn request_uris_are_stored_only_as_digests() {
    let app = spawn_app().await;
    let web = app.web_client("web").await;
    let uri = app.pushed_uri(&web).await;
    let random = uri.rsplit(':').next().unwrap();
    for value in app.every_stored_text().await {
        assert!(!value.contains(random), "a request_uri was stored");
    }
}

#[tokio::test]
async fn discovery_publishes_the_par_endpoint() {
    let app = spawn_app().await;
    let doc: Value = app
        .get("/.well-known/openid-configuration")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        doc["pushed_authorization_request_endpoint"],
        format!("{}/par", app.issuer)
    );
    assert_eq!(doc["require_pushed_authorization_requests"], false);
}
