//! A client's access-token signing algorithm through the admin API and the console.

use reqwest::Method;
use serde_json::json;
use tapid::directory::Role;

use crate::helpers::admin::text_of;
use crate::helpers::spawn_app;

#[tokio::test]
async fn the_api_sets_and_changes_a_clients_access_token_alg_and_refuses_an_unknown_one() {
    let app = spawn_app().await;
    let (admin, _) = app.admin_and_helpdesk_tokens().await;

    let created = app
        .call(
            Method::POST,
            "/api/v1/clients",
            &admin,
            Some(json!({ "id": "svc", "grant_types": ["client_credentials"], "access_token_alg": "ES256" })),
        )
        .await
        .expect(201);
    let defaulted = app
        .call(
            Method::POST,
            "/api/v1/clients",
            &admin,
            Some(json!({ "id": "plain", "grant_types": ["client_credentials"] })),
        )
        .await
        .expect(201);
    let changed = app
        .call(
            Method::PATCH,
            "/api/v1/clients/svc",
            &admin,
            Some(json!({ "access_token_alg": "EdDSA" })),
        )
        .await
        .expect(200);

    assert_eq!(created["access_token_alg"], "ES256");
    assert_eq!(defaulted["access_token_alg"], "RS256");
    assert_eq!(changed["access_token_alg"], "EdDSA");
    assert_eq!(
        changed["id_token_alg"], "RS256",
        "the ID token alg is its own"
    );
    app.call(
        Method::POST,
        "/api/v1/clients",
        &admin,
        Some(json!({ "id": "bad", "grant_types": ["client_credentials"], "access_token_alg": "HS256" })),
    )
    .await
    .refused(422, "HS256 cannot sign access tokens");
    app.call(
        Method::PATCH,
        "/api/v1/clients/svc",
        &admin,
        Some(json!({ "access_token_alg": "none" })),
    )
    .await
    .refused(422, "none cannot sign access tokens");
    app.call(
        Method::PATCH,
        "/api/v1/clients/svc",
        &admin,
        Some(json!({ "access_token_alg": 256 })),
    )
    .await
    .refused(422, "expected a string");
    assert!(
        tapid::oidc::clients::find(&app.db, "bad")
            .await
            .unwrap()
            .is_none()
    );
    let svc = tapid::oidc::clients::get(&app.db, "svc").await.unwrap();
    assert_eq!(svc.access_token_alg.as_str(), "EdDSA");
}

#[tokio::test]
async fn the_console_registers_and_edits_a_clients_access_token_alg() {
    let app = spawn_app().await;
    let root = app.add_user("root", &[Role::Admin], &[]).await;
    let console = app.console_as(&root, "phr").await;
    let (_, form) = console.page("/admin/clients").await;
    assert!(
        form.contains(r#"<option value="RS256" selected>"#),
        "RS256 is preselected"
    );

    let created = console
        .post(
            "/admin/clients",
            &[
                ("id", "svc"),
                ("grant", "client_credentials"),
                ("id_token_alg", "RS256"),
                ("access_token_alg", "ES256"),
            ],
        )
        .await;
    assert_eq!(
        created.status(),
        303,
        "to the secret page (post/redirect/get)"
    );
    let (_, page) = console.page("/admin/clients/svc").await;
    assert_eq!(text_of(&page, "#access-token-alg").unwrap(), "ES256");

    let edited = console
        .post(
            "/admin/clients/svc",
            &[("redirect_uris", ""), ("access_token_alg", "EdDSA")],
        )
        .await;
    assert_eq!(edited.status(), 303);
    let (_, page) = console.page("/admin/clients/svc").await;
    assert_eq!(text_of(&page, "#access-token-alg").unwrap(), "EdDSA");
    assert!(page.contains(r#"<option value="EdDSA" selected>"#));

    let refused = console
        .post(
            "/admin/clients/svc",
            &[("redirect_uris", ""), ("access_token_alg", "HS256")],
        )
        .await;
    assert_eq!(refused.status(), 422);
    let html = refused.text().await.unwrap();
    assert!(
        text_of(&html, "#form-error")
            .unwrap()
            .contains("HS256 cannot sign access tokens")
    );
    let svc = tapid::oidc::clients::get(&app.db, "svc").await.unwrap();
    assert_eq!(svc.access_token_alg.as_str(), "EdDSA");
}
