//! `/api/v1/policy`: either role reads it; only administrators change it, within the rules.

use reqwest::Method;
use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn an_admin_changes_the_policy_and_it_is_recorded_with_the_caller() {
    let app = spawn_app().await;
    let (admin, _) = app.admin_and_helpdesk_tokens().await;
    app.add_group("staff").await;

    let policy = app
        .call(
            Method::PATCH,
            "/api/v1/policy",
            &admin,
            Some(json!({
                "max_lifetime": 600, "default_lifetime": 120, "one_time_required": true,
                "include_groups": ["staff"]
            })),
        )
        .await
        .expect(200);

    assert_eq!(policy["max_lifetime"], 600);
    assert_eq!(policy["default_lifetime"], 120);
    assert_eq!(policy["all_users"], false);
    assert_eq!(policy["include_groups"][0]["name"], "staff");
    let event = &app.events("policy.updated").await[0];
    assert_eq!(event.actor_id.as_deref(), Some("ops"));
    assert_eq!(event.severity, "high");
    let read = app
        .call(Method::GET, "/api/v1/policy", &admin, None)
        .await
        .expect(200);
    assert_eq!(read, policy);
}

#[tokio::test]
async fn helpdesk_reads_the_policy_but_cannot_change_it() {
    let app = spawn_app().await;
    let (_, desk) = app.admin_and_helpdesk_tokens().await;

    let policy = app
        .call(Method::GET, "/api/v1/policy", &desk, None)
        .await
        .expect(200);
    assert_eq!(policy["default_lifetime"], 60);
    app.call(
        Method::PATCH,
        "/api/v1/policy",
        &desk,
        Some(json!({ "enabled": false })),
    )
    .await
    .refused(
        403,
        "only the admin role may change the Temporary Access Pass policy",
    );
    assert!(app.events("policy.updated").await.is_empty());
}

#[tokio::test]
async fn an_out_of_range_policy_is_refused_and_nothing_changes() {
    let app = spawn_app().await;
    let (admin, _) = app.admin_and_helpdesk_tokens().await;

    app.call(
        Method::PATCH,
        "/api/v1/policy",
        &admin,
        Some(json!({ "max_lifetime": 50000 })),
    )
    .await
    .refused(422, "the maximum lifetime must be between 10 and 43200");
    app.call(
        Method::PATCH,
        "/api/v1/policy",
        &admin,
        Some(json!({ "default_lifetime": 500 })),
    )
    .await
    .refused(422, "at most the default one");
    app.call(
        Method::PATCH,
        "/api/v1/policy",
        &admin,
        Some(json!({ "include_groups": ["ghosts"] })),
    )
    .await
    .refused(422, "There is no group named ghosts.");
    app.call(
        Method::PATCH,
        "/api/v1/policy",
        &admin,
        Some(json!({ "min_lifetime": -1 })),
    )
    .await
    .refused(422, "invalid request body");

    let policy = app
        .call(Method::GET, "/api/v1/policy", &admin, None)
        .await
        .expect(200);
    assert_eq!(policy["max_lifetime"], 480);
}
