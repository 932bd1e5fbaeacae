//! `/api/v1/users…`: finding, reading, creating, changing and removing users, with the role rules.

use reqwest::Method;
use serde_json::json;
use tapid::directory::Role;

use crate::helpers::spawn_app;

#[tokio::test]
async fn an_admin_client_creates_finds_changes_and_removes_a_user() {
    let app = spawn_app().await;
    let (admin, _) = app.admin_and_helpdesk_tokens().await;

    let created = app
        .call(Method::POST, "/api/v1/users", &admin, Some(json!({
            "username": "Carol.K", "display_name": "Carol King", "email": "carol@example.com", "roles": ["helpdesk"]
        })))
        .await
        .expect(201);
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(created["roles"], json!(["helpdesk"]));

    let found = app
        .call(Method::GET, "/api/v1/users?search=KING", &admin, None)
        .await
        .expect(200);
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    assert_eq!(found["items"][0]["username"], "Carol.K");

    let changed = app
        .call(
            Method::PATCH,
            &format!("/api/v1/users/{id}"),
            &admin,
            Some(json!({
                "display_name": null, "roles": [], "enabled": false
            })),
        )
        .await
        .expect(200);
    assert_eq!(changed["display_name"], json!(null));
    assert_eq!(changed["roles"], json!([]));
    assert_eq!(changed["enabled"], false);

    app.call(Method::DELETE, &format!("/api/v1/users/{id}"), &admin, None)
        .await
        .expect(200);
    app.call(Method::GET, &format!("/api/v1/users/{id}"), &admin, None)
        .await
        .refused(404, "There is no user with the id");
    let created_event = &app.events("user.created").await[0];
    assert_eq!(created_event.actor_id.as_deref(), Some("ops"));
    assert_eq!(
        app.events("user.disabled").await[0].actor_id.as_deref(),
        Some("ops")
    );
}

#[tokio::test]
async fn the_user_list_pages_by_username() {
    let app = spawn_app().await;
    let (admin, _) = app.admin_and_helpdesk_tokens().await;
    for name in ["u1", "u2", "u3"] {
        app.add_user(name, &[], &[]).await;
    }

    let first = app
        .call(Method::GET, "/api/v1/users?search=u&limit=2", &admin, None)
        .await
        .expect(200);
    let next = first["next"].as_str().unwrap();
    let second = app
        .call(
            Method::GET,
            &format!("/api/v1/users?search=u&limit=2&offset={next}"),
            &admin,
            None,
        )
        .await
        .expect(200);

    let names = |page: &serde_json::Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["username"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names(&first), ["u1", "u2"]);
    assert_eq!(names(&second), ["u3"]);
    assert!(second["next"].is_null());
}

#[tokio::test]
async fn the_user_detail_shows_groups_methods_pass_and_sign_ins() {
    let app = spawn_app().await;
    let (admin, _) = app.admin_and_helpdesk_tokens().await;
    app.add_group("staff").await;
    let bob = app.add_user("bob", &[], &["staff"]).await;
    app.arrange_user_with_totp("bob").await;
    app.issue_pass("bob", Default::default()).await;

    let detail = app
        .call(
            Method::GET,
            &format!("/api/v1/users/{}", bob.id),
            &admin,
            None,
        )
        .await
        .expect(200);

    assert_eq!(detail["groups"], json!(["staff"]));
    assert_eq!(detail["methods"][0]["kind"], "totp");
    assert_eq!(detail["pass"]["reason"], "EnabledByPolicy");
    assert!(detail["recent_sign_ins"].is_array());
    assert!(detail["pass"].get("passcode").is_none());
}

#[tokio::test]
async fn helpdesk_creates_and_edits_users_without_roles_but_never_grants_roles() {
    let app = spawn_app().await;
    let (_, desk) = app.admin_and_helpdesk_tokens().await;

    let bob = app
        .call(
            Method::POST,
            "/api/v1/users",
            &desk,
            Some(json!({ "username": "bob" })),
        )
        .await
        .expect(201);
    app.call(
        Method::PATCH,
        &format!("/api/v1/users/{}", bob["id"].as_str().unwrap()),
        &desk,
        Some(json!({ "email": "bob@example.com", "enabled": false })),
    )
    .await
    .expect(200);

    app.call(
        Method::POST,
        "/api/v1/users",
        &desk,
        Some(json!({ "username": "eve", "roles": ["admin"] })),
    )
    .await
    .refused(403, "only the admin role may grant roles");
    app.call(
        Method::PATCH,
        &format!("/api/v1/users/{}", bob["id"].as_str().unwrap()),
        &desk,
        Some(json!({ "roles": ["helpdesk"] })),
    )
    .await
    .refused(403, "only the admin role may change roles");
    app.call(
        Method::DELETE,
        &format!("/api/v1/users/{}", bob["id"].as_str().unwrap()),
        &desk,
        None,
    )
    .await
    .refused(403, "only the admin role may remove users");
}

