//! `tapid audit tail --follow --json`: new events stream out as they commit, in chain order.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};

use crate::helpers::{spawn_app, tapid_binary};

#[tokio::test]
async fn tail_follow_streams_each_new_event_once_in_chain_order() {
    let app = spawn_app().await;
    let key_file = app.config.key_file_path();
    let mut tail = tokio::process::Command::new(tapid_binary())
        .args(["audit", "tail", "--follow", "--json", "-n", "0"])
        .env("TAPID_DATABASE_URL", &app.database_url)
        .env("TAPID_KEY_FILE", &key_file)
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(tail.stdout.take().unwrap()).lines();
    // Give the tail time to read the head before anything new is recorded.
    tokio::time::sleep(Duration::from_millis(800)).await;

    for name in ["erin", "frank", "grace"] {
        app.cli(&["user", "add", name]).await.ok();
    }

    let mut events = Vec::new();
    while events.len() < 3 {
        let line = tokio::time::timeout(Duration::from_secs(15), lines.next_line())
            .await
            .expect("the tail printed the new events")
            .unwrap()
            .expect("a line");
        let event: serde_json::Value = serde_json::from_str(&line).expect("JSON Lines");
        events.push(event);
    }
    tail.kill().await.unwrap();
    let names: Vec<&str> = events
        .iter()
        .map(|e| e["target"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["erin", "frank", "grace"]);
    assert!(events.iter().all(|e| e["action"] == "user.created"));
    let seqs: Vec<i64> = events.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "{seqs:?}");
}
