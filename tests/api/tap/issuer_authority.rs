//! A pass outlives no change of its issuer's authority: a role granted to its holder (CLI, console,
//! API — all through one service function) revokes the passes the issuer could not issue to them
//! now, and every pass sign-in re-checks the issuer's authority.

use reqwest::Method;
use serde_json::{Value, json};
use tapid::directory::Role;
use tapid::tap::{Authority, IssueRequest, Reason};

use crate::helpers::{TestApp, spawn_app};

/// `bob` (no role) holds a pass issued by the helpdesk member `hal`; returns its passcode.
async fn helpdesk_pass_for_bob(app: &TestApp) -> String {
    let hal = app.add_user("hal", &[Role::Helpdesk], &[]).await;
    app.add_user("bob", &[], &[]).await;
    let issued = app
        .issue_pass_as(&Authority::User(hal), "bob", IssueRequest::default())
        .await
        .unwrap();
    issued.passcode.expose().to_string()
}

fn revoked_for_authority(app_events: &[tapid::db::audit::AuditRow]) -> bool {
    app_events.iter().any(|e| {
        let details: Value = serde_json::from_str(&e.details).unwrap();
        details["reason"] == "issuer_lacks_authority" && e.severity == "high"
    })
}

#[tokio::test]
async fn a_helpdesk_pass_dies_when_its_holder_is_made_an_admin_at_the_cli() {
    let app = spawn_app().await;
    let passcode = helpdesk_pass_for_bob(&app).await;

    app.cli(&["user", "update", "bob", "--role", "admin"])
        .await
        .ok();

    assert_eq!(app.pass_state("bob").await.reason, Reason::Revoked);
    assert!(app.check_pass("bob", &passcode).await.is_err());
    assert!(revoked_for_authority(&app.events("tap.revoked").await));
    let updated = &app.events("user.updated").await[0];
    let details: Value = serde_json::from_str(&updated.details).unwrap();
    assert_eq!(details["passes_revoked"], 1);
}

#[tokio::test]
async fn a_helpdesk_pass_dies_when_its_holder_is_given_a_role_through_the_api() {
    let app = spawn_app().await;
    let passcode = helpdesk_pass_for_bob(&app).await;
    let bob = app.user("bob").await;
    let token = app.api_token("ops", Role::Admin).await;

    app.call(
        Method::PATCH,
        &format!("/api/v1/users/{}", bob.id),
        &token,
        Some(json!({ "roles": ["helpdesk"] })),
    )
    .await
    .expect(200);

    assert_eq!(app.pass_state("bob").await.reason, Reason::Revoked);
    assert!(app.check_pass("bob", &passcode).await.is_err());
}

#[tokio::test]
async fn an_admins_pass_survives_its_holders_promotion_the_admin_may_still_issue_it() {
    let app = spawn_app().await;
    let ann = app.add_user("ann", &[Role::Admin], &[]).await;
    app.add_user("bob", &[], &[]).await;
    let issued = app
        .issue_pass_as(&Authority::User(ann), "bob", IssueRequest::default())
        .await
        .unwrap();

    app.cli(&["user", "update", "bob", "--role", "helpdesk"])
        .await
        .ok();

    assert_eq!(app.pass_state("bob").await.reason, Reason::EnabledByPolicy);
    assert!(
        app.check_pass("bob", issued.passcode.expose())
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn passes_a_helpdesk_member_issued_die_when_they_lose_the_role() {
    let app = spawn_app().await;
    let passcode = helpdesk_pass_for_bob(&app).await;

    app.cli(&["user", "update", "hal", "--no-roles"]).await.ok();

    assert_eq!(app.pass_state("bob").await.reason, Reason::Revoked);
    assert!(app.check_pass("bob", &passcode).await.is_err());
}

#[tokio::test]
async fn a_pass_sign_in_rechecks_the_issuers_authority_over_its_holder() {
    let app = spawn_app().await;
    let passcode = helpdesk_pass_for_bob(&app).await;
    // A role that arrived by a path that did not revoke the pass (a restore, an edit in the
    // database): the sign-in itself must still refuse.
    sqlx::query("UPDATE users SET roles = 'admin' WHERE username = 'bob'")
        .execute(app.db.pool())
        .await
        .unwrap();

    let attempt = app.check_pass("bob", &passcode).await;

    assert!(attempt.is_err());
    assert_eq!(app.pass_state("bob").await.reason, Reason::Revoked);
    assert!(revoked_for_authority(&app.events("tap.revoked").await));
    let failed = &app.events("tap.failed").await[0];
    assert!(
        failed.details.contains("issuer_lacks_authority"),
        "{}",
        failed.details
    );
}

#[tokio::test]
async fn a_pass_from_a_disabled_issuer_no_longer_signs_in() {
    let app = spawn_app().await;
    let passcode = helpdesk_pass_for_bob(&app).await;

    app.cli(&["user", "disable", "hal"]).await.ok();

    assert!(app.check_pass("bob", &passcode).await.is_err());
    assert_eq!(app.pass_state("bob").await.reason, Reason::Revoked);
}
