use std::io::Write;

use crate::helpers::run_cli;

#[tokio::test]
async fn an_unknown_key_in_the_file_is_refused_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tapid.toml");
    std::fs::File::create(&file)
        .unwrap()
        .write_all(b"listen = \"127.0.0.1:0\"\nlisten_port = 9\n")
        .unwrap();

    let out = run_cli(&["--config", file.to_str().unwrap(), "migrate"], &[]).await;

    assert!(!out.success);
    assert_eq!(out.stderr.trim().lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("unknown key `listen_port`"),
        "{}",
        out.stderr
    );
}

#[tokio::test]
async fn an_invalid_value_is_refused_naming_the_key() {
    let out = run_cli(&["migrate"], &[("TAPID_ISSUER", "http://example.com")]).await;
    assert!(!out.success);
    assert!(out.stderr.contains("`issuer`"), "{}", out.stderr);
    assert!(
        out.stderr.contains("http is allowed only for localhost"),
        "{}",
        out.stderr
    );

    let out = run_cli(&["migrate"], &[("TAPID_LOG_FORMAT", "xml")]).await;
    assert!(!out.success);
    assert!(out.stderr.contains("`log_format`"), "{}", out.stderr);
}

#[tokio::test]
async fn a_throttle_limit_of_zero_is_refused_naming_the_key() {
    let out = run_cli(&["migrate"], &[("TAPID_THROTTLE__PER_ADDRESS", "0")]).await;

    assert!(!out.success);
    assert_eq!(out.stderr.trim().lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("`throttle.per_address`"),
        "{}",
        out.stderr
    );
}

#[tokio::test]
async fn a_malformed_database_url_gives_one_clear_line() {
    for url in ["mysql://localhost/tapid", "postgres://[::1", "sqlite://"] {
        let out = run_cli(&["migrate"], &[("TAPID_DATABASE_URL", url)]).await;
        assert!(!out.success, "{url}");
        assert_eq!(
            out.stderr.trim().lines().count(),
            1,
            "{url}: {}",
            out.stderr
        );
        assert!(out.stderr.starts_with("error: "), "{url}: {}", out.stderr);
        assert!(!out.stderr.contains("panicked"), "{url}: {}", out.stderr);
    }
}

#[tokio::test]
async fn an_unreachable_database_gives_one_clear_line() {
    let out = run_cli(
        &["migrate"],
        &[("TAPID_DATABASE_URL", "postgres://tapid@127.0.0.1:1/tapid")],
    )
    .await;

    assert!(!out.success);
    assert_eq!(out.stderr.trim().lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("cannot reach the database"),
        "{}",
        out.stderr
    );
}

#[tokio::test]
async fn the_database_url_never_appears_in_errors() {
    let out = run_cli(
        &["migrate"],
        &[(
            "TAPID_DATABASE_URL",
            "postgres://tapid:hunter2@127.0.0.1:1/tapid",
        )],
    )
    .await;

    assert!(!out.success);
    assert!(!out.stderr.contains("hunter2"), "{}", out.stderr);
}

#[tokio::test]
async fn a_wrong_secrets_key_is_refused_at_start_with_a_clear_line() {
    let app = crate::helpers::spawn_app().await;
    let other_key = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

    let out = run_cli(
        &["user", "list"],
        &[
            ("TAPID_DATABASE_URL", &app.database_url),
            ("TAPID_KEY", other_key),
        ],
    )
    .await;

    assert!(!out.success);
    assert_eq!(out.stderr.trim().lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("does not match this database"),
        "{}",
        out.stderr
    );
}

#[tokio::test]
async fn a_malformed_secrets_key_is_refused() {
    let app = crate::helpers::spawn_app().await;

    let out = run_cli(
        &["user", "list"],
        &[
            ("TAPID_DATABASE_URL", &app.database_url),
            ("TAPID_KEY", "short"),
        ],
    )
    .await;

    assert!(!out.success);
    assert!(
        out.stderr.contains("is not 32 bytes of base64"),
        "{}",
        out.stderr
    );
}

#[tokio::test]
async fn the_key_file_is_created_beside_the_sqlite_database_with_mode_0600() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("tapid.db").display());

    run_cli(&["user", "list"], &[("TAPID_DATABASE_URL", &url)])
        .await
        .ok();

    let key = dir.path().join("tapid.key");
    assert!(key.exists());
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[tokio::test]
async fn a_bad_command_line_is_one_line_on_stderr() {
    for args in [
        &["user", "frobnicate"][..],
        &["tap", "issue", "alice", "--lifetime", "soon"],
        &["--no-such-flag"],
    ] {
        let out = run_cli(args, &[]).await;
        assert!(!out.success, "{args:?}");
        assert_eq!(
            out.stderr.trim().lines().count(),
            1,
            "{args:?}: {}",
            out.stderr
        );
        assert!(
            out.stderr.starts_with("error: "),
            "{args:?}: {}",
            out.stderr
        );
    }
    let help = run_cli(&["--help"], &[]).await;
    assert!(help.success);
    assert!(help.stdout.contains("Usage:"), "{}", help.stdout);
}
