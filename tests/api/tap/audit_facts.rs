//! The audit trail tells a pass sign-in as it happened: the person whose passcode was right is the actor,
//! a lock-out is a failure, every reason is in one vocabulary (snake case), and the console's user filter
//! finds the person by a fragment of their username, name or email.

use tapid::audit::Actor;
use tapid::directory::{self, Email, NewUser, Username};
use tapid::tap::IssueRequest;
use tapid::tap::policy::PolicyChanges;

use crate::helpers::{TestApp, spawn_app};

async fn add_person(app: &TestApp, username: &str, name: &str, email: &str) -> directory::User {
    let mut new = NewUser::named(Username::parse(username).unwrap());
    new.display_name = Some(name.into());
    new.email = Some(Email::parse(email).unwrap());
    directory::users::create(&app.db, &Actor::Cli, new)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_pass_sign_in_is_recorded_with_the_person_as_actor_not_anonymous() {
    let app = spawn_app().await;
    let alice = app.add_user("alice", &[], &[]).await;
    let issued = app.issue_pass("alice", IssueRequest::default()).await;
    app.check_pass("alice", issued.passcode.expose())
        .await
        .unwrap();

    let used = app.events("tap.used").await;
    assert_eq!(used.len(), 1);
    assert_eq!(used[0].actor_kind, "user");
    assert_eq!(used[0].actor_id.as_deref(), Some(alice.id.as_str()));
    assert_eq!(used[0].actor_name.as_deref(), Some("alice"));
    assert_eq!(used[0].outcome, "success");
}

#[tokio::test]
async fn a_wrong_passcode_stays_anonymous_and_a_lock_out_is_recorded_as_a_failure() {
    let app = spawn_app().await;
    app.add_user("alice", &[], &[]).await;
    app.change_policy(PolicyChanges {
        max_failed_attempts: Some(2),
        ..Default::default()
    })
    .await
    .unwrap();
    app.issue_pass("alice", IssueRequest::default()).await;
    for _ in 0..2 {
        assert!(app.check_pass("alice", "AAAA-AAAA").await.is_err());
    }

    let failed = app.events("tap.failed").await;
    assert_eq!(failed.len(), 2);
    assert!(
        failed.iter().all(|e| e.actor_kind == "anonymous"),
        "nobody proved who typed"
    );
    let locked = app.events("tap.locked").await;
    assert_eq!(locked.len(), 1);
    assert_eq!(locked[0].outcome, "failure", "a lock-out is no success");
    assert_eq!(locked[0].severity, "high");
}

#[tokio::test]
async fn every_reason_a_pass_refusal_records_is_snake_case_and_a_right_passcode_names_its_holder() {
    let app = spawn_app().await;
    let alice = app.add_user("alice", &[], &[]).await;
    app.add_user("nopass", &[], &[]).await;
    let one_time = IssueRequest {
        one_time: Some(true),
        ..Default::default()
    };
    let issued = app.issue_pass("alice", one_time).await;
    let code = issued.passcode.expose().to_string();
    app.check_pass("alice", &code).await.unwrap();
    // The pass is held (then spent) by that first sign-in: the right passcode again is told the truth.
    assert!(app.check_pass("alice", &code).await.is_err());
    assert!(app.check_pass("alice", "AAAA-AAAA").await.is_err());
    assert!(app.check_pass("nobody", "AAAA-AAAA").await.is_err());
    assert!(app.check_pass("nopass", "AAAA-AAAA").await.is_err());

    let failed = app.events("tap.failed").await;
    let reasons: Vec<String> = failed
        .iter()
        .map(|e| {
            let details: serde_json::Value = serde_json::from_str(&e.details).unwrap();
            details["reason"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(reasons.len(), 4, "{reasons:?}");
    for reason in &reasons {
        assert!(
            !reason.is_empty() && reason.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
            "{reason} is not snake case"
        );
    }
    for expected in ["wrong_passcode", "unknown_user", "no_pass"] {
        assert!(
            reasons.iter().any(|r| r == expected),
            "{expected} in {reasons:?}"
        );
    }
    let truthful = failed
        .iter()
        .find(|e| e.actor_kind == "user")
        .expect("the refusal after a right passcode names its holder");
    assert_eq!(truthful.actor_id.as_deref(), Some(alice.id.as_str()));
    let details: serde_json::Value = serde_json::from_str(&truthful.details).unwrap();
    assert!(
        ["in_use", "one_time_used"].contains(&details["reason"].as_str().unwrap()),
        "{details}"
    );
}

#[tokio::test]
async fn the_consoles_user_filter_finds_a_person_by_a_fragment_of_username_name_or_email() {
    let app = spawn_app().await;
    let admin = app.add_user("ann", &[directory::Role::Admin], &[]).await;
    let console = app.console_as(&admin, "phr").await;
    add_person(&app, "sam", "Samuel Okafor", "s.okafor@example.com").await;
    add_person(&app, "kim", "Kim Lindqvist", "kim@lindqvist.example").await;
    app.issue_pass("sam", Default::default()).await;

    for fragment in ["sam", "Okafor", "samuel", "s.okafor@", "OKAF"] {
        let (status, html) = console
            .page(&format!("/admin/audit?user={fragment}&action=tap."))
            .await;
        assert_eq!(status, 200, "{fragment}");
        let document = scraper::Html::parse_document(&html);
        let rows = scraper::Selector::parse("#events tbody tr .action").unwrap();
        let actions: Vec<String> = document.select(&rows).map(|e| e.text().collect()).collect();
        assert_eq!(actions, ["tap.issued"], "{fragment} finds sam's pass");
    }

    let (status, html) = console.page("/admin/audit?user=example").await;
    assert_eq!(status, 422, "a fragment of two people's emails");
    assert!(html.contains("matches several people"), "{html}");
    assert!(html.contains("sam (Samuel Okafor)") && html.contains("kim (Kim Lindqvist)"));

    let (status, html) = console.page("/admin/audit?user=zebra").await;
    assert_eq!(status, 422);
    assert!(
        html.contains("No one&#39;s username, name or email contains")
            || html.contains("No one's username"),
        "{html}"
    );
}
