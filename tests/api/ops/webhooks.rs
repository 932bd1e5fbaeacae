//! Webhooks against a real receiver that verifies every signature with the `standardwebhooks` package:
//! it fails, times out and recovers; tapid is killed mid-delivery; two instances share the outbox.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::{CliOutput, run_cli};
use crate::ops::process::{self, Process};
use crate::ops::python;

/// The webhook receiver (tests/support/webhook_receiver.py) and the log of every attempt it saw.
struct Receiver {
    _child: tokio::process::Child,
    port: u16,
    log: PathBuf,
}

impl Receiver {
    async fn start(dir: &Path) -> Self {
        let port = process::free_addr().port();
        let log = dir.join("received.jsonl");
        let child = tokio::process::Command::new(python::python())
            .arg(python::support("webhook_receiver.py"))
            .arg(port.to_string())
            .arg(&log)
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let receiver = Self {
            _child: child,
            port,
            log,
        };
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return receiver;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the receiver did not start");
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hooks/security", self.port)
    }

    async fn control(&self, settings: Value) {
        let response = reqwest::Client::new()
            .post(format!("http://127.0.0.1:{}/control", self.port))
            .json(&settings)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 204);
    }

    /// Every attempt so far, in arrival order.
    fn attempts(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// Waits until `done` holds for the attempts so far.
    async fn wait_for(&self, what: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let attempts = self.attempts();
            if done(&attempts) {
                return attempts;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}: {attempts:#?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// The names of the users whose `user.created` events were accepted, each message counted once (the
/// first 2xx of each `webhook-id`), in the order the receiver accepted them.
fn accepted_names(attempts: &[Value]) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    attempts
        .iter()
        .filter(|a| a["status"] == 204 && seen.insert(a["id"].as_str().unwrap().to_string()))
        .map(|a| a["name"].as_str().unwrap_or_default().to_string())
        .collect()
}

struct Deployment {
    dir: tempfile::TempDir,
    database_url: String,
    key_file: String,
    _db: crate::helpers::TestDatabase,
}

impl Deployment {
    async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::helpers::tap::fresh_database(&dir).await;
        let key_file = dir.path().join("tapid.key").to_str().unwrap().to_string();
        Self {
            database_url: db.url.clone(),
            key_file,
            _db: db,
            dir,
        }
    }

    fn env(&self) -> Vec<(&str, &str)> {
        vec![
            ("TAPID_DATABASE_URL", self.database_url.as_str()),
            ("TAPID_KEY_FILE", self.key_file.as_str()),
            ("TAPID_WEBHOOKS__TIMEOUT_SECONDS", "2"),
            ("TAPID_WEBHOOKS__MAX_BACKOFF_SECONDS", "1"),
        ]
    }

    async fn instance(&self) -> Process {
        process::start(self.dir.path(), process::free_addr(), &self.env()).await
    }

    async fn cli(&self, args: &[&str]) -> CliOutput {
        run_cli(args, &self.env()[..2]).await
    }

    async fn add_users(&self, names: &[&str]) {
        for name in names {
            self.cli(&["user", "add", name]).await.ok();
        }
    }

    /// Registers the receiver for user events; tells it the secret, shown this once.
    async fn register(&self, receiver: &Receiver) -> String {
        let out = self
            .cli(&[
                "webhook",
                "add",
                &receiver.url(),
                "--event",
                "user.*",
                "--json",
            ])
            .await;
        out.ok();
        let created = out.json();
        let secret = created["secret"].as_str().unwrap();
        assert!(secret.starts_with("whsec_"));
        receiver.control(json!({ "secret": secret })).await;
        created["id"].as_str().unwrap().to_string()
    }
}

#[tokio::test]
async fn deliveries_survive_failures_timeouts_and_a_sigkill_in_order_and_verified() {
    let deployment = Deployment::new().await;
    let receiver = Receiver::start(deployment.dir.path()).await;
    receiver.control(json!({ "mode": "fail" })).await;
    // The first start creates `admin` (a user event) before the endpoint exists.
    let first = deployment.instance().await;
    let id = deployment.register(&receiver).await;

    // Failing: every attempt is answered 500, and retried.
    deployment.add_users(&["u1", "u2", "u3"]).await;
    receiver
        .wait_for("three failed attempts", |a| {
            a.iter().filter(|a| a["status"] == 500).count() >= 3
        })
        .await;
    let shown = deployment
        .cli(&["webhook", "show", &id, "--json"])
        .await
        .json();
    assert_eq!(shown["last_status"], "500");
    assert!(shown["failures"].as_i64().unwrap() >= 3, "{shown}");
    assert_eq!(shown["pending"], 3, "nothing delivered, nothing lost");

    // Timing out: the receiver answers after tapid stopped waiting.
    receiver
        .control(json!({ "mode": "timeout", "delay": 4 }))
        .await;
    receiver
        .wait_for("a timed-out attempt", |a| {
            a.iter().any(|a| a["mode"] == "timeout")
        })
        .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let shown = deployment
        .cli(&["webhook", "show", &id, "--json"])
        .await
        .json();
    assert_eq!(shown["last_status"], "timeout", "{shown}");

    // Recovering: everything arrives, in order.
    receiver.control(json!({ "mode": "ok" })).await;
    receiver
        .wait_for("u1..u3 accepted", |a| accepted_names(a).len() >= 3)
        .await;

    // Killed mid-delivery: the receiver holds the request open, tapid dies with it in flight.
    receiver.control(json!({ "mode": "hang" })).await;
    deployment.add_users(&["u4", "u5", "u6"]).await;
    receiver
        .wait_for("a delivery in flight", |a| {
            a.iter().any(|a| a["mode"] == "hang")
        })
        .await;
    first.kill().await;
    receiver.control(json!({ "mode": "ok" })).await;
    let _second = deployment.instance().await;
    let attempts = receiver
        .wait_for("u1..u6 accepted", |a| accepted_names(a).len() >= 6)
        .await;

    assert_eq!(
        accepted_names(&attempts),
        ["u1", "u2", "u3", "u4", "u5", "u6"]
    );
    assert!(
        attempts.iter().all(|a| a["verified"] == true),
        "every delivery verifies with standardwebhooks: {attempts:#?}"
    );
    let hung = attempts.iter().find(|a| a["mode"] == "hang").unwrap();
    assert_eq!(hung["name"], "u4");
    assert!(
        attempts
            .iter()
            .any(|a| a["id"] == hung["id"] && a["status"] == 204),
        "the message in flight at the kill is sent again, with the same webhook-id"
    );
    let seqs: Vec<i64> = attempts
        .iter()
        .filter(|a| a["status"] == 204)
        .map(|a| a["seq"].as_i64().unwrap())
        .collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "in order: {seqs:?}");
    let shown = deployment
        .cli(&["webhook", "show", &id, "--json"])
        .await
        .json();
    assert_eq!(shown["pending"], 0);
    assert_eq!(shown["delivered"], 6);
    assert_eq!(shown["failures"], 0);
}

