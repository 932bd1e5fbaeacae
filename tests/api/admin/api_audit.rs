//! `/api/v1/audit-events`: filtered, newest first, paged with a cursor; both roles read it.

use reqwest::Method;
use serde_json::{Value, json};
use tapid::directory::Role;

use crate::helpers::spawn_app;

fn actions(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn events_are_filtered_by_user_action_and_severity_newest_first() {
    let app = spawn_app().await;
    let (_, desk) = app.admin_and_helpdesk_tokens().await;
    let bob = app.add_user("bob", &[], &[]).await;
    app.add_user("ann", &[Role::Admin], &[]).await;
    app.issue_pass("bob", Default::default()).await;
    app.issue_pass("ann", Default::default()).await;

    let bobs = app
        .call(
            Method::GET,
            &format!("/api/v1/audit-events?user_id={}", bob.id),
            &desk,
            None,
        )
        .await
        .expect(200);
    assert_eq!(actions(&bobs), ["tap.issued", "user.created"]);

    let high = app
        .call(
            Method::GET,
            "/api/v1/audit-events?action=tap.&severity=high",
            &desk,
            None,
        )
        .await
        .expect(200);
    // The first-run pass for `admin` is high too: passes for role holders are.
    let targets: Vec<&str> = high["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["target"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(targets, ["ann", "admin"]);
    assert!(actions(&high).iter().all(|a| a == "tap.issued"));

    let seqs: Vec<i64> = app
        .call(Method::GET, "/api/v1/audit-events", &desk, None)
        .await
        .expect(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert!(
        seqs.windows(2).all(|w| w[0] > w[1]),
        "newest first: {seqs:?}"
    );
}

#[tokio::test]
async fn the_cursor_walks_every_event_once() {
    let app = spawn_app().await;
    let (admin, _) = app.admin_and_helpdesk_tokens().await;
    for name in ["a1", "a2", "a3", "a4", "a5"] {
        app.add_user(name, &[], &[]).await;
    }

    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = app
            .call(
                Method::GET,
                &format!("/api/v1/audit-events?action=user.created&limit=2&cursor={cursor}"),
                &admin,
                None,
            )
            .await
            .expect(200);
        for e in page["items"].as_array().unwrap() {
            seen.push(e["target"]["name"].as_str().unwrap().to_string());
        }
        match page["next"].as_str() {
            Some(next) => cursor = next.to_string(),
            None => break,
        }
    }

    assert_eq!(seen, ["a5", "a4", "a3", "a2", "a1", "admin"]);
}

#[tokio::test]
async fn a_time_range_limits_the_events() {
    let app = spawn_app().await;
    let (admin, _) = app.admin_and_helpdesk_tokens().await;
    app.add_user("bob", &[], &[]).await;

    let future = app
        .call(
            Method::GET,
            "/api/v1/audit-events?since=2999-01-01T00:00:00Z",
            &admin,
            None,
        )
        .await
        .expect(200);
    let past = app
        .call(
            Method::GET,
            "/api/v1/audit-events?until=2000-01-01T00:00:00Z",
            &admin,
            None,
        )
        .await
        .expect(200);
    let now = app
        .call(
            Method::GET,
            "/api/v1/audit-events?since=2000-01-01T00:00:00Z&until=2999-01-01T00:00:00Z",
            &admin,
            None,
        )
        .await
        .expect(200);

    assert_eq!(future["items"], json!([]));
    assert_eq!(past["items"], json!([]));
    assert!(actions(&now).contains(&"user.created".to_string()));
}

#[tokio::test]
async fn bad_filters_are_refused_with_a_reason() {
    let app = spawn_app().await;
    let (admin, _) = app.admin_and_helpdesk_tokens().await;

    for (query, words) in [
        ("severity=urgent", "The severity is info or high."),
        ("since=yesterday", "RFC 3339"),
        ("cursor=abc", "invalid cursor"),
        ("action=DROP%20TABLE", "lower-case words"),
        (
            "since=2020-01-02T00:00:00Z&until=2020-01-01T00:00:00Z",
            "after its end",
        ),
        ("colour=red", "invalid query"),
    ] {
        app.call(
            Method::GET,
            &format!("/api/v1/audit-events?{query}"),
            &admin,
            None,
        )
        .await
        .refused(422, words);
    }
}

#[tokio::test]
async fn only_the_two_roles_read_the_audit_trail() {
    let app = spawn_app().await;
    let client = app
        .add_client(
            "plain",
            &["--grant", "client_credentials", "--scope", "tapid:admin"],
        )
        .await;
    let token = app.client_credentials_token(&client).await;

    app.call(Method::GET, "/api/v1/audit-events", &token, None)
        .await
        .refused(403, "admin or helpdesk");
    let anonymous = app.get("/api/v1/audit-events").await;
    assert_eq!(anonymous.status(), 401);
    assert!(anonymous.headers().contains_key("www-authenticate"));
}
