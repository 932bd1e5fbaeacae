//! `/api/v1/clients…`: administrators only; a secret is shown once.

use reqwest::Method;
use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn an_admin_registers_a_client_sees_its_secret_once_edits_and_removes_it() {
    let app = spawn_app().await;
    let (admin, _) = app.admin_and_helpdesk_tokens().await;

    let created = app
        .call(
            Method::POST,
            "/api/v1/clients",
            &admin,
            Some(json!({
                "id": "shop", "name": "Shop", "redirect_uris": ["https://shop.example.com/cb"]
            })),
        )
        .await;
    assert_eq!(created.headers["cache-control"], "no-store");
    let created = created.expect(201);
    let secret = created["client_secret"].as_str().unwrap();
    assert!(secret.len() >= 32);

    let shown = app
        .call(Method::GET, "/api/v1/clients/shop", &admin, None)
        .await
        .expect(200);
    assert!(shown.get("client_secret").is_none());
    assert!(!shown.to_string().contains(secret));

    let edited = app
        .call(
            Method::PATCH,
            "/api/v1/clients/shop",
            &admin,
            Some(json!({
                "redirect_uris": ["https://shop.example.com/cb", "https://shop.example.com/cb2"]
            })),
        )
        .await
        .expect(200);
    assert_eq!(edited["redirect_uris"].as_array().unwrap().len(), 2);
    let listed = app
        .call(Method::GET, "/api/v1/clients", &admin, None)
        .await
        .expect(200);
    assert!(listed.as_array().unwrap().iter().any(|c| c["id"] == "shop"));

    app.call(Method::DELETE, "/api/v1/clients/shop", &admin, None)
        .await
        .expect(200);
    app.call(Method::GET, "/api/v1/clients/shop", &admin, None)
        .await
        .refused(404, "client");
    assert_eq!(
        app.events("client.created").await[0].actor_id.as_deref(),
        Some("ops")
    );
    assert_eq!(
        app.events("client.updated").await[0].actor_id.as_deref(),
        Some("ops")
    );
}

#[tokio::test]
async fn helpdesk_may_not_read_or_change_clients() {
    let app = spawn_app().await;
    let (_, desk) = app.admin_and_helpdesk_tokens().await;

    for (method, path, body) in [
        (Method::GET, "/api/v1/clients", None),
        (
            Method::POST,
            "/api/v1/clients",
            Some(json!({ "id": "x", "redirect_uris": ["https://x.example.com/cb"] })),
        ),
        (Method::GET, "/api/v1/clients/desk", None),
        (
            Method::PATCH,
            "/api/v1/clients/desk",
            Some(json!({ "roles": ["admin"] })),
        ),
        (Method::DELETE, "/api/v1/clients/desk", None),
    ] {
        app.call(method, path, &desk, body)
            .await
            .refused(403, "only the admin role may manage clients");
    }
    assert!(
        tapid::oidc::clients::find(&app.db, "desk")
            .await
            .unwrap()
            .unwrap()
            .roles
            .len()
            == 1
    );
}

#[tokio::test]
async fn invalid_client_registrations_name_the_problem() {
    let app = spawn_app().await;
    let (admin, _) = app.admin_and_helpdesk_tokens().await;

    app.call(
        Method::POST,
        "/api/v1/clients",
        &admin,
        Some(json!({ "id": "a", "redirect_uris": ["http://evil.example.com/cb"] })),
    )
    .await
    .refused(422, "http is allowed only for localhost");
    app.call(
        Method::POST,
        "/api/v1/clients",
        &admin,
        Some(json!({ "id": "a b", "redirect_uris": ["https://a.example.com/cb"] })),
    )
    .await
    .refused(422, "invalid client id");
    app.call(
        Method::POST,
        "/api/v1/clients",
        &admin,
        Some(json!({ "id": "a", "grant_types": ["implicit"] })),
    )
    .await
    .refused(422, "is not a grant type");
    app.call(
        Method::POST,
        "/api/v1/clients",
        &admin,
        Some(json!({ "id": "ops", "grant_types": ["client_credentials"] })),
    )
    .await
    .refused(409, "already exists");
}

#[tokio::test]
async fn a_new_secret_is_returned_once_and_the_old_one_stops_working() {
    let app = spawn_app().await;
    let (admin, _) = app.admin_and_helpdesk_tokens().await;
    let old = app.service_client("svc", "openid").await;

    let answer = app
        .call(
            Method::PATCH,
            "/api/v1/clients/svc",
            &admin,
            Some(json!({ "new_secret": true })),
        )
        .await
        .expect(200);
    let new_secret = answer["client_secret"].as_str().unwrap();

    let client = tapid::oidc::clients::get(&app.db, "svc").await.unwrap();
    assert!(client.verify_secret(new_secret));
    assert!(!client.verify_secret(old.secret.as_deref().unwrap()));
}
