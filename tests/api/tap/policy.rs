//! The policy: defaults, validation, and its audit trail.

use tapid::tap::policy::{PolicyChanges, ScopeChange};

use crate::helpers::spawn_app;

#[tokio::test]
async fn the_policy_starts_with_the_documented_defaults() {
    let app = spawn_app().await;

    let policy = tapid::tap::policy::load(&app.db).await.unwrap();

    assert!(policy.enabled);
    assert!(policy.all_users);
    assert_eq!(
        (
            policy.min_lifetime,
            policy.max_lifetime,
            policy.default_lifetime
        ),
        (60, 480, 60)
    );
    assert_eq!(policy.default_length, 8);
    assert!(!policy.one_time_required);
    assert_eq!(policy.max_failed_attempts, 5);
    assert_eq!(policy.enrollment_window, 10);
}

#[tokio::test]
async fn a_policy_breaking_a_rule_is_refused_and_nothing_changes() {
    let app = spawn_app().await;
    let before = tapid::tap::policy::load(&app.db).await.unwrap();
    let cases = [
        (
            PolicyChanges {
                min_lifetime: Some(5),
                ..Default::default()
            },
            "minimum lifetime must be between 10 and 43200",
        ),
        (
            PolicyChanges {
                max_lifetime: Some(50_000),
                ..Default::default()
            },
            "maximum lifetime must be between 10 and 43200",
        ),
        (
            PolicyChanges {
                default_lifetime: Some(600),
                ..Default::default()
            },
            "at most the default one",
        ),
        (
            PolicyChanges {
                default_length: Some(7),
                ..Default::default()
            },
            "length must be between 8 and 48",
        ),
        (
            PolicyChanges {
                max_failed_attempts: Some(0),
                ..Default::default()
            },
            "failed attempts",
        ),
        (
            PolicyChanges {
                scope: Some(ScopeChange::Groups(vec!["nosuch".into()])),
                ..Default::default()
            },
            "There is no group named nosuch.",
        ),
    ];

    for (changes, expected) in cases {
        let error = app.change_policy(changes).await.unwrap_err();
        assert!(error.to_string().contains(expected), "{error}");
    }

    assert_eq!(tapid::tap::policy::load(&app.db).await.unwrap(), before);
    assert!(app.events("policy.updated").await.is_empty());
}

#[tokio::test]
async fn a_policy_change_is_audited_with_before_and_after() {
    let app = spawn_app().await;
    app.add_group("staff").await;

    app.change_policy(PolicyChanges {
        max_lifetime: Some(1440),
        scope: Some(ScopeChange::Groups(vec!["staff".into()])),
        ..Default::default()
    })
    .await
    .unwrap();

    let events = app.events("policy.updated").await;
    assert_eq!(events.len(), 1);
    let details: serde_json::Value = serde_json::from_str(&events[0].details).unwrap();
    assert_eq!(details["before"]["max_lifetime"], 480);
    assert_eq!(details["after"]["max_lifetime"], 1440);
    assert_eq!(details["before"]["all_users"], true);
    assert_eq!(details["after"]["include_groups"][0]["name"], "staff");
    assert_eq!(events[0].actor_kind, "cli");
}

#[tokio::test]
async fn removing_the_only_included_group_puts_nobody_in_scope() {
    let app = spawn_app().await;
    app.add_group("staff").await;
    app.change_policy(PolicyChanges {
        scope: Some(ScopeChange::Groups(vec!["staff".into()])),
        ..Default::default()
    })
    .await
    .unwrap();

    tapid::directory::groups::remove(&app.db, &tapid::audit::Actor::Cli, "staff")
        .await
        .unwrap();

    let policy = tapid::tap::policy::load(&app.db).await.unwrap();
    assert!(!policy.all_users);
    assert!(policy.include_groups.is_empty());
    assert!(!policy.in_scope(&[]), "never everybody by accident");
}
