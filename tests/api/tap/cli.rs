//! `tapid tap issue|show|revoke|policy show|policy set`.

use crate::helpers::spawn_app;

#[tokio::test]
async fn tap_issue_prints_the_passcode_once_grouped_for_reading() {
    let app = spawn_app().await;
    app.cli(&["user", "add", "alice"]).await.ok();

    let text = app
        .cli(&["tap", "issue", "alice", "--lifetime", "90m", "--one-time"])
        .await;

    let out = text.ok();
    let line = out.lines().find(|l| l.starts_with("passcode:")).unwrap();
    let code = line.trim_start_matches("passcode:").trim();
    assert_eq!(code.len(), 9, "{code}");
    assert_eq!(&code[4..5], "-");
    assert!(out.contains("one-time:   yes"));
    assert!(app.check_pass("alice", code).await.is_ok());
}

#[tokio::test]
async fn tap_issue_json_has_the_passcode_and_the_pass_for_scripts() {
    let app = spawn_app().await;
    app.cli(&["user", "add", "alice"]).await.ok();

    let issued = app
        .cli(&[
            "tap",
            "issue",
            "alice",
            "--lifetime",
            "2h",
            "--multi-use",
            "--length",
            "12",
            "--json",
        ])
        .await
        .json();

    assert_eq!(issued["passcode"].as_str().unwrap().len(), 14);
    assert_eq!(issued["username"], "alice");
    assert_eq!(issued["one_time"], false);
    assert_eq!(issued["usable"], true);
    assert_eq!(issued["reason"], "EnabledByPolicy");
    assert_eq!(issued["created_by"]["kind"], "cli");
}

#[tokio::test]
async fn tap_show_reports_the_state_and_never_the_passcode() {
    let app = spawn_app().await;
    app.cli(&["user", "add", "alice"]).await.ok();
    let issued = app.cli(&["tap", "issue", "alice", "--json"]).await.json();
    let code = issued["passcode"].as_str().unwrap().to_string();

    let shown = app.cli(&["tap", "show", "alice", "--json"]).await;
    let text = app.cli(&["tap", "show", "alice"]).await;

    let json = shown.json();
    for key in [
        "start",
        "end",
        "one_time",
        "created_by",
        "created_at",
        "last_used",
        "failed_attempts",
        "usable",
        "reason",
    ] {
        assert!(json.get(key).is_some(), "{key} missing in {json}");
    }
    assert!(json.get("passcode").is_none());
    assert!(!shown.stdout.contains(&code) && !shown.stdout.contains(&code.replace('-', "")));
    assert!(text.ok().contains("usable:     yes (EnabledByPolicy)"));
}

#[tokio::test]
async fn tap_revoke_revokes_and_show_says_so() {
    let app = spawn_app().await;
    app.cli(&["user", "add", "alice"]).await.ok();
    app.cli(&["tap", "issue", "alice"]).await.ok();

    let revoked = app.cli(&["tap", "revoke", "alice"]).await;

    assert!(
        revoked
            .ok()
            .contains("revoked the Temporary Access Pass of `alice`")
    );
    let shown = app.cli(&["tap", "show", "alice", "--json"]).await.json();
    assert_eq!(shown["usable"], false);
    assert_eq!(shown["reason"], "Revoked");
}

#[tokio::test]
async fn tap_commands_fail_with_one_clear_line() {
    let app = spawn_app().await;
    app.cli(&["user", "add", "alice"]).await.ok();
    app.cli(&["user", "add", "nopass"]).await.ok();
    let cases: &[(&[&str], &str)] = &[
        (
            &["tap", "issue", "nobody"],
            "There is no user named nobody.",
        ),
        (
            &["tap", "issue", "alice", "--lifetime", "5m"],
            "lifetime must be between 60 and 480 minutes",
        ),
        (
            &["tap", "show", "nopass"],
            "nopass has no Temporary Access Pass.",
        ),
        (
            &["tap", "revoke", "nopass"],
            "nopass has no Temporary Access Pass.",
        ),
        (
            &["tap", "policy", "set", "--min-lifetime", "500"],
            "at most the default one",
        ),
        (
            &["tap", "policy", "set", "--include-group", "nosuch"],
            "There is no group named nosuch.",
        ),
    ];
    for (args, expected) in cases {
        let out = app.cli(args).await;
        assert!(!out.success, "{args:?} should fail");
        assert!(out.stderr.contains(expected), "{args:?}: {}", out.stderr);
        assert_eq!(
            out.stderr.trim().lines().count(),
            1,
            "{args:?}: {}",
            out.stderr
        );
    }
    // Values clap rejects are refused before anything runs (its message names the value).
    let malformed: &[(&[&str], &str)] = &[
        (
            &["tap", "issue", "alice", "--lifetime", "soon"],
            "invalid duration",
        ),
        (
            &["tap", "issue", "alice", "--start", "tomorrow"],
            "invalid time",
        ),
        (
            &["tap", "policy", "set", "--enabled", "maybe"],
            "invalid value",
        ),
    ];
    for (args, expected) in malformed {
        let out = app.cli(args).await;
        assert!(!out.success, "{args:?} should fail");
        let first = out.stderr.lines().next().unwrap_or_default();
        assert!(first.contains(expected), "{args:?}: {}", out.stderr);
    }
}

#[tokio::test]
async fn tap_policy_set_changes_only_what_it_is_given() {
    let app = spawn_app().await;
    app.cli(&["group", "add", "staff"]).await.ok();
    app.cli(&["group", "add", "contractors"]).await.ok();

    let policy = app
        .cli(&[
            "tap",
            "policy",
            "set",
            "--max-lifetime",
            "1440",
            "--default-lifetime",
            "120",
            "--include-group",
            "staff",
            "--exclude-group",
            "contractors",
            "--one-time-required",
            "true",
            "--json",
        ])
        .await
        .json();

    assert_eq!(policy["max_lifetime"], 1440);
    assert_eq!(policy["default_lifetime"], 120);
    assert_eq!(policy["min_lifetime"], 60);
    assert_eq!(policy["all_users"], false);
    assert_eq!(policy["include_groups"][0]["name"], "staff");
    assert_eq!(policy["exclude_groups"][0]["name"], "contractors");
    assert_eq!(policy["one_time_required"], true);
    let shown = app.cli(&["tap", "policy", "show"]).await;
    assert!(shown.ok().contains("members of staff"));
    let back = app
        .cli(&[
            "tap",
            "policy",
            "set",
            "--all-users",
            "--no-exclude-groups",
            "--json",
        ])
        .await
        .json();
    assert_eq!(back["all_users"], true);
    assert_eq!(back["exclude_groups"], serde_json::json!([]));
}
