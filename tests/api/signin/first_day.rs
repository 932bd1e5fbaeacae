//! First day, clearer: the methods page puts the pass first, named for a first day, on a browser where
//! nobody has signed in with a method yet (never from the account typed: the page reveals nothing
//! about it); every sign-in page of an authorization request names the application it continues to,
//! with its logo; and a passkey is registered with one button, named after its authenticator or the
//! browser, and renamed afterwards.

use crate::helpers::signin::{SoftPasskey, WebauthnAuthenticator, location};
use crate::helpers::{TestApp, spawn_app};

use super::audit_events;

/// The ids of the page's elements that have one of `ids`, in document order.
fn order_of(html: &str, ids: &[&str]) -> Vec<String> {
    let document = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse("[id]").unwrap();
    document
        .select(&selector)
        .filter_map(|e| e.value().id())
        .filter(|id| ids.contains(id))
        .map(String::from)
        .collect()
}

fn text_of(html: &str, selector: &str) -> Option<String> {
    scraper::Html::parse_document(html)
        .select(&scraper::Selector::parse(selector).unwrap())
        .next()
        .map(|e| e.text().collect::<String>())
}

async fn methods_page(app: &TestApp, login: &str, username: &str) -> String {
    let methods = location(&app.enter_username(login, username).await);
    app.get(&methods).await.text().await.unwrap()
}

const OPTIONS: &[&str] = &["tap-link", "passkey-button", "totp-link"];

#[tokio::test]
async fn on_a_browser_where_nobody_has_signed_in_the_pass_comes_first_named_for_a_first_day() {
    let app = spawn_app().await;
    app.arrange_user("nina").await;

    let html = methods_page(&app, "/login", "nina").await;

    assert_eq!(
        order_of(&html, OPTIONS),
        ["tap-link", "passkey-button", "totp-link"]
    );
    let offer = text_of(&html, "#pass-offer").unwrap();
    assert!(offer.contains("First day, or lost your phone?"), "{offer}");
    assert!(
        offer.contains("Use the Temporary Access Pass from your helpdesk"),
        "{offer}"
    );
    let passkey_only = methods_page(&app, "/login?level=phr&return_to=%2Fadmin", "nina").await;
    assert_eq!(
        order_of(&passkey_only, OPTIONS),
        ["tap-link", "passkey-button"],
        "the same order where only a passkey will do"
    );
}

#[tokio::test]
async fn after_a_sign_in_with_a_method_on_this_browser_the_methods_come_first_and_the_pass_last() {
    let app = spawn_app().await;
    let secret = app.arrange_user_with_totp("ann").await;
    app.sign_in_with_totp_from("/login", "ann", &secret).await;
    app.sign_out().await;

    let html = methods_page(&app, "/login", "ann").await;
    let passkey_only = methods_page(&app, "/login?level=phr&return_to=%2Fadmin", "ann").await;

    assert_eq!(
        order_of(&html, OPTIONS),
        ["passkey-button", "totp-link", "tap-link"]
    );
    assert_eq!(
        order_of(&passkey_only, OPTIONS),
        ["passkey-button", "tap-link"]
    );
    assert!(
        text_of(&html, "#pass-offer")
            .unwrap()
            .contains("First day, or lost your phone?")
    );
}

#[tokio::test]
async fn a_pass_sign_in_alone_does_not_make_the_browser_a_returning_one() {
    let app = spawn_app().await;
    let passcode = app.arrange_pass("tom", false).await;
    app.sign_in_with_tap_from("/login", "tom", &passcode).await;
    app.sign_out().await;

    let html = methods_page(&app, "/login", "tom").await;

    assert_eq!(order_of(&html, OPTIONS)[0], "tap-link");
}

#[tokio::test]
async fn the_choice_of_methods_reads_the_same_for_an_account_with_methods_one_without_and_none() {
    let app = spawn_app().await;
    app.arrange_user_with_totp("has.app").await;
    app.arrange_user("has.nothing").await;

    let mut pages = Vec::new();
    for name in ["has.app", "has.nothing", "nobody.here"] {
        let browser = app.new_browser();
        let html = methods_page(&browser, "/login", name).await;
        let csrf = crate::helpers::signin::data_csrf(&html).unwrap();
        pages.push(html.replace(&csrf, "CSRF").replace(name, "NAME"));
    }

    assert_eq!(pages[0], pages[1]);
    assert_eq!(pages[1], pages[2]);
}

