use crate::helpers::spawn_app;

#[tokio::test]
async fn adding_a_user_twice_fails_with_one_clear_line() {
    let app = spawn_app().await;
    app.cli(&["user", "add", "alice"]).await.ok();

    let second = app.cli(&["user", "add", "Alice"]).await;

    assert!(!second.success);
    assert_eq!(
        second.stderr.trim(),
        "error: A user named Alice already exists."
    );
    assert_eq!(second.stderr.trim().lines().count(), 1);
}

#[tokio::test]
async fn a_created_user_is_in_the_audit_list() {
    let app = spawn_app().await;
    app.cli(&["user", "add", "alice", "--name", "Alice Liddell"])
        .await
        .ok();

    let events = app
        .cli(&["audit", "list", "--json", "--user", "alice"])
        .await
        .json();

    let events = events.as_array().unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["action"], "user.created");
    assert_eq!(events[0]["actor"]["kind"], "cli");
    assert_eq!(events[0]["target"]["name"], "alice");
}

#[tokio::test]
async fn user_add_prints_the_user_as_json_for_scripts() {
    let app = spawn_app().await;
    app.cli(&["group", "add", "staff"]).await.ok();

    let user = app
        .cli(&[
            "user",
            "add",
            "Bob",
            "--name",
            "Bob B",
            "--email",
            "bob@example.com",
            "--role",
            "helpdesk",
            "--group",
            "staff",
            "--json",
        ])
        .await
        .json();

    assert_eq!(user["username"], "Bob");
    assert_eq!(user["email"], "bob@example.com");
    assert_eq!(user["roles"], serde_json::json!(["helpdesk"]));
    assert_eq!(user["groups"], serde_json::json!(["staff"]));
    assert_eq!(user["enabled"], true);
    assert_eq!(user["id"].as_str().unwrap().len(), 36);
}

#[tokio::test]
async fn usernames_compare_case_insensitively() {
    let app = spawn_app().await;
    app.cli(&["user", "add", "Carol"]).await.ok();

    let shown = app.cli(&["user", "show", "CAROL", "--json"]).await.json();

    assert_eq!(shown["username"], "Carol");
}

#[tokio::test]
async fn invalid_input_is_refused_with_a_reason() {
    let app = spawn_app().await;
    let cases: &[(&[&str], &str)] = &[
        (
            &["user", "add", "dave", "--email", "not-an-email"],
            "is not a valid email address",
        ),
        (
            &["user", "add", "dave", "--role", "root"],
            "There is no role named root",
        ),
        (
            &["user", "add", "dave", "--group", "nosuch"],
            "There is no group named nosuch.",
        ),
        (&["user", "add", "da ve"], "invalid username"),
        (
            &["user", "show", "nobody"],
            "There is no user named nobody.",
        ),
        (
            &["user", "disable", "nobody"],
            "There is no user named nobody.",
        ),
        (
            &["group", "add-member", "nosuch", "admin"],
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
    // A refused add leaves nothing behind.
    assert!(!app.cli(&["user", "show", "dave"]).await.success);
}

#[tokio::test]
async fn update_replaces_roles_and_groups_and_is_audited() {
    let app = spawn_app().await;
    app.cli(&["group", "add", "a"]).await.ok();
    app.cli(&["group", "add", "b"]).await.ok();
    app.cli(&["user", "add", "erin", "--group", "a", "--role", "helpdesk"])
        .await
        .ok();

    let user = app
        .cli(&[
            "user",
            "update",
            "erin",
            "--group",
            "b",
            "--no-roles",
            "--email",
            "erin@example.com",
            "--json",
        ])
        .await
        .json();

    assert_eq!(user["groups"], serde_json::json!(["b"]));
    assert_eq!(user["roles"], serde_json::json!([]));
    assert_eq!(user["email"], "erin@example.com");
    let events = app
        .cli(&["audit", "list", "--json", "--action", "user.updated"])
        .await
        .json();
    assert_eq!(
        events[0]["details"]["roles_before"],
        serde_json::json!(["helpdesk"])
    );
    assert_eq!(
        events[0]["severity"], "high",
        "a role change is high severity"
    );
}

#[tokio::test]
async fn disable_enable_and_remove_change_the_user_and_record_events() {
    let app = spawn_app().await;
    app.cli(&["user", "add", "frank"]).await.ok();

    let disabled = app
        .cli(&["user", "disable", "frank", "--json"])
        .await
        .json();
    assert_eq!(disabled["enabled"], false);
    let enabled = app.cli(&["user", "enable", "frank", "--json"]).await.json();
    assert_eq!(enabled["enabled"], true);
    app.cli(&["user", "remove", "frank"]).await.ok();
    assert!(!app.cli(&["user", "show", "frank"]).await.success);

    let events = app
        .cli(&["audit", "list", "--json", "--action", "user."])
        .await
        .json();
    let actions: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "user.removed",
            "user.enabled",
            "user.disabled",
            "user.created",
            "user.created"
        ],
        "newest first; the last is the bootstrap admin"
    );
}

