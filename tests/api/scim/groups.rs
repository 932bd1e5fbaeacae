//! `/scim/v2/Groups`: groups and their members, through the same service functions as the console.

use reqwest::Method;
use serde_json::json;

use super::{GROUP, PATCH, new_user, scim_error};
use crate::helpers::spawn_app;

#[tokio::test]
async fn group_members_are_added_and_removed_by_patch_paths_and_each_change_is_audited() {
    let app = spawn_app().await;
    let token = app.scim_token("hr", "admin").await;
    let mut ids = Vec::new();
    for name in ["ann", "ben", "cat"] {
        let user = app
            .scim(Method::POST, "/Users", &token, Some(new_user(name)))
            .await
            .expect(201);
        ids.push(user["id"].as_str().unwrap().to_string());
    }
    let group = app
        .scim(
            Method::POST,
            "/Groups",
            &token,
            Some(json!({
                "schemas": [GROUP],
                "displayName": "sales",
                "externalId": "hr-g1",
                "members": [{ "value": ids[0] }]
            })),
        )
        .await
        .expect(201);
    let gid = group["id"].as_str().unwrap();
    assert_eq!(group["members"][0]["value"], ids[0].as_str());
    let path = format!("/Groups/{gid}");

    let added = app
        .scim(
            Method::PATCH,
            &path,
            &token,
            Some(json!({ "schemas": [PATCH], "Operations": [
                { "op": "add", "path": "members", "value": [{ "value": ids[1] }, { "value": ids[2] }] },
                { "op": "remove", "path": format!("members[value eq \"{}\"]", ids[0]) },
            ]})),
        )
        .await
        .expect(200);

    let mut members: Vec<&str> = added["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["value"].as_str().unwrap())
        .collect();
    members.sort();
    let mut expected = vec![ids[1].as_str(), ids[2].as_str()];
    expected.sort();
    assert_eq!(members, expected);
    let user = app
        .scim(Method::GET, &format!("/Users/{}", ids[1]), &token, None)
        .await
        .expect(200);
    assert_eq!(user["groups"][0]["value"], gid);
    let events = app.events_about(&ids[0]).await;
    assert!(
        events
            .iter()
            .any(|(a, k, _)| a == "group.member_removed" && k == "client"),
        "{events:?}"
    );

    let replaced = app
        .scim(
            Method::PUT,
            &path,
            &token,
            Some(json!({ "schemas": [GROUP], "displayName": "sales-emea", "members": [] })),
        )
        .await
        .expect(200);
    assert_eq!(replaced["displayName"], "sales-emea");
    assert!(replaced.get("members").is_none(), "{replaced}");
    assert!(replaced.get("externalId").is_none(), "{replaced}");
    assert_eq!(app.db_group_members("sales-emea").await, 0);

    let removed = app.scim(Method::DELETE, &path, &token, None).await;
    assert_eq!(removed.status, 204);
    scim_error(app.scim(Method::GET, &path, &token, None).await, 404, None);
}

#[tokio::test]
async fn a_helpdesk_client_manages_people_without_roles_but_not_groups_or_administrators() {
    let app = spawn_app().await;
    let token = app.scim_token("hr", "helpdesk").await;
    let admin = app
        .add_user("root", &[tapid::directory::Role::Admin], &[])
        .await;
    app.add_group("staff").await;

    let group = app
        .scim(
            Method::POST,
            "/Groups",
            &token,
            Some(json!({ "schemas": [GROUP], "displayName": "ops" })),
        )
        .await;
    scim_error(group, 403, None);
    let patch = json!({ "schemas": [PATCH], "Operations": [{ "op": "replace", "path": "active", "value": false }] });
    let disable = app
        .scim(
            Method::PATCH,
            &format!("/Users/{}", admin.id),
            &token,
            Some(patch),
        )
        .await;
    scim_error(disable, 403, None);
    assert!(app.user("root").await.enabled);
    let delete = app
        .scim(
            Method::DELETE,
            &format!("/Users/{}", admin.id),
            &token,
            None,
        )
        .await;
    scim_error(delete, 403, None);
}

impl crate::helpers::TestApp {
    async fn db_group_members(&self, name: &str) -> i64 {
        let group = tapid::directory::groups::get(&self.db, name).await.unwrap();
        group.members
    }
}
