//! The `tapid serve` process itself: first run, logs, graceful shutdown.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};

use crate::helpers::{client_for, tapid_binary};

struct Server {
    child: tokio::process::Child,
    addr: std::net::SocketAddr,
    lines: tokio::sync::mpsc::UnboundedReceiver<String>,
    _dir: tempfile::TempDir,
}

async fn start_server() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let addr = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap()
    };
    let mut command = tokio::process::Command::new(tapid_binary());
    for (key, _) in std::env::vars() {
        if key.starts_with("TAPID_") {
            command.env_remove(key);
        }
    }
    let mut child = command
        .current_dir(dir.path())
        .env("TAPID_LISTEN", addr.to_string())
        .env("TAPID_ISSUER", format!("http://localhost:{}", addr.port()))
        .env("TAPID_LOG_FORMAT", "json")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let (tx, lines) = tokio::sync::mpsc::unbounded_channel();
    for stream in [
        Box::new(child.stdout.take().unwrap()) as Box<dyn tokio::io::AsyncRead + Unpin + Send>,
        Box::new(child.stderr.take().unwrap()),
    ] {
        let tx = tx.clone();
        tokio::spawn(async move {
            let mut reader = BufReader::new(stream).lines();
            while let Ok(Some(line)) = reader.next_line().await {
                let _ = tx.send(line);
            }
        });
    }
    let client = client_for(addr);
    for _ in 0..100 {
        if client
            .get(format!("http://localhost:{}/healthz", addr.port()))
            .send()
            .await
            .is_ok()
        {
            return Server {
                child,
                addr,
                lines,
                _dir: dir,
            };
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("tapid did not start");
}

impl Server {
    fn drain(&mut self) -> Vec<String> {
        let mut out = Vec::new();
        while let Ok(line) = self.lines.try_recv() {
            out.push(line);
        }
        out
    }
}

#[tokio::test]
async fn first_run_creates_the_database_and_the_admin_account() {
    let mut server = start_server().await;
    let db_file = server._dir.path().join("tapid.db");
    assert!(db_file.exists(), "tapid.db is created beside the process");

    tokio::time::sleep(Duration::from_millis(200)).await;
    let output = server.drain().join("\n");
    assert!(
        output.contains("Created the administrator account `admin`"),
        "{output}"
    );
}

#[tokio::test]
async fn json_logs_are_one_object_per_line_without_query_strings() {
    let mut server = start_server().await;
    let client = client_for(server.addr);
    let url = format!(
        "http://localhost:{}/healthz?code=supersecretcode",
        server.addr.port()
    );
    assert_eq!(client.get(url).send().await.unwrap().status(), 200);
    tokio::time::sleep(Duration::from_millis(200)).await;

    let lines = server.drain();
    let logs: Vec<serde_json::Value> = lines
        .iter()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let request = logs
        .iter()
        .find(|l| l["message"] == "request" && l["path"] == "/healthz")
        .unwrap_or_else(|| panic!("no request log in {lines:?}"));
    assert_eq!(request["method"], "GET");
    assert_eq!(request["status"], 200);
    assert!(request["duration_ms"].is_number());
    assert!(
        !lines.iter().any(|l| l.contains("supersecretcode")),
        "query strings are never logged"
    );
}

#[tokio::test]
async fn sigterm_stops_the_server_gracefully() {
    let mut server = start_server().await;
    let pid = server.child.id().unwrap();

    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = tokio::time::timeout(Duration::from_secs(10), server.child.wait())
        .await
        .unwrap()
        .unwrap();

    assert!(exit.success(), "exit status {exit:?}");
}