#[tokio::test]
async fn helpdesk_cannot_touch_a_user_who_holds_a_role() {
    let app = spawn_app().await;
    let (_, desk) = app.admin_and_helpdesk_tokens().await;
    let ann = app.add_user("ann", &[Role::Admin], &[]).await;
    let path = format!("/api/v1/users/{}", ann.id);

    app.call(Method::GET, &path, &desk, None).await.expect(200);
    app.call(
        Method::PATCH,
        &path,
        &desk,
        Some(json!({ "email": "x@example.com" })),
    )
    .await
    .refused(403, "only for users who hold no role");
    app.call(
        Method::PATCH,
        &path,
        &desk,
        Some(json!({ "enabled": false })),
    )
    .await
    .refused(403, "only for users who hold no role");
    assert!(app.user("ann").await.enabled);
}

#[tokio::test]
async fn nobody_changes_their_own_roles_or_disables_themselves() {
    let app = spawn_app().await;
    let ann = app.add_user("ann", &[Role::Admin], &[]).await;
    let token = app.user_api_token(&ann, "phr").await;
    let path = format!("/api/v1/users/{}", ann.id);

    app.call(Method::PATCH, &path, &token, Some(json!({ "roles": [] })))
        .await
        .refused(403, "for themselves");
    app.call(
        Method::PATCH,
        &path,
        &token,
        Some(json!({ "enabled": false })),
    )
    .await
    .refused(403, "for themselves");
    app.call(Method::DELETE, &path, &token, None)
        .await
        .refused(403, "for themselves");
    app.call(
        Method::PATCH,
        &path,
        &token,
        Some(json!({ "display_name": "Ann" })),
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn a_client_without_a_role_reads_no_users() {
    let app = spawn_app().await;
    let client = app
        .add_client(
            "plain",
            &["--grant", "client_credentials", "--scope", "tapid:admin"],
        )
        .await;
    let token = app.client_credentials_token(&client).await;

    app.call(Method::GET, "/api/v1/users", &token, None)
        .await
        .refused(403, "admin or helpdesk");
    app.call(
        Method::POST,
        "/api/v1/users",
        &token,
        Some(json!({ "username": "x" })),
    )
    .await
    .refused(403, "admin or helpdesk");
}

#[tokio::test]
async fn disabling_a_user_ends_their_sessions() {
    let app = spawn_app().await;
    let (admin, _) = app.admin_and_helpdesk_tokens().await;
    let bob = app.add_user("bob", &[], &[]).await;
    let issued = app.issue_pass("bob", Default::default()).await;
    let sid = app.session_from_pass(&bob, &issued.pass.id).await;

    app.call(
        Method::PATCH,
        &format!("/api/v1/users/{}", bob.id),
        &admin,
        Some(json!({ "enabled": false })),
    )
    .await
    .expect(200);

    assert!(!app.session_exists(&sid).await);
}

#[tokio::test]
async fn bad_user_input_is_a_json_error_naming_the_field() {
    let app = spawn_app().await;
    let (admin, _) = app.admin_and_helpdesk_tokens().await;

    app.call(
        Method::POST,
        "/api/v1/users",
        &admin,
        Some(json!({ "username": "a b" })),
    )
    .await
    .refused(422, "invalid username");
    app.call(
        Method::POST,
        "/api/v1/users",
        &admin,
        Some(json!({ "username": "ok", "email": "nope" })),
    )
    .await
    .refused(422, "is not a valid email address");
    app.call(
        Method::POST,
        "/api/v1/users",
        &admin,
        Some(json!({ "username": "ok", "rolez": [] })),
    )
    .await
    .refused(422, "rolez");
    app.call(Method::GET, "/api/v1/users?limit=many", &admin, None)
        .await
        .refused(422, "invalid query");
    app.add_user("dup", &[], &[]).await;
    app.call(
        Method::POST,
        "/api/v1/users",
        &admin,
        Some(json!({ "username": "DUP" })),
    )
    .await
    .refused(409, "already exists");
}
