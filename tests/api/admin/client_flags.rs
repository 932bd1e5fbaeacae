//! A client's require-PAR and require-DPoP flags on the console's client page and in the admin API.

use reqwest::Method;
use serde_json::json;
use tapid::directory::Role;

use crate::helpers::admin::text_of;
use crate::helpers::spawn_app;

#[tokio::test]
async fn the_client_page_shows_and_edits_require_par_and_require_dpop() {
    let app = spawn_app().await;
    app.web_client("web").await;
    let root = app.add_user("root", &[Role::Admin], &[]).await;
    let console = app.console_as(&root, "phr").await;
    let (_, page) = console.page("/admin/clients/web").await;
    assert!(
        text_of(&page, "#require-par")
            .unwrap()
            .starts_with("accepted, not required")
    );
    assert!(
        text_of(&page, "#require-dpop")
            .unwrap()
            .starts_with("accepted, not required")
    );
    assert!(!page.contains(r#"aria-describedby="dpop-hint" checked>"#));

    let uris = "https://rp.example.com/cb";
    let edited = console
        .post(
            "/admin/clients/web",
            &[
                ("redirect_uris", uris),
                ("flags", "1"),
                ("require_pushed_authorization_requests", "1"),
                ("dpop_bound_access_tokens", "1"),
            ],
        )
        .await;
    assert_eq!(edited.status(), 303);
    let (_, page) = console.page("/admin/clients/web").await;
    assert!(
        text_of(&page, "#require-par")
            .unwrap()
            .starts_with("required")
    );
    assert!(
        text_of(&page, "#require-dpop")
            .unwrap()
            .starts_with("required")
    );
    assert!(
        page.contains(r#"aria-describedby="dpop-hint" checked>"#),
        "the box shows it"
    );
    let web = tapid::oidc::clients::get(&app.db, "web").await.unwrap();
    assert!(web.require_pushed_authorization_requests && web.dpop_bound_access_tokens);

    // The form's boxes left empty turn both off again.
    let cleared = console
        .post(
            "/admin/clients/web",
            &[("redirect_uris", uris), ("flags", "1")],
        )
        .await;
    assert_eq!(cleared.status(), 303);
    let web = tapid::oidc::clients::get(&app.db, "web").await.unwrap();
    assert!(!web.require_pushed_authorization_requests && !web.dpop_bound_access_tokens);

    // A form without the boxes (`flags` absent) leaves them as they are.
    app.cli(&["client", "update", "web", "--require-dpop"])
        .await
        .ok();
    console
        .post("/admin/clients/web", &[("redirect_uris", uris)])
        .await;
    let web = tapid::oidc::clients::get(&app.db, "web").await.unwrap();
    assert!(web.dpop_bound_access_tokens);
}

#[tokio::test]
async fn the_api_sets_and_clears_dpop_bound_access_tokens() {
    let app = spawn_app().await;
    let (admin, _) = app.admin_and_helpdesk_tokens().await;
    let created = app
        .call(
            Method::POST,
            "/api/v1/clients",
            &admin,
            Some(json!({ "id": "svc", "grant_types": ["client_credentials"], "dpop_bound_access_tokens": true })),
        )
        .await
        .expect(201);
    assert_eq!(created["dpop_bound_access_tokens"], true, "{created}");
    let changed = app
        .call(
            Method::PATCH,
            "/api/v1/clients/svc",
            &admin,
            Some(json!({ "dpop_bound_access_tokens": false })),
        )
        .await
        .expect(200);
    assert_eq!(changed["dpop_bound_access_tokens"], false, "{changed}");
    let audit = app.cli(&["audit", "list", "--json"]).await;
    assert!(audit.ok().contains("dpop_bound_access_tokens"));
}
