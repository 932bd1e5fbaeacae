//! Registering webhooks through the admin API and the console: administrators only, the secret shown
//! once, each change an audit event, the delivery state visible.

use reqwest::Method;
use serde_json::json;
use tapid::directory::Role;

use crate::helpers::spawn_app;

#[tokio::test]
async fn administrators_register_and_remove_webhooks_through_the_api_and_helpdesk_may_not() {
    let app = spawn_app().await;
    let (admin, helpdesk) = app.admin_and_helpdesk_tokens().await;
    let body = json!({ "url": "https://siem.example.com/tapid", "event_types": ["tap.issued", "tap.locked"], "high_only": true });

    app.call(
        Method::POST,
        "/api/v1/webhooks",
        &helpdesk,
        Some(body.clone()),
    )
    .await
    .refused(403, "admin");
    let created = app
        .call(Method::POST, "/api/v1/webhooks", &admin, Some(body))
        .await
        .expect(201);
    let secret = created["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_"));
    assert_eq!(created["event_types"], json!(["tap.issued", "tap.locked"]));
    assert_eq!(created["high_only"], true);
    let id = created["id"].as_str().unwrap();

    let listed = app
        .call(Method::GET, "/api/v1/webhooks", &admin, None)
        .await
        .expect(200);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert!(
        !listed.to_string().contains(secret),
        "the secret is shown once"
    );
    app.call(
        Method::POST,
        "/api/v1/webhooks",
        &admin,
        Some(json!({ "url": "https://x.example.com", "event_types": ["not a type"] })),
    )
    .await
    .refused(422, "not an event type");

    let removed = app
        .call(
            Method::DELETE,
            &format!("/api/v1/webhooks/{id}"),
            &admin,
            None,
        )
        .await
        .expect(200);
    assert_eq!(removed["id"], id);
    app.call(Method::GET, &format!("/api/v1/webhooks/{id}"), &admin, None)
        .await
        .expect(404);
    let actions: Vec<String> = app
        .events("webhook.")
        .await
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(
        actions.contains(&"webhook.created".to_string()),
        "{actions:?}"
    );
    assert!(
        actions.contains(&"webhook.removed".to_string()),
        "{actions:?}"
    );
}

#[tokio::test]
async fn the_console_registers_a_webhook_shows_its_secret_once_and_its_delivery_state() {
    let app = spawn_app().await;
    let ann = app.add_user("ann", &[Role::Admin], &[]).await;
    let console = app.console_as(&ann, "phr").await;

    let response = console
        .post(
            "/admin/webhooks",
            &[
                ("url", "http://127.0.0.1:9/unreachable"),
                ("event_types", "tap.* policy.updated"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303, "post/redirect/get");
    let shown_at = response.headers()["location"].to_str().unwrap().to_string();
    let (_, shown) = console.page(&shown_at).await;
    let secret = shown
        .split("id=\"webhook-secret\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap()
        .to_string();
    assert!(secret.starts_with("whsec_"), "{shown}");

    app.arrange_pass("bob", true).await;
    let (status, page) = console.page("/admin/webhooks").await;
    assert_eq!(status, 200);
    assert!(page.contains("http://127.0.0.1:9/unreachable"), "{page}");
    assert!(page.contains("policy.updated tap.*"), "{page}");
    assert!(
        page.contains("class=\"pending\">1<"),
        "the pass event waits: {page}"
    );
    assert!(!page.contains(&secret), "the secret is shown once");

    let helpdesk = app.add_user("hal", &[Role::Helpdesk], &[]).await;
    let desk = app.console_as(&helpdesk, "phr").await;
    let (status, _) = desk.page("/admin/webhooks").await;
    assert_eq!(status, 403);
}
