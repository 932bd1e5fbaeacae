//! Expiry recorded exactly once even with several instances; revocation and expiry end what began
//! with the pass; old passes are purged after the retention period.

use tapid::db::Db;
use tapid::tap::expiry::sweep;
use tapid::tap::{Authority, IssueRequest, Reason};
use time::{Duration, OffsetDateTime};

use crate::helpers::spawn_app;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn expiry_is_recorded_once_even_with_two_instances_sweeping() {
    let app = spawn_app().await;
    let alice = app.add_user("alice", &[], &[]).await;
    let issued = app.issue_pass("alice", IssueRequest::default()).await;
    let sid = app.session_from_pass(&alice, &issued.pass.id).await;
    let other_instance = Db::open(&app.database_url).await.unwrap();
    let later = OffsetDateTime::now_utc() + Duration::hours(2);

    let (a, b) = tokio::join!(sweep(&app.db, 30, later), sweep(&other_instance, 30, later));
    let again = sweep(&app.db, 30, later + Duration::minutes(1))
        .await
        .unwrap();

    let expired = a.unwrap().expired + b.unwrap().expired + again.expired;
    assert_eq!(expired, 2, "the bootstrap admin's pass and alice's");
    let events = app.events("tap.expired").await;
    let for_alice: Vec<_> = events
        .iter()
        .filter(|e| e.target_id.as_deref() == Some(alice.id.as_str()))
        .collect();
    assert_eq!(for_alice.len(), 1);
    assert_eq!(for_alice[0].actor_kind, "system");
    let details: serde_json::Value = serde_json::from_str(&for_alice[0].details).unwrap();
    assert_eq!(details["sessions_ended"], 1);
    assert_eq!(details["pass_id"], issued.pass.id.as_str());
    assert!(!app.session_exists(&sid).await);
    other_instance.close().await;
}

#[tokio::test]
async fn a_pass_that_has_not_ended_is_left_alone_by_the_sweep() {
    let app = spawn_app().await;
    app.add_user("alice", &[], &[]).await;
    app.issue_pass("alice", IssueRequest::default()).await;

    let swept = sweep(&app.db, 30, OffsetDateTime::now_utc()).await.unwrap();

    assert_eq!(swept.expired, 0);
    assert!(app.events("tap.expired").await.is_empty());
}

#[tokio::test]
async fn revoking_a_pass_ends_the_sessions_that_began_with_it_and_says_how_many() {
    let app = spawn_app().await;
    let alice = app.add_user("alice", &[], &[]).await;
    let issued = app.issue_pass("alice", IssueRequest::default()).await;
    let first = app.session_from_pass(&alice, &issued.pass.id).await;
    let second = app.session_from_pass(&alice, &issued.pass.id).await;
    let unrelated = app.session_from_pass(&alice, "another-pass").await;

    let ended = tapid::tap::revoke(
        &app.db,
        &Authority::Operator,
        &alice,
        Some("192.0.2.9".into()),
    )
    .await
    .unwrap();

    assert_eq!(ended.sessions, 2);
    assert!(!app.session_exists(&first).await);
    assert!(!app.session_exists(&second).await);
    assert!(app.session_exists(&unrelated).await);
    let revoked = app.events("tap.revoked").await;
    assert_eq!(revoked.len(), 1);
    let details: serde_json::Value = serde_json::from_str(&revoked[0].details).unwrap();
    assert_eq!(details["sessions_ended"], 2);
    assert!(details["tokens_revoked"].is_number());
    assert_eq!(revoked[0].address.as_deref(), Some("192.0.2.9"));
}

#[tokio::test]
async fn revoking_twice_is_a_clear_error_and_a_revoked_pass_never_expires() {
    let app = spawn_app().await;
    let alice = app.add_user("alice", &[], &[]).await;
    app.issue_pass("alice", IssueRequest::default()).await;
    tapid::tap::revoke(&app.db, &Authority::Operator, &alice, None)
        .await
        .unwrap();

    let again = tapid::tap::revoke(&app.db, &Authority::Operator, &alice, None).await;
    sweep(&app.db, 30, OffsetDateTime::now_utc() + Duration::hours(2))
        .await
        .unwrap();

    assert!(again.unwrap_err().to_string().contains("already revoked"));
    assert!(
        app.events("tap.expired")
            .await
            .iter()
            .all(|e| e.target_id.as_deref() != Some(alice.id.as_str()))
    );
}

#[tokio::test]
async fn expired_passes_stay_visible_until_the_retention_period_ends() {
    let app = spawn_app().await;
    app.add_user("alice", &[], &[]).await;
    app.issue_pass("alice", IssueRequest::default()).await;
    let now = tapid::db::ts(tapid::db::now());
    app.shift_pass("alice", now - 7200, now - 3600).await;

    sweep(&app.db, 30, OffsetDateTime::now_utc()).await.unwrap();
    assert_eq!(app.pass_state("alice").await.reason, Reason::Expired);

    let purged = sweep(&app.db, 30, OffsetDateTime::now_utc() + Duration::days(31))
        .await
        .unwrap();

    assert!(purged.purged >= 1);
    let alice = app.user("alice").await;
    assert!(tapid::tap::show(&app.db, &alice).await.is_err());
    assert_eq!(app.events("tap.purged").await.len(), 1);
}

#[tokio::test]
async fn revoking_or_expiring_a_pass_revokes_the_tokens_that_began_with_it() {
    let app = spawn_app().await;
    let alice = app.add_user("alice", &[], &[]).await;
    let bob = app.add_user("bob", &[], &[]).await;
    app.add_client("rp", &["--redirect-uri", "https://rp.example.com/cb"])
        .await;
    let for_alice = app.issue_pass("alice", IssueRequest::default()).await;
    let for_bob = app.issue_pass("bob", IssueRequest::default()).await;
    let alice_refresh = app
        .refresh_token_from_pass(&alice, &for_alice.pass.id)
        .await;
    let bob_refresh = app.refresh_token_from_pass(&bob, &for_bob.pass.id).await;

    let ended = tapid::tap::revoke(&app.db, &Authority::Operator, &alice, None)
        .await
        .unwrap();
    let swept = sweep(&app.db, 30, OffsetDateTime::now_utc() + Duration::hours(2))
        .await
        .unwrap();

    assert_eq!(ended.tokens, 1);
    assert!(app.token_revoked(&alice_refresh).await);
    assert!(swept.expired >= 1);
    assert!(app.token_revoked(&bob_refresh).await);
    let expired = app.events("tap.expired").await;
    let bob_event = expired
        .iter()
        .find(|e| e.target_id.as_deref() == Some(bob.id.as_str()))
        .unwrap();
    let details: serde_json::Value = serde_json::from_str(&bob_event.details).unwrap();
    assert_eq!(details["tokens_revoked"], 1);
}
