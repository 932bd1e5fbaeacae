//! The policy in force applies at every use of a pass, not only at issuance: narrowing it reaches passes
//! already issued and the restricted sessions they opened.

use serde_json::Value;
use tapid::tap::policy::{PolicyChanges, ScopeChange};
use tapid::tap::{IssueRequest, Reason};

use crate::helpers::TestApp;
use crate::helpers::spawn_app;
use crate::helpers::tap::minutes;

#[tokio::test]
async fn a_multi_use_pass_is_disabled_by_policy_once_one_time_passes_are_required() {
    let app = spawn_app().await;
    let passcode = app.arrange_pass("bob", false).await;

    app.change_policy(PolicyChanges {
        one_time_required: Some(true),
        ..Default::default()
    })
    .await
    .unwrap();

    let state = app.pass_state("bob").await;
    assert_eq!(state.reason, Reason::DisabledByPolicy);
    assert!(!state.usable);
    assert!(app.check_pass("bob", &passcode).await.is_err());
    let failed = &app.events("tap.failed").await[0];
    assert!(
        failed.details.contains("\"reason\":\"disabled_by_policy\""),
        "{}",
        failed.details
    );
}

#[tokio::test]
async fn a_pass_longer_than_a_narrowed_maximum_lifetime_is_cut_to_it() {
    let app = spawn_app().await;
    app.arrange_user("bob").await;
    let issued = app
        .issue_pass(
            "bob",
            IssueRequest {
                lifetime: Some(minutes(480)),
                ..Default::default()
            },
        )
        .await;

    app.change_policy(PolicyChanges {
        max_lifetime: Some(60),
        ..Default::default()
    })
    .await
    .unwrap();

    let state = app.pass_state("bob").await;
    assert_eq!(state.end, issued.pass.start + minutes(60));
    assert_eq!(state.reason, Reason::EnabledByPolicy);
    let signed_in = app
        .check_pass("bob", issued.passcode.expose())
        .await
        .unwrap();
    assert_eq!(signed_in.ends_at, issued.pass.start + minutes(60));
    let updated = &app.events("policy.updated").await[0];
    let details: Value = serde_json::from_str(&updated.details).unwrap();
    assert_eq!(details["passes_cut"], 1);
}

/// A browser in a restricted session opened by a (multi-use) pass of `newbie`.
async fn restricted_session(app: &TestApp) {
    let passcode = app.arrange_pass("newbie", false).await;
    let setup = app
        .sign_in_with_tap_from("/login", "newbie", &passcode)
        .await;
    assert_eq!(app.get(&setup).await.status(), 200);
}

/// The restricted session is over: setup sends to sign-in, enrolment is refused, the end recorded.
async fn assert_session_ended(app: &TestApp, state: &str) {
    let setup = app.get("/security-info/setup").await;
    assert_eq!(setup.status(), 303, "{state}");
    let to = setup.headers()["location"].to_str().unwrap().to_string();
    assert!(to.starts_with("/login"), "{state}: sent to {to}");
    let enrol = app.get("/security-info/totp").await;
    assert_ne!(enrol.status(), 200, "{state}");
    let ended = &app.events("session.ended").await[0];
    assert!(ended.details.contains(state), "{}", ended.details);
}

#[tokio::test]
async fn a_restricted_session_ends_when_passes_are_disabled_by_policy() {
    let app = spawn_app().await;
    restricted_session(&app).await;

    app.change_policy(PolicyChanges {
        enabled: Some(false),
        ..Default::default()
    })
    .await
    .unwrap();

    assert_session_ended(&app, "DisabledByPolicy").await;
}

#[tokio::test]
async fn a_restricted_session_of_a_multi_use_pass_ends_when_one_time_becomes_required() {
    let app = spawn_app().await;
    restricted_session(&app).await;

    app.change_policy(PolicyChanges {
        one_time_required: Some(true),
        ..Default::default()
    })
    .await
    .unwrap();

    assert_session_ended(&app, "DisabledByPolicy").await;
}

#[tokio::test]
async fn a_restricted_session_ends_when_its_holder_leaves_the_policys_scope() {
    let app = spawn_app().await;
    restricted_session(&app).await;
    app.add_group("contractors").await;
    app.cli(&["group", "add-member", "contractors", "newbie"])
        .await
        .ok();

    app.change_policy(PolicyChanges {
        exclude_groups: Some(vec!["contractors".into()]),
        ..Default::default()
    })
    .await
    .unwrap();

    assert_session_ended(&app, "NotInScope").await;
}

#[tokio::test]
async fn a_restricted_session_of_a_one_time_pass_lives_on_while_the_policy_allows_it() {
    let app = spawn_app().await;
    let passcode = app.arrange_pass("newbie", true).await;
    let setup = app
        .sign_in_with_tap_from("/login", "newbie", &passcode)
        .await;

    // The pass reads InUse now: this very session holds it.
    assert_eq!(app.pass_state("newbie").await.reason, Reason::InUse);
    assert_eq!(app.get(&setup).await.status(), 200);
    app.change_policy(PolicyChanges {
        scope: Some(ScopeChange::AllUsers),
        max_failed_attempts: Some(3),
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(app.get(&setup).await.status(), 200);
}

#[tokio::test]
async fn a_restricted_session_ends_when_a_narrowed_enrollment_window_has_passed() {
    let app = spawn_app().await;
    restricted_session(&app).await;
    // Opened seven minutes ago: inside the ten-minute window, outside a five-minute one.
    sqlx::query("UPDATE sessions SET created_at = created_at - 420 WHERE tap_id IS NOT NULL")
        .execute(app.db.pool())
        .await
        .unwrap();
    assert_eq!(app.get("/security-info/setup").await.status(), 200);

    app.change_policy(PolicyChanges {
        enrollment_window: Some(5),
        ..Default::default()
    })
    .await
    .unwrap();

    assert_session_ended(&app, "EnrollmentWindowOver").await;
}
