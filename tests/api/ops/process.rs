//! A real `tapid serve` process with a chosen environment, its output collected line by line.

use std::net::SocketAddr;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};

use crate::helpers::{client_for, tapid_binary};

pub struct Process {
    pub child: tokio::process::Child,
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    lines: tokio::sync::mpsc::UnboundedReceiver<String>,
    seen: Vec<String>,
}

/// A free port on the loopback interface.
pub fn free_addr() -> SocketAddr {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    probe.local_addr().unwrap()
}

/// Starts `tapid serve` in `dir` on `addr` with a clean `TAPID_*` environment plus `env`, and waits for
/// `/healthz`.
pub async fn start(dir: &std::path::Path, addr: SocketAddr, env: &[(&str, &str)]) -> Process {
    let mut command = tokio::process::Command::new(tapid_binary());
    for (key, _) in std::env::vars() {
        if key.starts_with("TAPID_") {
            command.env_remove(key);
        }
    }
    let mut child = command
        .current_dir(dir)
        .env("TAPID_LISTEN", addr.to_string())
        .env("TAPID_ISSUER", format!("http://localhost:{}", addr.port()))
        .env("TAPID_LOG_FORMAT", "json")
        .envs(env.iter().copied())
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
    let mut process = Process {
        child,
        addr,
        client,
        lines,
        seen: Vec::new(),
    };
    for _ in 0..200 {
        if process
            .client
            .get(process.url("/healthz"))
            .send()
            .await
            .is_ok()
        {
            return process;
        }
        if let Ok(Some(status)) = process.child.try_wait() {
            panic!("tapid exited ({status}): {}", process.output().join("\n"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("tapid did not start: {}", process.output().join("\n"));
}

impl Process {
    pub fn url(&self, path: &str) -> String {
        format!("http://localhost:{}{path}", self.addr.port())
    }

    /// Every line printed so far.
    pub fn output(&mut self) -> Vec<String> {
        while let Ok(line) = self.lines.try_recv() {
            self.seen.push(line);
        }
        self.seen.clone()
    }

    /// Kills the process at once (SIGKILL) and waits for it.
    pub async fn kill(mut self) {
        self.child.kill().await.unwrap();
    }
}
