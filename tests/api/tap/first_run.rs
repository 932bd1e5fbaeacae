//! First run: the bootstrap `admin` gets a one-time pass for one hour, printed once with the
//! sign-in URL, and it works.

use std::process::Stdio;
use std::time::Duration;

use tapid::tap::Reason;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::helpers::tap::fresh_database;
use crate::helpers::{spawn_app, tapid_binary};

#[tokio::test]
async fn first_run_prints_a_working_one_time_admin_pass_with_the_sign_in_url() {
    let dir = tempfile::tempdir().unwrap();
    let database = fresh_database(&dir).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut command = tokio::process::Command::new(tapid_binary());
    for (key, _) in std::env::vars() {
        if key.starts_with("TAPID_") {
            command.env_remove(key);
        }
    }
    let mut child = command
        .current_dir(dir.path())
        .env("TAPID_DATABASE_URL", &database.url)
        .env("TAPID_KEY_FILE", dir.path().join("tapid.key"))
        .env("TAPID_LISTEN", format!("127.0.0.1:{port}"))
        .env("TAPID_ISSUER", format!("http://localhost:{port}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = Vec::new();
    let found = tokio::time::timeout(Duration::from_secs(20), async {
        while let Ok(Some(line)) = lines.next_line().await {
            printed.push(line.clone());
            if line.contains("Sign in with it at") {
                return;
            }
        }
    })
    .await;
    child.kill().await.unwrap();
    assert!(found.is_ok(), "no pass printed: {printed:?}");

    let pass_line = printed
        .iter()
        .find(|l| l.contains("One-time Temporary Access Pass for `admin`"))
        .unwrap();
    let code = pass_line.rsplit(": ").next().unwrap().trim();
    assert!(
        printed
            .iter()
            .any(|l| l.contains(&format!("http://localhost:{port}/login?login_hint=admin")))
    );
    let db = tapid::db::Db::open(&database.url).await.unwrap();
    let signed_in = tapid::tap::check_passcode(&db, "admin", code, None)
        .await
        .unwrap();
    assert!(signed_in.one_time);
    let lifetime = signed_in.ends_at - tapid::db::now();
    assert!(lifetime <= time::Duration::hours(1) && lifetime > time::Duration::minutes(55));
    db.close().await;
}

#[tokio::test]
async fn the_bootstrap_pass_is_issued_only_on_the_first_run() {
    let app = spawn_app().await;

    tapid::server::bootstrap(&app.db, &app.config)
        .await
        .unwrap();

    assert_eq!(app.events("tap.issued").await.len(), 1);
    let admin = app.pass_state("admin").await;
    assert!(admin.one_time);
    assert_eq!(admin.reason, Reason::EnabledByPolicy);
    assert_eq!(admin.created_by.kind, "system");
}
