//! What a person reads when the console refuses something is a plain sentence: no quoted internals
//! (backticks), no Rust or enum names (`OneTimeUsed`, `NotFound`), no command-line flags. The API
//! keeps its stable error codes. And the names people read — an application's, a person's — refuse
//! the invisible characters that make one name look like another (U+202E and the rest of Cf).

use reqwest::{Method, StatusCode};
use serde_json::json;
use tapid::directory::Role;

use crate::helpers::admin::text_of;
use crate::helpers::spawn_app;

/// Asserts that `text` reads as a sentence written for people.
fn assert_plain_sentence(text: &str) {
    assert!(!text.is_empty(), "an error was shown");
    assert!(!text.contains('`'), "no backticks: {text:?}");
    assert!(!text.contains("--"), "no command-line flags: {text:?}");
    assert!(text.ends_with('.'), "a full sentence: {text:?}");
    let camel = text
        .split(|c: char| !c.is_alphanumeric())
        .find(|w| w.chars().skip(1).any(char::is_uppercase) && w.chars().any(char::is_lowercase));
    assert_eq!(camel, None, "no CamelCase code name in {text:?}");
}

#[tokio::test]
async fn console_errors_are_plain_sentences_without_code_names() {
    let app = spawn_app().await;
    let ann = app.add_user("ann", &[Role::Admin], &[]).await;
    let console = app.console_as(&ann, "phr").await;
    app.add_user("sam", &[], &[]).await;
    let off = app.add_user("off", &[], &[]).await;
    app.cli(&["user", "disable", "off"]).await.ok();

    let mut shown = Vec::new();
    let form_error = |html: &str| text_of(html, "#form-error").unwrap_or_default();
    let page_error = |html: &str| text_of(html, "[role=alert]").unwrap_or_default();

    // A user who exists already.
    let answer = console.post("/admin/users", &[("username", "sam")]).await;
    assert_eq!(answer.status(), StatusCode::CONFLICT);
    let said = form_error(&answer.text().await.unwrap());
    assert_eq!(said, "A user named sam already exists.");
    shown.push(said);

    // A client twice, and a client with a redirect URI that is not one.
    let client = [
        ("id", "intranet"),
        ("redirect_uris", "https://intranet.example/cb"),
        ("grant", "authorization_code"),
    ];
    console.post("/admin/clients", &client).await;
    let answer = console.post("/admin/clients", &client).await;
    let said = form_error(&answer.text().await.unwrap());
    assert_eq!(said, "A client with the id intranet already exists.");
    shown.push(said);
    let answer = console
        .post(
            "/admin/clients",
            &[
                ("id", "shop"),
                ("redirect_uris", "not a uri"),
                ("grant", "authorization_code"),
            ],
        )
        .await;
    assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY);
    shown.push(form_error(&answer.text().await.unwrap()));
    let answer = console
        .post(
            "/admin/clients",
            &[("id", "shop"), ("grant", "authorization_code")],
        )
        .await;
    let said = form_error(&answer.text().await.unwrap());
    assert!(said.contains("redirect URI"), "{said}");
    shown.push(said);

    // A pass for a disabled account, and a page for a user who is not there.
    let (_, page) = console.page(&format!("/admin/users/{}/pass", off.id)).await;
    let once = crate::helpers::signin::form_field(&page, "once").unwrap_or_default();
    let answer = console
        .post(
            &format!("/admin/users/{}/pass", off.id),
            &[
                ("once", once.as_str()),
                ("lifetime", "60"),
                ("start_mode", "now"),
            ],
        )
        .await;
    assert_eq!(answer.status(), StatusCode::FORBIDDEN);
    let said = page_error(&answer.text().await.unwrap());
    assert_eq!(
        said,
        "off's account is disabled, so no pass can be issued for it."
    );
    shown.push(said);
    let (status, page) = console.page("/admin/users/no-such-id").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    shown.push(page_error(&page));

    // Audit filters a person mistyped.
    let (_, page) = console.page("/admin/audit?severity=urgent").await;
    let said = form_error(&page);
    assert_eq!(said, "The severity is info or high.");
    shown.push(said);
    let (_, page) = console.page("/admin/audit?action=Tap.Issued").await;
    shown.push(form_error(&page));

    // A group that exists already.
    let answer = console.post("/admin/groups", &[("name", "staff")]).await;
    assert!(answer.status().is_redirection(), "{}", answer.status());
    let answer = console.post("/admin/groups", &[("name", "staff")]).await;
    let html = answer.text().await.unwrap();
    let said = text_of(&html, "[role=alert]").unwrap_or_default();
    assert_eq!(said, "A group named staff already exists.");
    shown.push(said);

    for said in &shown {
        assert_plain_sentence(said);
    }
    // The API keeps its stable codes.
    let token = app.api_token("ops", Role::Admin).await;
    let answer = app
        .call(
            Method::POST,
            "/api/v1/users",
            &token,
            Some(json!({ "username": "sam" })),
        )
        .await;
    assert_eq!(answer.body["error"], "conflict");
    assert_eq!(answer.body["message"], "A user named sam already exists.");
}

