//! Every `usable` reason, computed from the stored facts and the current policy.

use tapid::tap::policy::{PolicyChanges, ScopeChange};
use tapid::tap::{IssueRequest, Reason};

use crate::helpers::spawn_app;
use crate::helpers::tap::minutes;

#[tokio::test]
async fn a_fresh_pass_is_usable_enabled_by_policy() {
    let app = spawn_app().await;
    app.add_user("alice", &[], &[]).await;
    app.issue_pass("alice", IssueRequest::default()).await;

    let state = app.pass_state("alice").await;

    assert!(state.usable);
    assert_eq!(state.reason, Reason::EnabledByPolicy);
}

#[tokio::test]
async fn a_pass_that_starts_later_is_not_yet_valid() {
    let app = spawn_app().await;
    app.add_user("alice", &[], &[]).await;
    let issued = app
        .issue_pass(
            "alice",
            IssueRequest {
                start: Some(time::OffsetDateTime::now_utc() + minutes(30)),
                ..Default::default()
            },
        )
        .await;

    assert_eq!(app.pass_state("alice").await.reason, Reason::NotYetValid);
    assert!(
        app.check_pass("alice", issued.passcode.expose())
            .await
            .is_err()
    );
}

#[tokio::test]
async fn a_pass_past_its_end_is_expired() {
    let app = spawn_app().await;
    app.add_user("alice", &[], &[]).await;
    let issued = app.issue_pass("alice", IssueRequest::default()).await;
    let now = tapid::db::ts(tapid::db::now());
    app.shift_pass("alice", now - 7200, now - 3600).await;

    let state = app.pass_state("alice").await;

    assert!(!state.usable);
    assert_eq!(state.reason, Reason::Expired);
    assert!(
        app.check_pass("alice", issued.passcode.expose())
            .await
            .is_err()
    );
}

#[tokio::test]
async fn a_one_time_pass_that_signed_in_is_in_use_until_its_session_registers_or_ends() {
    let app = spawn_app().await;
    app.add_user("alice", &[], &[]).await;
    let issued = app
        .issue_pass(
            "alice",
            IssueRequest {
                one_time: Some(true),
                ..Default::default()
            },
        )
        .await;

    app.check_pass("alice", issued.passcode.expose())
        .await
        .unwrap();

    let state = app.pass_state("alice").await;
    assert_eq!(state.reason, Reason::InUse);
    assert!(state.last_used.is_some());
    assert!(
        app.check_pass("alice", issued.passcode.expose())
            .await
            .is_err(),
        "a one-time pass cannot sign in twice"
    );
}

#[tokio::test]
async fn a_multi_use_pass_signs_in_repeatedly_until_it_ends() {
    let app = spawn_app().await;
    app.add_user("alice", &[], &[]).await;
    let issued = app
        .issue_pass(
            "alice",
            IssueRequest {
                one_time: Some(false),
                ..Default::default()
            },
        )
        .await;

    for _ in 0..2 {
        app.check_pass("alice", issued.passcode.expose())
            .await
            .unwrap();
    }

    assert_eq!(
        app.pass_state("alice").await.reason,
        Reason::EnabledByPolicy
    );
}

#[tokio::test]
async fn a_revoked_pass_is_revoked() {
    let app = spawn_app().await;
    let alice = app.add_user("alice", &[], &[]).await;
    let issued = app.issue_pass("alice", IssueRequest::default()).await;

    tapid::tap::revoke(&app.db, &tapid::tap::Authority::Operator, &alice, None)
        .await
        .unwrap();

    assert_eq!(app.pass_state("alice").await.reason, Reason::Revoked);
    assert!(
        app.check_pass("alice", issued.passcode.expose())
            .await
            .is_err()
    );
}

#[tokio::test]
async fn disabling_the_policy_after_issuance_makes_the_pass_unusable() {
    let app = spawn_app().await;
    app.add_user("alice", &[], &[]).await;
    let issued = app.issue_pass("alice", IssueRequest::default()).await;

    app.change_policy(PolicyChanges {
        enabled: Some(false),
        ..Default::default()
    })
    .await
    .unwrap();

    assert_eq!(
        app.pass_state("alice").await.reason,
        Reason::DisabledByPolicy
    );
    assert!(
        app.check_pass("alice", issued.passcode.expose())
            .await
            .is_err()
    );
}

#[tokio::test]
async fn narrowing_the_scope_after_issuance_makes_the_pass_not_in_scope() {
    let app = spawn_app().await;
    app.add_group("staff").await;
    app.add_user("alice", &[], &[]).await;
    let issued = app.issue_pass("alice", IssueRequest::default()).await;

    app.change_policy(PolicyChanges {
        scope: Some(ScopeChange::Groups(vec!["staff".into()])),
        ..Default::default()
    })
    .await
    .unwrap();

    assert_eq!(app.pass_state("alice").await.reason, Reason::NotInScope);
    assert!(
        app.check_pass("alice", issued.passcode.expose())
            .await
            .is_err()
    );

    app.change_policy(PolicyChanges {
        scope: Some(ScopeChange::AllUsers),
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(
        app.pass_state("alice").await.reason,
        Reason::EnabledByPolicy
    );
}

#[tokio::test]
async fn lowering_the_attempt_limit_after_issuance_locks_a_pass_already_past_it() {
    let app = spawn_app().await;
    app.add_user("alice", &[], &[]).await;
    app.issue_pass("alice", IssueRequest::default()).await;
    for _ in 0..2 {
        let _ = app.check_pass("alice", "AAAA-AAAA").await;
    }
    assert_eq!(
        app.pass_state("alice").await.reason,
        Reason::EnabledByPolicy
    );

    app.change_policy(PolicyChanges {
        max_failed_attempts: Some(2),
        ..Default::default()
    })
    .await
    .unwrap();

    assert_eq!(app.pass_state("alice").await.reason, Reason::Locked);
}