#[tokio::test]
async fn two_instances_deliver_each_event_once_per_endpoint_in_order() {
    let deployment = Deployment::new().await;
    let receiver = Receiver::start(deployment.dir.path()).await;
    let _a = deployment.instance().await;
    deployment.register(&receiver).await;
    let _b = deployment.instance().await;

    let names: Vec<String> = (1..=12).map(|n| format!("user{n:02}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    deployment.add_users(&names).await;
    let attempts = receiver
        .wait_for("twelve deliveries", |a| accepted_names(a).len() >= 12)
        .await;
    // Let any duplicate that was going to come arrive.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let attempts_after = receiver.attempts();

    assert_eq!(
        attempts_after.len(),
        attempts.len(),
        "no event delivered twice"
    );
    assert_eq!(accepted_names(&attempts_after), names);
    assert!(attempts_after.iter().all(|a| a["verified"] == true));
}

#[tokio::test]
async fn webhook_types_are_checked_and_the_secret_is_stored_sealed() {
    let deployment = Deployment::new().await;
    let bad = deployment
        .cli(&[
            "webhook",
            "add",
            "http://127.0.0.1:9/x",
            "--event",
            "tap locked!",
        ])
        .await;
    assert!(!bad.success);
    assert!(bad.stderr.contains("not an event type"), "{}", bad.stderr);
    let bad_url = deployment
        .cli(&["webhook", "add", "ftp://example.com/x", "--event", "tap.*"])
        .await;
    assert!(!bad_url.success);
    assert!(
        bad_url.stderr.contains("http or https"),
        "{}",
        bad_url.stderr
    );

    let created = deployment
        .cli(&[
            "webhook",
            "add",
            "http://127.0.0.1:9/x",
            "--event",
            "tap.*",
            "--json",
        ])
        .await
        .json();
    let secret = created["secret"].as_str().unwrap().to_string();
    let listed = deployment.cli(&["webhook", "list", "--json"]).await;
    assert!(!listed.stdout.contains(&secret), "shown once only");
    let db = tapid::db::Db::connect(&deployment.database_url)
        .await
        .unwrap();
    let stored: Vec<(String,)> = sqlx::query_as("SELECT secret_sealed FROM webhook_endpoints")
        .fetch_all(db.pool())
        .await
        .unwrap();
    assert!(!stored[0].0.contains(&secret[6..]), "sealed at rest");
    db.close().await;
}
