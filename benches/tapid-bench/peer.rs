//! The peer of a side-by-side run (`--peer node-oidc-provider`): node-oidc-provider from npm, pinned in
//! `benches/node-oidc-provider/` (installed there with `npm ci` when missing), configured like tapid —
//! `client_credentials` with `client_secret_basic`, JWT access tokens signed RS256 or ES256 — and started
//! as a child process on a free port. The same load generator then drives both, scenario by scenario.

use std::fs;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::flows::Client;
use crate::http::{Conn, request};
use crate::tapid::free_port;

/// The peers the bench knows.
pub const PEERS: &[&str] = &["node-oidc-provider"];

/// The scenarios a peer runs too (those that need no sign-in through tapid's own pages).
pub const SCENARIOS: &[&str] = &["discovery", "jwks", "cc-rs256", "cc-es256"];

pub struct Peer {
    pub name: &'static str,
    pub version: String,
    pub addr: SocketAddr,
    pub host: String,
    pub log: PathBuf,
    /// `cc-rs256` and `cc-es256`'s clients, registered in the peer's configuration.
    pub clients: Vec<(&'static str, Client, &'static str)>,
    child: Option<Child>,
}

fn folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/node-oidc-provider")
}

/// `npm ci` in the peer's folder unless its pinned packages are there already.
fn install(dir: &Path) -> Result<(), String> {
    if dir.join("node_modules/oidc-provider/package.json").exists() {
        return Ok(());
    }
    eprintln!(
        "installing node-oidc-provider (npm ci in {})",
        dir.display()
    );
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(dir)
        .status()
        .map_err(|e| format!("cannot run npm (Node.js and npm are needed for --peer): {e}"))?;
    if !status.success() {
        return Err(format!("npm ci in {} failed ({status})", dir.display()));
    }
    Ok(())
}

fn installed_version(dir: &Path) -> String {
    fs::read_to_string(dir.join("node_modules/oidc-provider/package.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| v["version"].as_str().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

fn new_secret() -> String {
    hex::encode(rand::random::<[u8; 24]>())
}

impl Peer {
    pub async fn start(name: &str, run_dir: &Path) -> Result<Self, String> {
        if name != "node-oidc-provider" {
            return Err(format!(
                "unknown peer `{name}` (one of {})",
                PEERS.join(", ")
            ));
        }
        let dir = folder();
        install(&dir)?;
        let node = Command::new("node")
            .arg("--version")
            .output()
            .map_err(|e| format!("cannot run node: {e}"))?;
        let node = String::from_utf8_lossy(&node.stdout).trim().to_string();
        let version = format!("{} (Node.js {node})", installed_version(&dir));

        let port = free_port();
        let host = format!("localhost:{port}");
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let mut config = Vec::new();
        let mut clients = Vec::new();
        for (scenario, alg) in [("cc-rs256", "RS256"), ("cc-es256", "ES256")] {
            let (id, secret) = (format!("bench-{scenario}"), new_secret());
            config.push(serde_json::json!({"id": id, "secret": secret, "alg": alg}));
            clients.push((
                scenario,
                Client::new(&id, &secret, "https://rp.example.com/cb"),
                alg,
            ));
        }
        let log = run_dir.join("node-oidc-provider.log");
        let out = fs::File::create(&log).map_err(|e| format!("create {}: {e}", log.display()))?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        let child = Command::new("node")
            .arg("server.mjs")
            .current_dir(&dir)
            .env("PORT", port.to_string())
            .env("ISSUER", format!("http://{host}"))
            .env("CLIENTS", serde_json::Value::Array(config).to_string())
            .env("NODE_ENV", "production")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| format!("cannot start node: {e}"))?;
        let mut peer = Self {
            name: PEERS[0],
            version,
            addr,
            host,
            log,
            clients,
            child: Some(child),
        };
        let ready = request(
            "GET",
            "/.well-known/openid-configuration",
            &peer.host,
            &[],
            b"",
        );
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = peer
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                return Err(format!(
                    "{name} exited ({status}) before it was ready; its log: {}",
                    peer.log.display()
                ));
            }
            if let Ok(mut conn) = Conn::connect(addr, None).await {
                if conn.send(&ready).await.is_ok_and(|r| r.status == 200) {
                    return Ok(peer);
                }
            }
            if Instant::now() > deadline {
                peer.stop();
                return Err(format!("{name} did not answer discovery within 30 s"));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(Child::id).unwrap_or_default()
    }

    pub fn client(&self, scenario: &str) -> Option<(&Client, &'static str)> {
        self.clients
            .iter()
            .find(|(s, _, _)| *s == scenario)
            .map(|(_, c, alg)| (c, *alg))
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.stop();
    }
}
