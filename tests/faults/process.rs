//! A `tapid serve` process and the few requests the fault tests make.

use std::process::Stdio;
use std::time::Duration;

pub struct Tapid {
    pub child: tokio::process::Child,
    pub port: u16,
    pub database_url: String,
    key_file: String,
    pub client: reqwest::Client,
}

impl Tapid {
    /// Starts `tapid serve` on a free port and waits until `/healthz` answers.
    pub async fn start(database_url: &str, dir: &std::path::Path) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let key_file = dir.join("tapid.key").display().to_string();
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_tapid"));
        clean_env(&mut command);
        let child = command
            .current_dir(dir)
            .env("TAPID_LISTEN", format!("127.0.0.1:{port}"))
            .env("TAPID_ISSUER", format!("http://localhost:{port}"))
            .env("TAPID_DATABASE_URL", database_url)
            .env("TAPID_KEY_FILE", &key_file)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let client = reqwest::Client::builder()
            .resolve("localhost", ([127, 0, 0, 1], port).into())
            .timeout(Duration::from_secs(20))
            .build()
            .unwrap();
        let tapid = Self {
            child,
            port,
            database_url: database_url.into(),
            key_file,
            client,
        };
        for _ in 0..150 {
            if tapid.get("/healthz").await.is_ok_and(|r| r.status() == 200) {
                return tapid;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("tapid did not start");
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://localhost:{}{path}", self.port)
    }

    pub async fn get(&self, path: &str) -> reqwest::Result<reqwest::Response> {
        self.client.get(self.url(path)).send().await
    }

    /// Runs an admin command against the same database.
    pub async fn cli(&self, args: &[&str]) -> serde_json::Value {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_tapid"));
        clean_env(&mut command);
        let out = command
            .args(args)
            .arg("--json")
            .env("TAPID_DATABASE_URL", &self.database_url)
            .env("TAPID_KEY_FILE", &self.key_file)
            .output()
            .await
            .unwrap();
        assert!(
            out.status.success(),
            "tapid {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// A confidential client allowed `client_credentials`; returns (id, secret).
    pub async fn service_client(&self, id: &str) -> (String, String) {
        let client = self
            .cli(&["client", "add", id, "--grant", "client_credentials"])
            .await;
        let secret = client["client_secret"]
            .as_str()
            .expect("client_secret in the output")
            .to_string();
        (id.to_string(), secret)
    }

    pub async fn client_credentials(
        &self,
        id: &str,
        secret: &str,
    ) -> reqwest::Result<reqwest::Response> {
        self.client
            .post(self.url("/token"))
            .basic_auth(id, Some(secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
    }

    pub fn signal(&self, signal: &str) {
        let pid = self.child.id().expect("running").to_string();
        let status = std::process::Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .unwrap();
        assert!(status.success());
    }
}

fn clean_env(command: &mut tokio::process::Command) {
    for (key, _) in std::env::vars() {
        if key.starts_with("TAPID_") {
            command.env_remove(key);
        }
    }
}

/// Polls `check` until it is true or `seconds` pass.
pub async fn eventually<F, Fut>(seconds: u64, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..seconds * 5 {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    false
}
