//! Checking a passcode: normalised entry, uniform refusal, audit with the address, lockout.

use tapid::tap::policy::PolicyChanges;
use tapid::tap::{IssueRequest, Reason, TapRefused};

use crate::helpers::spawn_app;

#[tokio::test]
async fn entry_ignores_case_spaces_and_dashes() {
    let app = spawn_app().await;
    app.add_user("alice", &[], &[]).await;
    let issued = app.issue_pass("alice", IssueRequest::default()).await;
    let code = issued.passcode.expose().to_string();
    let lower_spaced = format!(
        " {} {} ",
        &code[..4].to_lowercase(),
        &code[4..].to_lowercase()
    );
    let dashed = issued.passcode.grouped();
    let odd_dashes = code.chars().map(|c| format!("{c}-")).collect::<String>();

    for entry in [code.clone(), lower_spaced, dashed, odd_dashes] {
        let signed_in = app.check_pass("ALICE", &entry).await;
        assert!(signed_in.is_ok(), "{entry:?} should be accepted");
    }
}

#[tokio::test]
async fn a_successful_check_returns_the_user_and_the_pass() {
    let app = spawn_app().await;
    let alice = app.add_user("alice", &[], &[]).await;
    let issued = app
        .issue_pass(
            "alice",
            IssueRequest {
                one_time: Some(true),
                ..Default::default()
            },
        )
        .await;

    let signed_in = app
        .check_pass("alice", issued.passcode.expose())
        .await
        .unwrap();

    assert_eq!(signed_in.user.id, alice.id);
    assert_eq!(signed_in.pass_id, issued.pass.id);
    assert_eq!(signed_in.ends_at, issued.pass.end);
    assert!(signed_in.one_time);
    let used = app.events("tap.used").await;
    assert_eq!(used.len(), 1);
    assert_eq!(used[0].address.as_deref(), Some("192.0.2.1"));
}

#[tokio::test]
async fn every_refusal_looks_the_same_and_its_reason_goes_to_the_audit_trail() {
    let app = spawn_app().await;
    app.add_user("alice", &[], &[]).await;
    app.add_user("nopass", &[], &[]).await;
    app.issue_pass("alice", IssueRequest::default()).await;

    let refusals = [
        app.check_pass("alice", "AAAA-AAAA").await.unwrap_err(),
        app.check_pass("nobody", "AAAA-AAAA").await.unwrap_err(),
        app.check_pass("nopass", "AAAA-AAAA").await.unwrap_err(),
        app.check_pass("alice", "").await.unwrap_err(),
    ];

    for refusal in &refusals {
        assert!(matches!(refusal, TapRefused::Refused));
        assert_eq!(refusal.to_string(), refusals[0].to_string());
    }
    let failed = app.events("tap.failed").await;
    let reasons: Vec<String> = failed
        .iter()
        .map(|e| {
            let d: serde_json::Value = serde_json::from_str(&e.details).unwrap();
            d["reason"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(
        reasons,
        [
            "wrong_passcode",
            "no_pass",
            "unknown_user",
            "wrong_passcode"
        ]
    );
    assert!(
        failed
            .iter()
            .all(|e| e.address.as_deref() == Some("192.0.2.1"))
    );
    assert!(failed.iter().all(|e| e.outcome == "failure"));
}

#[tokio::test]
async fn a_disabled_user_cannot_sign_in_with_a_pass() {
    let app = spawn_app().await;
    app.add_user("alice", &[], &[]).await;
    let issued = app.issue_pass("alice", IssueRequest::default()).await;
    tapid::directory::users::set_enabled(&app.db, &tapid::audit::Actor::Cli, "alice", false)
        .await
        .unwrap();

    let refused = app.check_pass("alice", issued.passcode.expose()).await;

    assert!(matches!(
        refused,
        Err(TapRefused::Told(tapid::tap::signin::Truth::UserDisabled))
    ));
}

#[tokio::test]
async fn max_failed_attempts_lock_the_pass_even_against_the_right_passcode() {
    let app = spawn_app().await;
    app.add_user("alice", &[], &[]).await;
    app.change_policy(PolicyChanges {
        max_failed_attempts: Some(3),
        ..Default::default()
    })
    .await
    .unwrap();
    let issued = app.issue_pass("alice", IssueRequest::default()).await;

    for _ in 0..3 {
        assert!(app.check_pass("alice", "AAAA-AAAA").await.is_err());
    }

    let state = app.pass_state("alice").await;
    assert_eq!(state.reason, Reason::Locked);
    assert_eq!(state.failed_attempts, 3);
    assert!(
        app.check_pass("alice", issued.passcode.expose())
            .await
            .is_err()
    );
    let locked = app.events("tap.locked").await;
    assert_eq!(locked.len(), 1, "locked once");
    assert_eq!(locked[0].severity, "high");
    assert_eq!(app.events("tap.failed").await.len(), 4);
}

#[tokio::test]
async fn fewer_wrong_entries_than_the_limit_leave_the_pass_usable() {
    let app = spawn_app().await;
    app.add_user("alice", &[], &[]).await;
    let issued = app.issue_pass("alice", IssueRequest::default()).await;

    for _ in 0..4 {
        let _ = app.check_pass("alice", "AAAA-AAAA").await;
    }

    assert!(
        app.check_pass("alice", issued.passcode.expose())
            .await
            .is_ok()
    );
}
