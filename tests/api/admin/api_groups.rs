//! `/api/v1/groups…`: groups are for administrators; memberships follow the rule for the member.

use reqwest::Method;
use serde_json::json;
use tapid::directory::Role;

use crate::helpers::spawn_app;

#[tokio::test]
async fn an_admin_creates_a_group_adds_and_removes_a_member_and_removes_it() {
    let app = spawn_app().await;
    let (admin, _) = app.admin_and_helpdesk_tokens().await;
    let bob = app.add_user("bob", &[], &[]).await;

    let group = app
        .call(
            Method::POST,
            "/api/v1/groups",
            &admin,
            Some(json!({ "name": "staff" })),
        )
        .await
        .expect(201);
    let gid = group["id"].as_str().unwrap();
    let member = format!("/api/v1/groups/{gid}/members/{}", bob.id);

    let added = app
        .call(Method::PUT, &member, &admin, None)
        .await
        .expect(200);
    assert_eq!(added["changed"], true);
    let again = app
        .call(Method::PUT, &member, &admin, None)
        .await
        .expect(200);
    assert_eq!(again["changed"], false);
    let shown = app
        .call(Method::GET, &format!("/api/v1/groups/{gid}"), &admin, None)
        .await
        .expect(200);
    assert_eq!(shown["members"], 1);
    assert_eq!(shown["member_list"][0]["username"], "bob");
    let listed = app
        .call(Method::GET, "/api/v1/groups", &admin, None)
        .await
        .expect(200);
    assert_eq!(listed[0]["name"], "staff");

    app.call(Method::DELETE, &member, &admin, None)
        .await
        .expect(200);
    app.call(Method::DELETE, &member, &admin, None)
        .await
        .refused(404, "is not a member of the group");
    app.call(
        Method::DELETE,
        &format!("/api/v1/groups/{gid}"),
        &admin,
        None,
    )
    .await
    .expect(200);
    assert_eq!(
        app.events("group.member_added").await[0]
            .actor_id
            .as_deref(),
        Some("ops")
    );
    assert_eq!(app.events("group.removed").await.len(), 1);
}

#[tokio::test]
async fn helpdesk_reads_groups_and_changes_memberships_only_of_users_without_a_role() {
    let app = spawn_app().await;
    let (_, desk) = app.admin_and_helpdesk_tokens().await;
    app.add_group("staff").await;
    let gid = tapid::directory::groups::get(&app.db, "staff")
        .await
        .unwrap()
        .id;
    let bob = app.add_user("bob", &[], &[]).await;
    let ann = app.add_user("ann", &[Role::Admin], &[]).await;

    app.call(Method::GET, "/api/v1/groups", &desk, None)
        .await
        .expect(200);
    app.call(
        Method::POST,
        "/api/v1/groups",
        &desk,
        Some(json!({ "name": "x" })),
    )
    .await
    .refused(403, "only the admin role may create groups");
    app.call(
        Method::DELETE,
        &format!("/api/v1/groups/{gid}"),
        &desk,
        None,
    )
    .await
    .refused(403, "only the admin role may remove groups");
    app.call(
        Method::PUT,
        &format!("/api/v1/groups/{gid}/members/{}", bob.id),
        &desk,
        None,
    )
    .await
    .expect(200);
    app.call(
        Method::PUT,
        &format!("/api/v1/groups/{gid}/members/{}", ann.id),
        &desk,
        None,
    )
    .await
    .refused(403, "only for users who hold no role");
}

#[tokio::test]
async fn an_unknown_group_or_duplicate_name_is_a_clear_error() {
    let app = spawn_app().await;
    let (admin, _) = app.admin_and_helpdesk_tokens().await;
    app.add_group("staff").await;

    app.call(Method::GET, "/api/v1/groups/nope", &admin, None)
        .await
        .refused(404, "group");
    app.call(
        Method::POST,
        "/api/v1/groups",
        &admin,
        Some(json!({ "name": "STAFF" })),
    )
    .await
    .refused(409, "already exists");
    app.call(
        Method::POST,
        "/api/v1/groups",
        &admin,
        Some(json!({ "name": "" })),
    )
    .await
    .refused(422, "invalid group name");
}
