//! Issuing: within the policy's bounds, replace-on-issue, one-time forced by policy.

use tapid::tap::policy::PolicyChanges;
use tapid::tap::{IssueRequest, Reason};

use crate::helpers::spawn_app;
use crate::helpers::tap::minutes;

#[tokio::test]
async fn a_pass_takes_the_policy_defaults() {
    let app = spawn_app().await;
    app.add_user("alice", &[], &[]).await;

    let issued = app.issue_pass("alice", IssueRequest::default()).await;

    assert_eq!(issued.passcode.len(), 8);
    assert_eq!(issued.pass.end - issued.pass.start, minutes(60));
    assert!(!issued.pass.one_time);
    assert!(issued.pass.usable);
    assert_eq!(issued.pass.reason, Reason::EnabledByPolicy);
    assert_eq!(issued.pass.created_by.kind, "cli");
}

#[tokio::test]
async fn a_lifetime_within_the_policy_bounds_is_accepted() {
    let app = spawn_app().await;
    app.add_user("alice", &[], &[]).await;

    for lifetime in [60, 90, 480] {
        let issued = app
            .issue_pass(
                "alice",
                IssueRequest {
                    lifetime: Some(minutes(lifetime)),
                    ..Default::default()
                },
            )
            .await;
        assert_eq!(issued.pass.end - issued.pass.start, minutes(lifetime));
    }
}

#[tokio::test]
async fn a_lifetime_outside_the_policy_bounds_is_refused() {
    let app = spawn_app().await;
    app.add_user("alice", &[], &[]).await;

    for lifetime in [59, 481, 0] {
        let error = app
            .issue_pass_as(
                &tapid::tap::Authority::Operator,
                "alice",
                IssueRequest {
                    lifetime: Some(minutes(lifetime)),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert!(
            error
                .to_string()
                .contains("lifetime must be between 60 and 480 minutes"),
            "{error}"
        );
    }
    assert!(
        app.events("tap.issued").await.len() == 1,
        "only the bootstrap pass"
    );
}

#[tokio::test]
async fn a_start_in_the_past_or_too_far_ahead_is_refused() {
    let app = spawn_app().await;
    app.add_user("alice", &[], &[]).await;
    let now = time::OffsetDateTime::now_utc();

    for (start, expected) in [
        (now - minutes(10), "now or in the future"),
        (now + time::Duration::days(31), "at most 30 days"),
    ] {
        let error = app
            .issue_pass_as(
                &tapid::tap::Authority::Operator,
                "alice",
                IssueRequest {
                    start: Some(start),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert!(error.to_string().contains(expected), "{error}");
    }
}

#[tokio::test]
async fn a_length_below_the_policy_or_above_48_is_refused() {
    let app = spawn_app().await;
    app.add_user("alice", &[], &[]).await;

    for length in [7, 49] {
        let error = app
            .issue_pass_as(
                &tapid::tap::Authority::Operator,
                "alice",
                IssueRequest {
                    length: Some(length),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert!(
            error.to_string().contains("length must be between"),
            "{error}"
        );
    }
    let long = app
        .issue_pass(
            "alice",
            IssueRequest {
                length: Some(16),
                ..Default::default()
            },
        )
        .await;
    assert_eq!(long.passcode.len(), 16);
    assert_eq!(long.passcode.grouped().len(), 16 + 3);
}

#[tokio::test]
async fn issuing_replaces_the_previous_pass_and_records_it() {
    let app = spawn_app().await;
    app.add_user("alice", &[], &[]).await;
    let first = app.issue_pass("alice", IssueRequest::default()).await;

    let second = app.issue_pass("alice", IssueRequest::default()).await;

    assert_ne!(first.pass.id, second.pass.id);
    assert!(
        app.check_pass("alice", first.passcode.expose())
            .await
            .is_err(),
        "the old passcode no longer works"
    );
    assert!(
        app.check_pass("alice", second.passcode.expose())
            .await
            .is_ok()
    );
    let replaced = app.events("tap.replaced").await;
    assert_eq!(replaced.len(), 1);
    assert!(replaced[0].details.contains(&first.pass.id));
}

#[tokio::test]
async fn replacing_a_pass_ends_the_sessions_that_began_with_the_old_one() {
    let app = spawn_app().await;
    let alice = app.add_user("alice", &[], &[]).await;
    let first = app.issue_pass("alice", IssueRequest::default()).await;
    let sid = app.session_from_pass(&alice, &first.pass.id).await;

    app.issue_pass("alice", IssueRequest::default()).await;

    assert!(!app.session_exists(&sid).await);
    let details: serde_json::Value =
        serde_json::from_str(&app.events("tap.replaced").await[0].details).unwrap();
    assert_eq!(details["sessions_ended"], 1);
}

#[tokio::test]
async fn a_policy_requiring_one_time_passes_forces_them() {
    let app = spawn_app().await;
    app.add_user("alice", &[], &[]).await;
    app.change_policy(PolicyChanges {
        one_time_required: Some(true),
        ..Default::default()
    })
    .await
    .unwrap();

    let by_default = app.issue_pass("alice", IssueRequest::default()).await;
    let multi = app
        .issue_pass_as(
            &tapid::tap::Authority::Operator,
            "alice",
            IssueRequest {
                one_time: Some(false),
                ..Default::default()
            },
        )
        .await;

    assert!(by_default.pass.one_time);
    let error = multi.unwrap_err();
    assert!(error.to_string().contains("requires one-time"), "{error}");
}

#[tokio::test]
async fn a_pass_issued_to_a_user_with_a_role_is_a_high_severity_event() {
    let app = spawn_app().await;
    app.add_user("alice", &[], &[]).await;
    app.add_user("hal", &[tapid::directory::Role::Helpdesk], &[])
        .await;

    app.issue_pass("alice", IssueRequest::default()).await;
    app.issue_pass("hal", IssueRequest::default()).await;

    let issued = app.events("tap.issued").await;
    let severity_of = |name: &str| {
        issued
            .iter()
            .find(|e| e.target_name.as_deref() == Some(name))
            .map(|e| e.severity.clone())
            .unwrap()
    };
    assert_eq!(severity_of("alice"), "info");
    assert_eq!(severity_of("hal"), "high");
    let event = issued
        .iter()
        .find(|e| e.target_name.as_deref() == Some("alice"))
        .unwrap();
    let details: serde_json::Value = serde_json::from_str(&event.details).unwrap();
    for key in ["start", "end", "one_time", "pass_id"] {
        assert!(!details[key].is_null(), "{key} in {details}");
    }
    assert_eq!(event.address.as_deref(), Some("192.0.2.7"));
}