/// Registers an application with a display name holding markup and a logo, and starts its
/// authorization request; returns the `/login?…` it leads to.
async fn start_request(app: &TestApp, args: &[&str]) -> String {
    let mut all = vec!["--redirect-uri", "https://rp.example.com/cb"];
    all.extend_from_slice(args);
    app.add_client("intranet", &all).await;
    let (_, challenge) = crate::helpers::oidc::pkce_pair();
    let response = app
        .authorize(&[
            ("response_type", "code"),
            ("client_id", "intranet"),
            ("redirect_uri", "https://rp.example.com/cb"),
            ("scope", "openid"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ])
        .await;
    location(&response)
}

const MARKUP_NAME: &str = "Acme <b>Intranet</b> & co";
const LOGO: &str = "https://cdn.acme.example/logo.png";

fn assert_names_the_application(html: &str, page: &str) {
    let said = text_of(html, "#application").unwrap_or_else(|| panic!("{page}: no application"));
    assert!(
        said.contains("Sign in to continue to Acme <b>Intranet</b> & co"),
        "{page}: {said}"
    );
    assert!(
        html.contains("Acme &#60;b&#62;Intranet&#60;/b&#62; &#38; co")
            || html.contains("Acme &lt;b&gt;Intranet&lt;/b&gt; &amp; co"),
        "{page}: the name is escaped"
    );
    assert!(!html.contains("<b>Intranet</b>"), "{page}: no markup");
    let document = scraper::Html::parse_document(html);
    let img = document
        .select(&scraper::Selector::parse("#application img").unwrap())
        .next()
        .unwrap_or_else(|| panic!("{page}: no logo"));
    assert_eq!(img.value().attr("src"), Some(LOGO));
    assert_eq!(
        img.value().attr("alt"),
        Some("Acme <b>Intranet</b> & co logo")
    );
    assert_eq!(img.value().attr("width"), Some("40"));
}

#[tokio::test]
async fn every_sign_in_page_of_an_authorization_request_names_its_application_escaped_with_its_logo()
 {
    let app = spawn_app().await;
    let passcode = app.arrange_pass("nina", false).await;
    let login = start_request(&app, &["--name", MARKUP_NAME, "--logo-uri", LOGO]).await;

    let first = app.get(&login).await;
    let csp = first.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert_names_the_application(&first.text().await.unwrap(), "username page");
    assert!(
        csp.contains("img-src 'self' data: https://cdn.acme.example;"),
        "{csp}"
    );
    let methods = location(&app.enter_username(&login, "nina").await);
    let page = |path: String| {
        let app = &app;
        async move { app.get(&path).await.text().await.unwrap() }
    };
    assert_names_the_application(&page(methods.clone()).await, "methods page");
    assert_names_the_application(
        &page(methods.replacen("/login/methods", "/login/totp", 1)).await,
        "app code page",
    );
    assert_names_the_application(
        &page(methods.replacen("/login/methods", "/login/tap", 1)).await,
        "pass page",
    );
    let setup = app.sign_in_with_tap_from(&login, "nina", &passcode).await;
    assert_names_the_application(&page(setup).await, "setup page");
}

#[tokio::test]
async fn an_application_without_a_name_is_named_by_its_client_id_and_without_a_logo_no_image_loads()
{
    let app = spawn_app().await;
    let login = start_request(&app, &[]).await;

    let response = app.get(&login).await;
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    let html = response.text().await.unwrap();

    assert!(
        text_of(&html, "#application")
            .unwrap()
            .contains("Sign in to continue to intranet")
    );
    assert!(!html.contains("<img"));
    assert!(csp.contains("img-src 'self' data:;"), "{csp}");
    let plain = app.get("/login").await.text().await.unwrap();
    assert!(
        text_of(&plain, "#application").is_none(),
        "no request, no application"
    );
}

#[tokio::test]
async fn a_logo_must_be_an_absolute_https_url_with_http_only_for_localhost() {
    let app = spawn_app().await;
    for bad in [
        "http://cdn.acme.example/logo.png",
        "javascript:alert(1)",
        "/logo.png",
        "data:image/png;base64,AAAA",
        "https://user:pw@cdn.acme.example/logo.png",
    ] {
        let out = app
            .cli(&[
                "client",
                "add",
                "bad",
                "--redirect-uri",
                "https://rp.example.com/cb",
                "--logo-uri",
                bad,
            ])
            .await;
        assert!(!out.success, "{bad} accepted");
        assert!(out.stderr.contains("The logo URL"), "{bad}: {}", out.stderr);
    }
    app.add_client(
        "dev",
        &[
            "--redirect-uri",
            "http://localhost:5173/cb",
            "--logo-uri",
            "http://localhost:5173/logo.svg",
        ],
    )
    .await;
    let shown = app.cli(&["client", "show", "dev", "--json"]).await;
    assert_eq!(shown.json()["logo_uri"], "http://localhost:5173/logo.svg");
    app.cli(&["client", "update", "dev", "--no-logo"])
        .await
        .ok();
    let shown = app.cli(&["client", "show", "dev", "--json"]).await;
    assert!(shown.json()["logo_uri"].is_null());
    assert!(
        audit_events(&app, "client.updated")
            .await
            .iter()
            .any(|(_, _, details)| details.contains("logo_uri"))
    );
}

#[tokio::test]
async fn a_passkey_registered_with_the_one_button_is_named_after_the_browser_it_was_added_from() {
    let app = spawn_app().await;
    let passcode = app.arrange_pass("nina", false).await;
    app.sign_in_with_tap_from("/login", "nina", &passcode).await;
    let setup = app.get("/security-info/setup").await.text().await.unwrap();
    assert!(
        !setup.contains("passkey-name"),
        "no name is asked for before the button"
    );
    assert!(setup.contains("Your device will ask for your fingerprint, face or PIN."));
    let csrf = crate::helpers::signin::data_csrf(&setup).unwrap();

    let begin = app
        .post_script(
            "/security-info/passkey/begin",
            &csrf,
            &serde_json::json!({}),
        )
        .await;
    let options: webauthn_rs::prelude::CreationChallengeResponse = begin.json().await.unwrap();
    let mut authenticator = SoftPasskey::new(true);
    let credential = authenticator
        .do_registration(app.origin(), options)
        .unwrap();
    let finish = app
        .client
        .post(app.url("/security-info/passkey/finish"))
        .header("X-CSRF-Token", &csrf)
        .header(
            "User-Agent",
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        )
        .json(&serde_json::json!({ "credential": credential }))
        .send()
        .await
        .unwrap();

    assert_eq!(finish.status(), 200);
    let names = sqlx::query_scalar::<sqlx::Any, String>("SELECT name FROM methods")
        .fetch_all(app.db.pool())
        .await
        .unwrap();
    assert_eq!(names, ["Chrome on Linux"]);
}

async fn renamed(app: &TestApp, id: &str, csrf: &str, name: &str) -> reqwest::Response {
    app.post_form(
        &format!("/security-info/methods/{id}/rename"),
        &[("csrf", csrf), ("name", name)],
    )
    .await
}

#[tokio::test]
async fn renaming_a_method_needs_the_forms_token_and_a_name_of_1_to_64_printable_characters() {
    let app = spawn_app().await;
    let secret = app.arrange_user_with_totp("alice").await;
    app.sign_in_with_totp_from("/login", "alice", &secret).await;
    let id = sqlx::query_scalar::<sqlx::Any, String>("SELECT id FROM methods")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let csrf = app.csrf_from("/security-info").await;

    let forged = renamed(&app, &id, "not-the-token", "Forged").await;
    assert_eq!(forged.status(), 403, "a wrong form token is refused");
    for bad in ["", "   ", &"x".repeat(65), "tab\tname", "Phone\u{202E}"] {
        let refused = renamed(&app, &id, &csrf, bad).await;
        assert_eq!(refused.status(), 422, "{bad:?}");
        let html = refused.text().await.unwrap();
        assert!(
            html.contains(
                "A name needs 1 to 64 characters, and no invisible or control characters."
            ),
            "{bad:?}"
        );
    }
    let kept = sqlx::query_scalar::<sqlx::Any, String>("SELECT name FROM methods")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(kept, "Phone");
    assert!(audit_events(&app, "method.renamed").await.is_empty());

    let ok = renamed(&app, &id, &csrf, &"y".repeat(64)).await;
    assert_eq!(ok.status(), 303);
    assert_eq!(audit_events(&app, "method.renamed").await.len(), 1);
}