#[tokio::test]
async fn user_list_searches_username_name_and_email() {
    let app = spawn_app().await;
    app.cli(&["user", "add", "gina", "--name", "Gina Lopez"])
        .await
        .ok();
    app.cli(&["user", "add", "hank", "--email", "hank@lopez.example"])
        .await
        .ok();
    app.cli(&["user", "add", "ivan"]).await.ok();

    let found = app
        .cli(&["user", "list", "--search", "LOPEZ", "--json"])
        .await
        .json();

    let names: Vec<&str> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["gina", "hank"]);
}

#[tokio::test]
async fn group_membership_round_trip() {
    let app = spawn_app().await;
    app.cli(&["group", "add", "Finance"]).await.ok();
    app.cli(&["user", "add", "jill"]).await.ok();

    app.cli(&["group", "add-member", "finance", "jill"])
        .await
        .ok();
    let shown = app
        .cli(&["group", "show", "finance", "--json"])
        .await
        .json();
    assert_eq!(shown["member_names"], serde_json::json!(["jill"]));

    app.cli(&["group", "remove-member", "finance", "jill"])
        .await
        .ok();
    let again = app
        .cli(&["group", "remove-member", "finance", "jill"])
        .await;
    assert!(!again.success, "removing a non-member is an error");

    assert!(
        !app.cli(&["group", "add", "FINANCE"]).await.success,
        "group names are unique"
    );
    app.cli(&["group", "remove", "finance"]).await.ok();
    let groups = app.cli(&["group", "list", "--json"]).await.json();
    assert_eq!(groups, serde_json::json!([]));
}

#[tokio::test]
async fn disabling_a_user_ends_their_sessions_and_revokes_their_tokens() {
    let app = spawn_app().await;
    let client = app.web_client("rp").await;
    let secret = app.arrange_user_with_totp("kate").await;
    let authorized = app.authorize_with_totp(&client, "kate", &secret, &[]).await;
    let tokens: serde_json::Value = app
        .redeem(&client, &authorized.code, Some(&authorized.verifier))
        .await
        .json()
        .await
        .unwrap();

    app.cli(&["user", "disable", "kate"]).await.ok();

    let event = &app
        .cli(&["audit", "list", "--json", "--action", "user.disabled"])
        .await
        .json()[0];
    assert_eq!(event["details"]["sessions_ended"], 1);
    assert!(event["details"]["tokens_revoked"].as_u64().unwrap() >= 1);
    let refreshed = app
        .refresh(&client, tokens["refresh_token"].as_str().unwrap(), None)
        .await;
    assert_eq!(
        refreshed.status(),
        400,
        "a disabled person's refresh token is dead"
    );
}

#[tokio::test]
async fn user_list_into_a_closed_pipe_ends_quietly_without_a_panic() {
    use std::os::unix::process::ExitStatusExt;
    let app = spawn_app().await;
    for name in ["alice", "bob", "carol"] {
        app.cli(&["user", "add", name]).await.ok();
    }
    // `tapid user list | head -0`: the reader is gone before the first line is written.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut command = app.cli_command(&["user", "list"]);
    command.stdout(writer).stderr(std::process::Stdio::piped());

    let out = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .unwrap();

    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr, "", "nothing on stderr (no panic, no backtrace)");
    assert!(
        out.status.success() || out.status.signal() == Some(libc::SIGPIPE),
        "ends quietly: {:?}",
        out.status
    );
}

#[tokio::test]
async fn user_list_pages_with_limit_and_after_and_says_when_more_follow() {
    let app = spawn_app().await;
    for name in ["erin", "alice", "dave", "bob", "carol"] {
        app.cli(&["user", "add", &format!("{name}.p")]).await.ok();
    }
    let list = |extra: &'static [&'static str]| {
        let mut args = vec!["user", "list", "--search", ".p", "--limit", "2", "--json"];
        args.extend_from_slice(extra);
        args
    };
    let names = |out: &crate::helpers::CliOutput| -> Vec<String> {
        out.json()
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["username"].as_str().unwrap().to_string())
            .collect()
    };

    let first = app.cli(&list(&[])).await;
    let second = app.cli(&list(&["--after", "bob.p"])).await;
    let last = app.cli(&list(&["--after", "dave.p"])).await;

    assert_eq!(names(&first), ["alice.p", "bob.p"]);
    assert!(
        first.stderr.contains("--after bob.p"),
        "says how to go on: {}",
        first.stderr
    );
    assert_eq!(names(&second), ["carol.p", "dave.p"]);
    assert!(second.stderr.contains("--after dave.p"));
    assert_eq!(names(&last), ["erin.p"]);
    assert_eq!(last.stderr, "", "nothing more to say on the last page");
    assert!(last.success);
}
