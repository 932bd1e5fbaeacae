//! `tapid serve --check-config`: the effective configuration, secrets redacted; exit 0 or 1.

use std::io::Write;

use crate::helpers::run_cli;

#[tokio::test]
async fn check_config_prints_the_effective_configuration_without_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tapid.toml");
    std::fs::File::create(&file)
        .unwrap()
        .write_all(b"listen = \"0.0.0.0:9000\"\n[throttle]\nper_address = 7\n")
        .unwrap();

    let out = run_cli(
        &[
            "--config",
            file.to_str().unwrap(),
            "serve",
            "--check-config",
        ],
        &[
            (
                "TAPID_DATABASE_URL",
                "postgres://tapid:hunter2@db.internal/tapid",
            ),
            ("TAPID_KEY", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="),
        ],
    )
    .await;

    assert!(out.success, "{}", out.stderr);
    let shown: toml::Value = toml::from_str(&out.stdout).expect("TOML");
    assert_eq!(shown["listen"].as_str(), Some("0.0.0.0:9000"));
    assert_eq!(shown["throttle"]["per_address"].as_integer(), Some(7));
    assert_eq!(
        shown["log_format"].as_str(),
        Some("text"),
        "defaults shown too"
    );
    assert_eq!(shown["key"].as_str(), Some("[redacted]"));
    let url = shown["database_url"].as_str().unwrap();
    assert!(url.contains("db.internal"), "{url}");
    assert!(!out.stdout.contains("hunter2"), "{}", out.stdout);
    assert!(!out.stdout.contains("AAAAAAAAAAAA"), "{}", out.stdout);
}

#[tokio::test]
async fn check_config_exits_1_with_one_line_on_a_bad_configuration() {
    let out = run_cli(
        &["serve", "--check-config"],
        &[("TAPID_ISSUER", "http://id.example.com")],
    )
    .await;

    assert!(!out.success);
    assert_eq!(out.stderr.trim().lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.contains("`issuer`"), "{}", out.stderr);
}

#[tokio::test]
async fn check_config_neither_serves_nor_touches_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("never.db");
    let url = format!("sqlite://{}", db.display());

    let out = run_cli(
        &["serve", "--check-config", "--json"],
        &[("TAPID_DATABASE_URL", &url)],
    )
    .await;

    assert!(out.success, "{}", out.stderr);
    assert_eq!(out.json()["ok"], true);
    assert!(!db.exists(), "no database was created");
}
