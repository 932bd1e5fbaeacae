//! A 404 or 405 in a person's browser is a readable page with a way back, and so is a form the page
//! could not read; API clients keep JSON.

use reqwest::header::{ACCEPT, ALLOW, CONTENT_TYPE};

use crate::helpers::admin::text_of;
use crate::helpers::spawn_app;

const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

#[tokio::test]
async fn an_unknown_address_in_a_browser_is_a_page_with_a_way_back() {
    let app = spawn_app().await;

    let response = app
        .client
        .get(app.url("/no-such-page"))
        .header(ACCEPT, BROWSER)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 404);
    assert!(
        response.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = response.text().await.unwrap();
    assert_eq!(text_of(&html, "h1").as_deref(), Some("Page not found"));
    assert!(
        html.contains("href=\"/security-info\""),
        "a way back: {html}"
    );
    assert!(!html.contains("\"error\""), "no JSON: {html}");
}

#[tokio::test]
async fn a_form_sent_to_a_page_that_only_shows_is_a_405_page_that_keeps_its_allow_header() {
    let app = spawn_app().await;

    let response = app
        .client
        .post(app.url("/admin/audit"))
        .header(ACCEPT, BROWSER)
        .form(&[("x", "1")])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 405);
    assert!(response.headers()[ALLOW].to_str().unwrap().contains("GET"));
    assert!(
        response.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = response.text().await.unwrap();
    assert_eq!(
        text_of(&html, "h1").as_deref(),
        Some("This page cannot do that")
    );
}

#[tokio::test]
async fn api_clients_keep_json_for_unknown_addresses() {
    let app = spawn_app().await;

    for (path, accept) in [
        ("/api/v1/no-such-thing", BROWSER),
        ("/scim/v2/NoSuchThing", BROWSER),
        ("/no-such-page", "application/json"),
        ("/no-such-page", "*/*"),
    ] {
        let response = app
            .client
            .get(app.url(path))
            .header(ACCEPT, accept)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404, "{path}");
        let kind = response.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .to_string();
        assert!(kind.contains("json"), "{path} with {accept}: {kind}");
    }
}

#[tokio::test]
async fn a_form_a_page_cannot_read_is_a_page_in_plain_words_not_the_frameworks_text() {
    let app = spawn_app().await;

    for path in ["/login/tap", "/login"] {
        let response = app
            .client
            .post(app.url(path))
            .header(ACCEPT, BROWSER)
            .header("origin", app.issuer.as_str())
            .form(&[("unexpected", "1")])
            .send()
            .await
            .unwrap();

        let status = response.status().as_u16();
        assert!((400..500).contains(&status), "{path}: {status}");
        assert!(
            response.headers()[CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{path}"
        );
        let html = response.text().await.unwrap();
        assert!(!html.contains('`'), "{path}: no quoted internals: {html}");
        assert!(!html.contains("deserialize"), "{path}: {html}");
    }
}
