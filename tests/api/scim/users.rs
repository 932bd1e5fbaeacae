//! `/scim/v2/Users`: create, read, replace, patch, deactivate and delete, each audited with the
//! provisioning client as actor.

use reqwest::Method;
use serde_json::json;

use super::{ENTERPRISE, PATCH, new_user, scim_error};
use crate::helpers::spawn_app;

#[tokio::test]
async fn a_provisioned_user_keeps_core_and_enterprise_attributes_and_the_change_is_audited() {
    let app = spawn_app().await;
    let token = app.scim_token("hr", "helpdesk").await;
    let manager = app.add_user("boss", &[], &[]).await;
    let mut body = new_user("alice");
    body[ENTERPRISE]["manager"] = json!({ "value": manager.id });

    let created = app.scim(Method::POST, "/Users", &token, Some(body)).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let location = created.headers["location"].to_str().unwrap().to_string();
    let etag = created.headers["etag"].to_str().unwrap().to_string();
    let user = created.body;
    let id = user["id"].as_str().unwrap();

    assert!(location.ends_with(&format!("/scim/v2/Users/{id}")));
    assert_eq!(user["meta"]["version"], etag);
    assert_eq!(user["userName"], "alice");
    assert_eq!(user["externalId"], "hr-alice");
    assert_eq!(user["name"]["familyName"], "alice");
    assert_eq!(user["emails"][0]["value"], "alice@example.com");
    assert_eq!(user[ENTERPRISE]["employeeNumber"], "E5");
    assert_eq!(user[ENTERPRISE]["department"], "Sales");
    assert_eq!(user[ENTERPRISE]["manager"]["value"], manager.id);
    let read = app
        .scim(Method::GET, &format!("/Users/{id}"), &token, None)
        .await
        .expect(200);
    assert_eq!(read, user);
    let events = app.events_about(id).await;
    let actions: Vec<&str> = events.iter().map(|(a, _, _)| a.as_str()).collect();
    assert_eq!(actions, ["user.created", "user.profile_updated"]);
    assert!(
        events
            .iter()
            .all(|(_, kind, actor)| kind == "client" && actor.as_deref() == Some("hr"))
    );
}

#[tokio::test]
async fn put_replaces_the_user_and_if_match_refuses_a_stale_version() {
    let app = spawn_app().await;
    let token = app.scim_token("hr", "helpdesk").await;
    let user = app
        .scim(Method::POST, "/Users", &token, Some(new_user("bob")))
        .await
        .expect(201);
    let id = user["id"].as_str().unwrap();
    let old_etag = user["meta"]["version"].as_str().unwrap().to_string();
    let mut replacement = new_user("bob");
    replacement["displayName"] = json!("Robert");
    replacement.as_object_mut().unwrap().remove(ENTERPRISE);

    let replaced = app
        .scim_with(
            Method::PUT,
            &format!("/Users/{id}"),
            &token,
            Some(replacement.clone()),
            Some(&old_etag),
        )
        .await
        .expect(200);
    assert_eq!(replaced["displayName"], "Robert");
    assert!(replaced.get(ENTERPRISE).is_none(), "{replaced}");
    assert_ne!(replaced["meta"]["version"], old_etag.as_str());

    replacement["displayName"] = json!("Bobby");
    let stale = app
        .scim_with(
            Method::PUT,
            &format!("/Users/{id}"),
            &token,
            Some(replacement),
            Some(&old_etag),
        )
        .await;
    scim_error(stale, 412, None);
    let now = app
        .scim(Method::GET, &format!("/Users/{id}"), &token, None)
        .await
        .expect(200);
    assert_eq!(now["displayName"], "Robert");
}

#[tokio::test]
async fn patch_adds_replaces_and_removes_attributes_by_path() {
    let app = spawn_app().await;
    let token = app.scim_token("hr", "helpdesk").await;
    let user = app
        .scim(Method::POST, "/Users", &token, Some(new_user("carol")))
        .await
        .expect(201);
    let id = user["id"].as_str().unwrap();
    let patch = json!({
        "schemas": [PATCH],
        "Operations": [
            { "op": "replace", "path": "name.givenName", "value": "Caroline" },
            { "op": "Replace", "path": "emails[type eq \"work\"].value", "value": "caro@example.com" },
            { "op": "add", "path": format!("{ENTERPRISE}:department"), "value": "Finance" },
            { "op": "remove", "path": "displayName" },
            { "op": "add", "value": { "timezone": "Europe/Berlin", "externalId": "hr-9" } },
        ]
    });

    let patched = app
        .scim(Method::PATCH, &format!("/Users/{id}"), &token, Some(patch))
        .await
        .expect(200);

    assert_eq!(patched["name"]["givenName"], "Caroline");
    assert_eq!(patched["emails"][0]["value"], "caro@example.com");
    assert_eq!(patched[ENTERPRISE]["department"], "Finance");
    assert_eq!(patched[ENTERPRISE]["employeeNumber"], "E5");
    assert!(patched.get("displayName").is_none(), "{patched}");
    assert_eq!(patched["timezone"], "Europe/Berlin");
    assert_eq!(patched["externalId"], "hr-9");
    let stored = app.user("carol").await;
    assert_eq!(stored.email.as_deref(), Some("caro@example.com"));
    assert_eq!(stored.display_name, None);
}

