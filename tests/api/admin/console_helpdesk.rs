//! The helpdesk's day in the console: find a user, issue a pass and read it once, remove a lost
//! phone, read the audit trail — and the refusals (admins, policy, clients).

use tapid::directory::Role;

use crate::helpers::admin::{Console, text_of};
use crate::helpers::signin::location;
use crate::helpers::{TestApp, spawn_app};

async fn helpdesk(app: &TestApp) -> (tapid::directory::User, Console) {
    let hal = app.add_user("hal", &[Role::Helpdesk], &[]).await;
    let console = app.console_as(&hal, "phr").await;
    (hal, console)
}

#[tokio::test]
async fn helpdesk_finds_a_new_user_and_issues_a_pass_shown_once() {
    let app = spawn_app().await;
    let (hal, console) = helpdesk(&app).await;
    let bob = app.add_user("bob.new", &[], &[]).await;

    let (status, list) = console.page("/admin/users?q=bob").await;
    assert_eq!(status, 200);
    assert!(list.contains(&format!("/admin/users/{}", bob.id)));
    let (status, form) = console.page(&format!("/admin/users/{}/pass", bob.id)).await;
    assert_eq!(status, 200);
    assert!(form.contains("1 hour (default)"));

    let response = console
        .post(
            &format!("/admin/users/{}/pass", bob.id),
            &[
                ("lifetime", "120"),
                ("start_mode", "now"),
                ("use", "one-time"),
            ],
        )
        .await;

    assert_eq!(response.status(), 303, "post/redirect/get");
    let response = console.get(&location(&response)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let html = response.text().await.unwrap();
    let passcode: String = text_of(&html, "#passcode")
        .unwrap()
        .split_whitespace()
        .collect();
    assert!(html.contains("will not be shown again"));
    assert!(html.contains("id=\"copy-passcode\""));
    assert!(app.check_pass("bob.new", &passcode).await.is_ok());
    let event = &app.events("tap.issued").await[0];
    assert_eq!(event.actor_id.as_deref(), Some(hal.id.as_str()));
    assert_eq!(event.target_id.as_deref(), Some(bob.id.as_str()));
    let (_, page) = console.page(&format!("/admin/users/{}", bob.id)).await;
    assert!(!page.contains(&passcode), "the passcode is shown only once");
    assert!(
        page.contains("A sign-in with it is in progress"),
        "held by the sign-in of the check above"
    );
}

#[tokio::test]
async fn a_lifetime_outside_the_policy_is_refused_on_the_form() {
    let app = spawn_app().await;
    let (_, console) = helpdesk(&app).await;
    let bob = app.add_user("bob", &[], &[]).await;

    let response = console
        .post(
            &format!("/admin/users/{}/pass", bob.id),
            &[("lifetime", "5000")],
        )
        .await;

    assert_eq!(response.status(), 422);
    let html = response.text().await.unwrap();
    assert!(
        text_of(&html, "#form-error")
            .unwrap()
            .contains("between 60 and 480")
    );
}

#[tokio::test]
async fn helpdesk_cannot_issue_a_pass_for_an_admin_or_change_their_account() {
    let app = spawn_app().await;
    let (_, console) = helpdesk(&app).await;
    let ann = app.add_user("ann", &[Role::Admin], &[]).await;

    let (status, page) = console.page(&format!("/admin/users/{}", ann.id)).await;
    assert_eq!(status, 200);
    assert!(!page.contains("id=\"issue-pass\""));
    assert!(!page.contains("id=\"edit-user-form\""));
    let issued = console
        .post(
            &format!("/admin/users/{}/pass", ann.id),
            &[("lifetime", "60")],
        )
        .await;
    let edited = console
        .post(
            &format!("/admin/users/{}", ann.id),
            &[("email", "x@example.com")],
        )
        .await;

    assert_eq!(issued.status(), 403);
    assert!(
        issued
            .text()
            .await
            .unwrap()
            .contains("only for users who hold no role")
    );
    assert_eq!(edited.status(), 403);
    assert!(app.user("ann").await.email.is_none());
}

#[tokio::test]
async fn helpdesk_cannot_change_the_policy_or_see_clients() {
    let app = spawn_app().await;
    let (_, console) = helpdesk(&app).await;

    let (status, policy) = console.page("/admin/policy").await;
    assert_eq!(status, 200);
    assert!(policy.contains("id=\"read-only\""));
    let change = console
        .post(
            "/admin/policy",
            &[
                ("min_lifetime", "10"),
                ("default_lifetime", "10"),
                ("max_lifetime", "10"),
            ],
        )
        .await;
    let (clients, _) = console.page("/admin/clients").await;
    let add_client = console
        .post(
            "/admin/clients",
            &[
                ("id", "sneaky"),
                ("redirect_uris", "https://x.example.com/cb"),
            ],
        )
        .await;

    assert_eq!(change.status(), 403);
    assert_eq!(clients, 403);
    assert_eq!(add_client.status(), 403);
    assert!(app.events("policy.updated").await.is_empty());
    assert!(
        tapid::oidc::clients::find(&app.db, "sneaky")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn the_lost_phone_flow_removes_every_method_after_confirmation() {
    let app = spawn_app().await;
    let (hal, console) = helpdesk(&app).await;
    app.arrange_user_with_totp("bob").await;
    app.arrange_user_with_totp("bob").await;
    let bob = app.user("bob").await;

    let (status, confirm) = console
        .page(&format!(
            "/admin/users/{}/methods/remove?method=all",
            bob.id
        ))
        .await;
    assert_eq!(status, 200);
    assert!(confirm.contains("signed out everywhere"));
    assert_eq!(
        tapid::methods::list(&app.db, &bob.id).await.unwrap().len(),
        2
    );

    let response = console
        .post(
            &format!("/admin/users/{}/methods/remove", bob.id),
            &[("method", "all")],
        )
        .await;

    assert_eq!(response.status(), 303);
    assert_eq!(
        location(&response),
        format!("/admin/users/{}?done=removed-all", bob.id)
    );
    assert!(
        tapid::methods::list(&app.db, &bob.id)
            .await
            .unwrap()
            .is_empty()
    );
    let events = app.events("method.removed").await;
    assert_eq!(events.len(), 2);
    assert!(
        events
            .iter()
            .all(|e| e.actor_id.as_deref() == Some(hal.id.as_str()))
    );
}

#[tokio::test]
async fn one_method_is_removed_and_the_others_stay() {
    let app = spawn_app().await;
    let (_, console) = helpdesk(&app).await;
    app.arrange_user_with_totp("bob").await;
    app.arrange_user_with_totp("bob").await;
    let bob = app.user("bob").await;
    let first = tapid::methods::list(&app.db, &bob.id).await.unwrap()[0]
        .id
        .clone();

    let response = console
        .post(
            &format!("/admin/users/{}/methods/remove", bob.id),
            &[("method", &first)],
        )
        .await;

    assert_eq!(response.status(), 303);
    let left = tapid::methods::list(&app.db, &bob.id).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_ne!(left[0].id, first);
}

#[tokio::test]
async fn the_audit_view_filters_by_user_and_action_and_exports() {
    let app = spawn_app().await;
    let (_, console) = helpdesk(&app).await;
    app.add_user("bob", &[], &[]).await;
    app.issue_pass("bob", Default::default()).await;

    let (status, html) = console.page("/admin/audit?user=bob&action=tap.").await;
    assert_eq!(status, 200);
    let document = scraper::Html::parse_document(&html);
    let rows = scraper::Selector::parse("#events tbody tr .action").unwrap();
    let actions: Vec<String> = document.select(&rows).map(|e| e.text().collect()).collect();
    assert_eq!(actions, ["tap.issued"]);

    let jsonl = console
        .get("/admin/audit/export?format=jsonl&user=bob")
        .await;
    assert!(
        jsonl.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/x-ndjson")
    );
    let lines: Vec<serde_json::Value> = jsonl
        .text()
        .await
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["action"], "tap.issued");
    assert_eq!(lines[1]["action"], "user.created");
    let csv = console.get("/admin/audit/export?format=csv&user=bob").await;
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = csv.text().await.unwrap();
    assert!(csv.starts_with("seq,at,actor_kind"));
    assert_eq!(csv.lines().count(), 3);

    let (status, bad) = console.page("/admin/audit?user=nobody").await;
    assert_eq!(status, 422);
    assert!(bad.contains("username, name or email contains"));
}
