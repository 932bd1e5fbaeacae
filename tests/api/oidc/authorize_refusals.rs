//! Refusals at `/authorize` before anyone signs in.

use crate::helpers::oidc::{pkce_pair, query_of};
use crate::helpers::signin::location;
use crate::helpers::{TestApp, spawn_app};

const CB: &str = "https://rp.example.com/cb";

async fn app_with_client() -> TestApp {
    let app = spawn_app().await;
    app.web_client("webapp").await;
    app
}

fn base(challenge: &str) -> Vec<(&str, &str)> {
    vec![
        ("response_type", "code"),
        ("client_id", "webapp"),
        ("redirect_uri", CB),
        ("scope", "openid profile"),
        ("state", "xyz"),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256"),
    ]
}

fn with<'a>(
    mut params: Vec<(&'a str, &'a str)>,
    changes: &[(&'a str, Option<&'a str>)],
) -> Vec<(&'a str, &'a str)> {
    for (name, value) in changes {
        params.retain(|(n, _)| n != name);
        if let Some(v) = value {
            params.push((name, v));
        }
    }
    params
}

/// Asserts a redirect to the client with this error, `state` and `iss`.
async fn assert_redirected_error(app: &TestApp, response: reqwest::Response, error: &str) {
    assert_eq!(response.status(), 303);
    let to = location(&response);
    assert!(to.starts_with(CB), "redirected to {to}");
    let q = query_of(&to);
    assert_eq!(q.get("error").map(String::as_str), Some(error), "{to}");
    assert!(q.contains_key("error_description"));
    assert_eq!(q.get("state").map(String::as_str), Some("xyz"));
    assert_eq!(q.get("iss"), Some(&app.issuer));
    assert!(!q.contains_key("code"));
}

async fn assert_error_page(response: reqwest::Response) {
    assert_eq!(response.status(), 400);
    assert!(
        response.headers().get("location").is_none(),
        "never redirected"
    );
    let html = response.text().await.unwrap();
    assert!(html.contains("cannot be completed"));
}

#[tokio::test]
async fn an_unregistered_redirect_uri_shows_an_error_page_and_never_redirects() {
    let app = app_with_client().await;
    let (_, challenge) = pkce_pair();

    for uri in [
        "https://evil.example.com/cb",
        "https://rp.example.com/cb/extra",
        "https://rp.example.com/c",
        "https://rp.example.com/cb?x=1",
        "HTTPS://rp.example.com/cb",
    ] {
        let response = app
            .authorize(&with(base(&challenge), &[("redirect_uri", Some(uri))]))
            .await;
        assert_error_page(response).await;
    }
}

#[tokio::test]
async fn an_unknown_or_missing_client_shows_an_error_page() {
    let app = app_with_client().await;
    let (_, challenge) = pkce_pair();

    let unknown = app
        .authorize(&with(base(&challenge), &[("client_id", Some("nobody"))]))
        .await;
    let missing = app
        .authorize(&with(base(&challenge), &[("client_id", None)]))
        .await;
    let no_redirect = app
        .authorize(&with(base(&challenge), &[("redirect_uri", None)]))
        .await;

    assert_error_page(unknown).await;
    assert_error_page(missing).await;
    assert_error_page(no_redirect).await;
}

#[tokio::test]
async fn prompt_none_without_a_session_returns_login_required_to_the_client() {
    let app = app_with_client().await;
    let (_, challenge) = pkce_pair();

    let response = app
        .authorize(&with(base(&challenge), &[("prompt", Some("none"))]))
        .await;

    assert_redirected_error(&app, response, "login_required").await;
}

#[tokio::test]
async fn without_a_session_the_person_is_sent_to_sign_in_with_the_contract_parameters() {
    let app = app_with_client().await;
    let (_, challenge) = pkce_pair();

    let response = app
        .authorize(&with(
            base(&challenge),
            &[("acr_values", Some("phr")), ("login_hint", Some("alice"))],
        ))
        .await;

    assert_eq!(response.status(), 303);
    let to = location(&response);
    assert!(to.starts_with("/login?"), "{to}");
    let q = query_of(&to);
    assert!(q["return_to"].starts_with("/authorize/resume?request="));
    assert_eq!(q["level"], "phr");
    assert_eq!(q["login_hint"], "alice");
    assert!(!q.contains_key("fresh"));
}

#[tokio::test]
async fn response_types_other_than_code_are_unsupported() {
    let app = app_with_client().await;
    let (_, challenge) = pkce_pair();

    for rt in ["token", "id_token", "code id_token"] {
        let response = app
            .authorize(&with(base(&challenge), &[("response_type", Some(rt))]))
            .await;
        assert_redirected_error(&app, response, "unsupported_response_type").await;
    }
}

#[tokio::test]
async fn a_scope_without_openid_is_invalid_scope() {
    let app = app_with_client().await;
    let (_, challenge) = pkce_pair();

    let response = app
        .authorize(&with(base(&challenge), &[("scope", Some("profile email"))]))
        .await;

    assert_redirected_error(&app, response, "invalid_scope").await;
}

#[tokio::test]
async fn a_public_client_must_send_an_s256_challenge() {
    let app = spawn_app().await;
    app.add_client("spa", &["--public", "--redirect-uri", CB])
        .await;
    let (_, challenge) = pkce_pair();
    let spa = |changes: &[(&'static str, Option<&'static str>)]| {
        with(
            with(base(&challenge), &[("client_id", Some("spa"))]),
            changes,
        )
    };

    let none = app
        .authorize(&spa(&[
            ("code_challenge", None),
            ("code_challenge_method", None),
        ]))
        .await;
    let plain = app
        .authorize(&spa(&[("code_challenge_method", Some("plain"))]))
        .await;
    let implicit_plain = app
        .authorize(&spa(&[("code_challenge_method", None)]))
        .await;

    assert_redirected_error(&app, none, "invalid_request").await;
    assert_redirected_error(&app, plain, "invalid_request").await;
    assert_redirected_error(&app, implicit_plain, "invalid_request").await;
}

