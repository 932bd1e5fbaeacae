//! `tapid backup --to FILE`: an online copy of an SQLite database whose audit chain verifies; PostgreSQL
//! deployments are sent to pg_dump (and a pg_dump copy verifies too).

use crate::helpers::{is_postgres, run_cli, spawn_app};

#[tokio::test]
async fn a_backup_taken_while_serving_restores_with_an_intact_audit_chain() {
    let app = spawn_app().await;
    for name in ["alice", "bob", "carol"] {
        app.cli(&["user", "add", name]).await.ok();
    }
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.db");

    let out = app.cli(&["backup", "--to", copy.to_str().unwrap()]).await;

    if is_postgres() {
        assert!(!out.success);
        assert_eq!(out.stderr.trim().lines().count(), 1, "{}", out.stderr);
        assert!(out.stderr.contains("pg_dump"), "{}", out.stderr);
        assert!(!copy.exists());
        restore_with_pg_dump_and_verify(&app).await;
        return;
    }
    assert!(out.success, "{}", out.stderr);
    // The server keeps writing after the copy; the copy is a snapshot of its own.
    app.cli(&["user", "add", "dave"]).await.ok();
    let restored = format!("sqlite://{}", copy.display());
    let key_file = app.config.key_file_path();
    let env = [
        ("TAPID_DATABASE_URL", restored.as_str()),
        ("TAPID_KEY_FILE", key_file.to_str().unwrap()),
    ];
    let verify = run_cli(&["audit", "verify", "--json"], &env).await;
    assert!(verify.success, "{}", verify.stderr);
    let users = run_cli(&["user", "list", "--json"], &env).await;
    let names: Vec<String> = users
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap().to_string())
        .collect();
    assert!(names.contains(&"carol".to_string()), "{names:?}");
    assert!(!names.contains(&"dave".to_string()), "{names:?}");
    let events = run_cli(
        &["audit", "list", "--action", "user.created", "--json"],
        &env,
    )
    .await;
    assert_eq!(
        events.json().as_array().unwrap().len(),
        4,
        "admin (first run) and the three added before the copy"
    );
}

#[tokio::test]
async fn a_backup_never_overwrites_a_file() {
    if is_postgres() {
        return;
    }
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let existing = dir.path().join("precious.db");
    std::fs::write(&existing, b"keep me").unwrap();

    let out = app
        .cli(&["backup", "--to", existing.to_str().unwrap()])
        .await;

    assert!(!out.success);
    assert!(out.stderr.contains("already exists"), "{}", out.stderr);
    assert_eq!(std::fs::read(&existing).unwrap(), b"keep me");
}

/// What the message tells a PostgreSQL operator to do, done: pg_dump, restore into a new database, verify.
async fn restore_with_pg_dump_and_verify(app: &crate::helpers::TestApp) {
    let dump = app.dir.path().join("tapid.dump");
    let status = std::process::Command::new("pg_dump")
        .args([
            "--format=custom",
            "--file",
            dump.to_str().unwrap(),
            &app.database_url,
        ])
        .status()
        .expect("pg_dump is installed beside PostgreSQL");
    assert!(status.success());
    let admin_url = std::env::var("TAPID_TEST_DATABASE_URL").unwrap();
    let name = format!("tapid_restore_{}", uuid::Uuid::new_v4().simple());
    let admin = tapid::db::Db::connect(&admin_url).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(admin.pool())
        .await
        .unwrap();
    let mut restored = url::Url::parse(&admin_url).unwrap();
    restored.set_path(&name);
    let status = std::process::Command::new("pg_restore")
        .args([
            "--no-owner",
            "--dbname",
            restored.as_str(),
            dump.to_str().unwrap(),
        ])
        .status()
        .expect("pg_restore");
    let key_file = app.config.key_file_path();
    let verify = run_cli(
        &["audit", "verify"],
        &[
            ("TAPID_DATABASE_URL", restored.as_str()),
            ("TAPID_KEY_FILE", key_file.to_str().unwrap()),
        ],
    )
    .await;
    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(admin.pool())
        .await;
    admin.close().await;
    assert!(status.success());
    assert!(verify.success, "{}", verify.stderr);
    assert!(verify.stdout.contains("events verify"), "{}", verify.stdout);
}