const OVERRIDE: &str = "Acme \u{202E}tenartnI";

#[tokio::test]
async fn an_application_name_with_a_bidi_override_is_refused_in_the_api_and_the_console() {
    let app = spawn_app().await;
    let ann = app.add_user("ann", &[Role::Admin], &[]).await;
    let console = app.console_as(&ann, "phr").await;
    let token = app.api_token("ops", Role::Admin).await;

    let answer = app
        .call(
            Method::POST,
            "/api/v1/clients",
            &token,
            Some(json!({
                "id": "acme", "name": OVERRIDE, "redirect_uris": ["https://acme.example/cb"]
            })),
        )
        .await;
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        answer.body
    );
    assert_eq!(answer.body["error"], "invalid_request");
    assert!(
        answer.body["message"]
            .as_str()
            .unwrap()
            .contains("invisible"),
        "{}",
        answer.body
    );

    let answer = console
        .post(
            "/admin/clients",
            &[
                ("id", "acme"),
                ("name", OVERRIDE),
                ("redirect_uris", "https://acme.example/cb"),
            ],
        )
        .await;
    assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let said = text_of(&answer.text().await.unwrap(), "#form-error").unwrap();
    assert!(said.contains("invisible"), "{said}");
    assert_plain_sentence(&said);

    // A name changed later is held to the same rule; a plain one still goes through.
    app.call(
        Method::POST,
        "/api/v1/clients",
        &token,
        Some(json!({ "id": "acme", "name": "Acme", "redirect_uris": ["https://acme.example/cb"] })),
    )
    .await
    .expect(201);
    app.call(
        Method::PATCH,
        "/api/v1/clients/acme",
        &token,
        Some(json!({ "name": "Acme\u{200B}" })),
    )
    .await
    .refused(422, "invisible");
    let listed = app
        .call(Method::GET, "/api/v1/clients/acme", &token, None)
        .await
        .expect(200);
    assert_eq!(listed["name"], "Acme");
}

#[tokio::test]
async fn a_display_name_with_a_bidi_override_is_refused_in_the_api_and_the_console() {
    let app = spawn_app().await;
    let ann = app.add_user("ann", &[Role::Admin], &[]).await;
    let console = app.console_as(&ann, "phr").await;
    let token = app.api_token("ops", Role::Admin).await;

    app.call(
        Method::POST,
        "/api/v1/users",
        &token,
        Some(json!({ "username": "sam", "display_name": OVERRIDE })),
    )
    .await
    .refused(422, "invisible");

    let answer = console
        .post(
            "/admin/users",
            &[("username", "sam"), ("display_name", OVERRIDE)],
        )
        .await;
    assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let said = text_of(&answer.text().await.unwrap(), "#form-error").unwrap();
    assert!(said.contains("invisible"), "{said}");
    assert_plain_sentence(&said);
    assert!(
        app.cli(&["user", "show", "sam"])
            .await
            .stderr
            .contains("There is no user named sam."),
        "nothing was created"
    );
}