#[tokio::test]
async fn request_objects_are_not_supported() {
    let app = app_with_client().await;
    let (_, challenge) = pkce_pair();

    let object = app
        .authorize(&with(base(&challenge), &[("request", Some("eyJ.eyJ.x"))]))
        .await;
    let by_reference = app
        .authorize(&with(
            base(&challenge),
            &[("request_uri", Some("https://rp.example.com/r"))],
        ))
        .await;

    assert_redirected_error(&app, object, "request_not_supported").await;
    assert_redirected_error(&app, by_reference, "request_uri_not_supported").await;
}

#[tokio::test]
async fn malformed_authorization_parameters_never_cause_a_500() {
    let app = app_with_client().await;
    let queries = [
        "",
        "client_id=webapp&client_id=webapp",
        "client_id=%ZZ&redirect_uri=%",
        "client_id=webapp&redirect_uri=https%3A%2F%2Frp.example.com%2Fcb&response_type=code&scope=openid&max_age=-5&state=xyz",
        "client_id=webapp&redirect_uri=https%3A%2F%2Frp.example.com%2Fcb&response_type=code&scope=openid&prompt=none+login&state=xyz",
        "client_id=webapp&redirect_uri=https%3A%2F%2Frp.example.com%2Fcb&response_type=code&scope=open%22id&state=xyz",
        "client_id=webapp&redirect_uri=https%3A%2F%2Frp.example.com%2Fcb&response_type=code&scope=openid&id_token_hint=garbage&state=xyz",
        "client_id=webapp&redirect_uri=https%3A%2F%2Frp.example.com%2Fcb&response_type=code&scope=openid&code_challenge=short&code_challenge_method=S256&state=xyz",
        "client_id=%00%FF&redirect_uri=%00",
    ];
    for query in queries {
        let response = app.get(&format!("/authorize?{query}")).await;
        let status = response.status().as_u16();
        assert!(status == 303 || status == 400, "{query}: {status}");
        if status == 303 {
            assert!(location(&response).starts_with(CB), "{query}");
        }
    }
    let long = format!("/authorize?client_id=webapp&state={}", "a".repeat(10_000));
    assert!(app.get(&long).await.status().is_client_error());

    let json_post = app
        .client
        .post(app.url("/authorize"))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(json_post.status(), 400);
}

#[tokio::test]
async fn authorize_accepts_post_as_well_as_get() {
    let app = app_with_client().await;
    let (_, challenge) = pkce_pair();

    let response = app
        .client
        .post(app.url("/authorize"))
        .form(&with(base(&challenge), &[("prompt", Some("none"))]))
        .send()
        .await
        .unwrap();

    assert_redirected_error(&app, response, "login_required").await;
}

#[tokio::test]
async fn an_unknown_or_expired_resume_request_shows_an_error_page() {
    let app = app_with_client().await;

    let unknown = app.get("/authorize/resume?request=made-up").await;
    let missing = app.get("/authorize/resume").await;

    assert_error_page(unknown).await;
    assert_error_page(missing).await;
}

#[tokio::test]
async fn nul_bytes_anywhere_are_refused_cleanly() {
    let app = app_with_client().await;

    let resume = app.get("/authorize/resume?request=%00abc").await;
    let logout = app.get("/logout?client_id=%00").await;
    let token = app
        .client
        .post(app.url("/token"))
        .basic_auth("web\0app", Some("x"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    let forged_kid = "eyJhbGciOiJSUzI1NiIsImtpZCI6Ilx1MDAwMCJ9.eyJzdWIiOiJ4In0.c2ln";
    let userinfo = app
        .client
        .get(app.url("/userinfo"))
        .bearer_auth(forged_kid)
        .send()
        .await
        .unwrap();

    assert_eq!(resume.status(), 400);
    assert_eq!(logout.status(), 400);
    assert_eq!(userinfo.status(), 401, "{:?}", userinfo.text().await);
    assert_eq!(token.status(), 401, "{:?}", token.text().await);
}

#[tokio::test]
async fn a_refusal_shown_as_a_page_names_parameters_in_plain_words_and_the_json_keeps_the_protocol_text()
 {
    let app = app_with_client().await;
    let (_, challenge) = pkce_pair();

    // Two client_ids: nobody knows which application asked, so the person gets the page.
    let mut twice = base(&challenge);
    twice.push(("client_id", "other"));
    let response = app.authorize(&twice).await;
    assert_eq!(response.status(), 400);
    assert!(response.headers().get("location").is_none());
    let html = response.text().await.unwrap();
    assert!(html.contains("cannot be completed"), "{html}");
    assert!(
        html.contains("The application&#39;s request gives its client_id more than once.")
            || html.contains("The application's request gives its client_id more than once."),
        "{html}"
    );
    assert!(!html.contains('`') && !html.contains("&#96;"), "{html}");

    // Software reading JSON keeps the protocol's error and its technical description.
    let response = app
        .post_client_form(
            "/token",
            &[("grant_type", "client_credentials"), ("grant_type", "x")],
            None,
        )
        .await;
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");
    assert_eq!(
        body["error_description"],
        "the parameter `grant_type` was given more than once"
    );
}
