//! RP-initiated logout: redirects only to registered URIs; untrusted requests are confirmed first.

use crate::helpers::oidc::query_of;
use crate::helpers::signin::{form_field, location};
use crate::helpers::spawn_app;

const BYE: &str = "https://rp.example.com/bye";

#[tokio::test]
async fn an_unregistered_post_logout_redirect_uri_is_never_followed() {
    let app = spawn_app().await;
    app.web_client("webapp").await;

    for query in [
        "client_id=webapp&post_logout_redirect_uri=https%3A%2F%2Fevil.example.com%2F",
        "post_logout_redirect_uri=https%3A%2F%2Frp.example.com%2Fbye",
        "client_id=nobody&post_logout_redirect_uri=https%3A%2F%2Frp.example.com%2Fbye",
        "id_token_hint=forged&post_logout_redirect_uri=https%3A%2F%2Frp.example.com%2Fbye",
    ] {
        let response = app.get(&format!("/logout?{query}")).await;
        assert_eq!(response.status(), 400, "{query}");
        assert!(response.headers().get("location").is_none(), "{query}");
    }
}

#[tokio::test]
async fn logout_without_a_trusted_hint_asks_for_confirmation_then_ends_the_session() {
    let app = spawn_app().await;
    let rp = app.web_client("webapp").await;
    let totp = app.arrange_user_with_totp("alice").await;
    app.authorize_with_totp(&rp, "alice", &totp, &[]).await;

    let page = app
        .get("/logout?client_id=webapp&post_logout_redirect_uri=https%3A%2F%2Frp.example.com%2Fbye&state=s1")
        .await;

    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    let csrf = form_field(&html, "csrf").expect("a confirmation form");
    // Still signed in until confirmed: a silent request gets a code.
    let silent = app
        .authorize_with_totp(&rp, "alice", &totp, &[("prompt", "none")])
        .await;
    assert!(silent.location.contains("code="));

    let confirmed = app
        .post_form(
            "/logout/confirm",
            &[
                ("csrf", &csrf),
                ("client_id", "webapp"),
                ("post_logout_redirect_uri", BYE),
                ("state", "s1"),
            ],
        )
        .await;

    assert_eq!(confirmed.status(), 303);
    let to = location(&confirmed);
    assert!(to.starts_with(BYE));
    assert_eq!(query_of(&to)["state"], "s1");
    let (_, challenge) = crate::helpers::oidc::pkce_pair();
    let after = app
        .authorize(&[
            ("response_type", "code"),
            ("client_id", "webapp"),
            ("redirect_uri", "https://rp.example.com/cb"),
            ("scope", "openid"),
            ("prompt", "none"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ])
        .await;
    assert_eq!(query_of(&location(&after))["error"], "login_required");
}

#[tokio::test]
async fn a_confirmation_without_the_csrf_token_ends_nothing() {
    let app = spawn_app().await;
    let rp = app.web_client("webapp").await;
    let totp = app.arrange_user_with_totp("alice").await;
    app.authorize_with_totp(&rp, "alice", &totp, &[]).await;

    let forged = app
        .post_form(
            "/logout/confirm",
            &[("csrf", "guess"), ("client_id", "webapp")],
        )
        .await;

    assert_eq!(forged.status(), 400);
    let silent = app
        .authorize_with_totp(&rp, "alice", &totp, &[("prompt", "none")])
        .await;
    assert!(silent.location.contains("code="));
}

#[tokio::test]
async fn logout_without_a_session_goes_straight_back_to_a_registered_uri() {
    let app = spawn_app().await;
    app.web_client("webapp").await;

    let response = app
        .get("/logout?client_id=webapp&post_logout_redirect_uri=https%3A%2F%2Frp.example.com%2Fbye")
        .await;

    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), BYE);
}