#[tokio::test]
async fn deactivating_a_user_disables_them_and_signs_them_out_everywhere() {
    let app = spawn_app().await;
    let token = app.scim_token("hr", "helpdesk").await;
    let user = app
        .scim(Method::POST, "/Users", &token, Some(new_user("dave")))
        .await
        .expect(201);
    let id = user["id"].as_str().unwrap();
    let dave = app.user("dave").await;
    let browser = app.console_as(&dave, "1fa").await;
    let before = browser.get("/security-info").await;
    assert_eq!(before.status(), 200);
    let patch = json!({
        "schemas": [PATCH],
        "Operations": [{ "op": "replace", "path": "active", "value": false }]
    });

    let patched = app
        .scim(Method::PATCH, &format!("/Users/{id}"), &token, Some(patch))
        .await
        .expect(200);

    assert_eq!(patched["active"], false);
    assert!(!app.user("dave").await.enabled);
    let after = browser.get("/security-info").await;
    assert_ne!(after.status(), 200, "the session must have ended");
    let (sessions,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM sessions WHERE user_id = $1")
        .bind(id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(sessions, 0);
    let events = app.events_about(id).await;
    assert!(
        events
            .iter()
            .any(|(a, k, _)| a == "user.disabled" && k == "client"),
        "{events:?}"
    );
}

#[tokio::test]
async fn deleting_a_user_removes_them_and_keeps_the_audit_trail_intact() {
    let app = spawn_app().await;
    let token = app.scim_token("hr", "admin").await;
    let user = app
        .scim(Method::POST, "/Users", &token, Some(new_user("erin")))
        .await
        .expect(201);
    let id = user["id"].as_str().unwrap();
    let stale_tag = "W/\"not-the-version\"";
    scim_error(
        app.scim_with(
            Method::DELETE,
            &format!("/Users/{id}"),
            &token,
            None,
            Some(stale_tag),
        )
        .await,
        412,
        None,
    );

    let deleted = app
        .scim(Method::DELETE, &format!("/Users/{id}"), &token, None)
        .await;

    assert_eq!(deleted.status, 204);
    scim_error(
        app.scim(Method::GET, &format!("/Users/{id}"), &token, None)
            .await,
        404,
        None,
    );
    let actions: Vec<String> = app
        .events_about(id)
        .await
        .into_iter()
        .map(|e| e.0)
        .collect();
    assert_eq!(
        actions,
        ["user.created", "user.profile_updated", "user.removed"]
    );
    let verify = app.cli(&["audit", "verify"]).await;
    verify.ok();
}

#[tokio::test]
async fn bad_user_bodies_get_scim_errors_with_their_scim_type() {
    let app = spawn_app().await;
    let token = app.scim_token("hr", "admin").await;
    let taken = app
        .scim(Method::POST, "/Users", &token, Some(new_user("frank")))
        .await
        .expect(201);
    let id = taken["id"].as_str().unwrap();
    let path = format!("/Users/{id}");
    let patch = |ops: serde_json::Value| json!({ "schemas": [PATCH], "Operations": ops });

    scim_error(
        app.scim(Method::POST, "/Users", &token, Some(new_user("FRANK")))
            .await,
        409,
        Some("uniqueness"),
    );
    scim_error(
        app.scim(
            Method::POST,
            "/Users",
            &token,
            Some(json!({"displayName": "x"})),
        )
        .await,
        400,
        Some("invalidValue"),
    );
    scim_error(
        app.scim(
            Method::POST,
            "/Users",
            &token,
            Some(json!({"userName": "bad name!"})),
        )
        .await,
        400,
        Some("invalidValue"),
    );
    scim_error(
        app.scim(Method::POST, "/Users", &token, Some(json!([1, 2])))
            .await,
        400,
        Some("invalidSyntax"),
    );
    let mut renamed = new_user("frankie");
    renamed["id"] = json!(id);
    scim_error(
        app.scim(Method::PUT, &path, &token, Some(renamed)).await,
        400,
        Some("mutability"),
    );
    scim_error(
        app.scim(
            Method::PATCH,
            &path,
            &token,
            Some(patch(json!([{"op": "remove"}]))),
        )
        .await,
        400,
        Some("noTarget"),
    );
    scim_error(
        app.scim(
            Method::PATCH,
            &path,
            &token,
            Some(patch(
                json!([{"op": "replace", "path": "emails[type eq", "value": 1}]),
            )),
        )
        .await,
        400,
        Some("invalidPath"),
    );
    scim_error(
        app.scim(
            Method::PATCH,
            &path,
            &token,
            Some(patch(
                json!([{"op": "replace", "path": "id", "value": "x"}]),
            )),
        )
        .await,
        400,
        Some("mutability"),
    );
    scim_error(
        app.scim(
            Method::PATCH,
            &path,
            &token,
            Some(patch(json!([{"op": "explode", "path": "id"}]))),
        )
        .await,
        400,
        Some("invalidSyntax"),
    );
    let mut manager = new_user("gina");
    manager[ENTERPRISE]["manager"] = json!({ "value": "nobody" });
    scim_error(
        app.scim(Method::POST, "/Users", &token, Some(manager))
            .await,
        400,
        Some("invalidValue"),
    );
    assert!(
        tapid::directory::users::find_by_username(&app.db, "gina")
            .await
            .unwrap()
            .is_none()
    );
    scim_error(
        app.scim(Method::GET, "/Users/no-such-id", &token, None)
            .await,
        404,
        None,
    );
}
