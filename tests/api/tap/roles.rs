//! Who may issue: admin for anyone but themselves, helpdesk for users without a role, nobody for
//! themselves, never for a disabled or out-of-scope user.

use tapid::audit::Actor;
use tapid::directory::Role;
use tapid::error::AppError;
use tapid::tap::policy::{PolicyChanges, ScopeChange};
use tapid::tap::{Authority, IssueRequest};

use crate::helpers::spawn_app;

fn assert_forbidden(result: Result<tapid::tap::Issued, AppError>, expected: &str) {
    match result {
        Err(AppError::Forbidden(message)) => {
            assert!(message.contains(expected), "{message}")
        }
        other => panic!("expected a refusal containing {expected:?}, got {other:?}"),
    }
}

#[tokio::test]
async fn helpdesk_cannot_issue_a_pass_for_an_admin() {
    let app = spawn_app().await;
    let hal = app.add_user("hal", &[Role::Helpdesk], &[]).await;
    app.add_user("ann", &[Role::Admin], &[]).await;

    let result = app
        .issue_pass_as(&Authority::User(hal), "ann", IssueRequest::default())
        .await;

    assert_forbidden(result, "only for users who hold no role");
}

#[tokio::test]
async fn helpdesk_can_issue_a_pass_for_a_user_without_a_role() {
    let app = spawn_app().await;
    let hal = app.add_user("hal", &[Role::Helpdesk], &[]).await;
    app.add_user("bob", &[], &[]).await;

    let issued = app
        .issue_pass_as(
            &Authority::User(hal.clone()),
            "bob",
            IssueRequest::default(),
        )
        .await
        .unwrap();

    assert_eq!(issued.pass.created_by.name.as_deref(), Some("hal"));
    let event = &app.events("tap.issued").await[0];
    assert_eq!(event.actor_id.as_deref(), Some(hal.id.as_str()));
}

#[tokio::test]
async fn an_admin_can_issue_for_another_admin() {
    let app = spawn_app().await;
    let ann = app.add_user("ann", &[Role::Admin], &[]).await;
    app.add_user("abe", &[Role::Admin], &[]).await;

    let result = app
        .issue_pass_as(&Authority::User(ann), "abe", IssueRequest::default())
        .await;

    assert!(result.is_ok());
}

#[tokio::test]
async fn nobody_can_issue_a_pass_for_themselves() {
    let app = spawn_app().await;
    let ann = app.add_user("ann", &[Role::Admin], &[]).await;
    let hal = app.add_user("hal", &[Role::Helpdesk], &[]).await;

    assert_forbidden(
        app.issue_pass_as(&Authority::User(ann), "ann", IssueRequest::default())
            .await,
        "for themselves",
    );
    assert_forbidden(
        app.issue_pass_as(&Authority::User(hal), "hal", IssueRequest::default())
            .await,
        "for themselves",
    );
}

#[tokio::test]
async fn a_user_without_a_role_cannot_issue_passes() {
    let app = spawn_app().await;
    let bob = app.add_user("bob", &[], &[]).await;
    app.add_user("eve", &[], &[]).await;

    assert_forbidden(
        app.issue_pass_as(&Authority::User(bob), "eve", IssueRequest::default())
            .await,
        "admin or helpdesk role",
    );
}

#[tokio::test]
async fn no_pass_is_issued_for_a_disabled_user_even_by_an_operator() {
    let app = spawn_app().await;
    app.add_user("bob", &[], &[]).await;
    tapid::directory::users::set_enabled(&app.db, &Actor::Cli, "bob", false)
        .await
        .unwrap();

    assert_forbidden(
        app.issue_pass_as(&Authority::Operator, "bob", IssueRequest::default())
            .await,
        "is disabled",
    );
}

#[tokio::test]
async fn no_pass_is_issued_for_a_user_outside_the_policy_scope() {
    let app = spawn_app().await;
    app.add_group("staff").await;
    app.add_group("contractors").await;
    app.add_user("sam", &[], &["staff"]).await;
    app.add_user("carl", &[], &["staff", "contractors"]).await;
    app.add_user("olga", &[], &[]).await;
    app.change_policy(PolicyChanges {
        scope: Some(ScopeChange::Groups(vec!["staff".into()])),
        exclude_groups: Some(vec!["contractors".into()]),
        ..Default::default()
    })
    .await
    .unwrap();

    assert!(
        app.issue_pass_as(&Authority::Operator, "sam", IssueRequest::default())
            .await
            .is_ok()
    );
    assert_forbidden(
        app.issue_pass_as(&Authority::Operator, "olga", IssueRequest::default())
            .await,
        "outside the scope",
    );
    assert_forbidden(
        app.issue_pass_as(&Authority::Operator, "carl", IssueRequest::default())
            .await,
        "outside the scope",
    );
}

#[tokio::test]
async fn no_pass_is_issued_while_the_policy_is_disabled() {
    let app = spawn_app().await;
    app.add_user("bob", &[], &[]).await;
    app.change_policy(PolicyChanges {
        enabled: Some(false),
        ..Default::default()
    })
    .await
    .unwrap();

    assert_forbidden(
        app.issue_pass_as(&Authority::Operator, "bob", IssueRequest::default())
            .await,
        "disabled by policy",
    );
}

#[tokio::test]
async fn a_client_with_the_helpdesk_role_follows_the_helpdesk_rules() {
    let app = spawn_app().await;
    app.add_user("bob", &[], &[]).await;
    let client = Authority::Client {
        id: "desk-tool".into(),
        roles: vec![Role::Helpdesk],
    };

    assert!(
        app.issue_pass_as(&client, "bob", IssueRequest::default())
            .await
            .is_ok()
    );
    assert_forbidden(
        app.issue_pass_as(&client, "admin", IssueRequest::default())
            .await,
        "only for users who hold no role",
    );
    let event = &app.events("tap.issued").await[0];
    assert_eq!(event.actor_kind, "client");
    assert_eq!(event.actor_id.as_deref(), Some("desk-tool"));
}
