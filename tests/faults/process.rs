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
        Self::start_as(database_url, dir, None).await
    }

    /// Starts another instance of a deployment: the same issuer (`issuer_port`'s) and key file.
    pub async fn start_as(
        database_url: &str,
        dir: &std::path::Path,
        issuer_port: Option<u16>,
    ) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let issuer_port = issuer_port.unwrap_or(port);
        let key_file = dir.join("tapid.key").display().to_string();
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_tapid"));
        clean_env(&mut command);
        let child = command
            .current_dir(dir)
            .env("TAPID_LISTEN", format!("127.0.0.1:{port}"))
            .env("TAPID_ISSUER", format!("http://localhost:{issuer_port}"))
            .env("TAPID_DATABASE_URL", database_url)
            .env("TAPID_KEY_FILE", &key_file)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
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

    /// A pass sign-in through the real pages in a fresh browser: `Some(true)` when it was admitted to
    /// setup, `Some(false)` when refused, `None` when the server stopped answering midway.
    pub async fn sign_in_with_pass(&self, username: &str, passcode: &str) -> Option<bool> {
        let browser = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .resolve("localhost", ([127, 0, 0, 1], self.port).into())
            .build()
            .unwrap();
        let page = browser
            .get(self.url("/login"))
            .send()
            .await
            .ok()?
            .text()
            .await
            .ok()?;
        let csrf = form_field(&page, "csrf").expect("a CSRF field on /login");
        let form = [
            ("csrf", csrf.as_str()),
            ("username", username),
            ("return_to", ""),
            ("level", ""),
        ];
        let methods = browser
            .post(self.url("/login"))
            .form(&form)
            .send()
            .await
            .ok()?;
        let methods = methods.headers().get("location")?.to_str().ok()?;
        let tap_page = methods.replacen("/login/methods", "/login/tap", 1);
        let page = browser
            .get(self.url(&tap_page))
            .send()
            .await
            .ok()?
            .text()
            .await
            .ok()?;
        let csrf = form_field(&page, "csrf").expect("a CSRF field on /login/tap");
        let form = [
            ("csrf", csrf.as_str()),
            ("passcode", passcode),
            ("return_to", ""),
            ("level", ""),
        ];
        let answer = browser
            .post(self.url("/login/tap"))
            .form(&form)
            .send()
            .await
            .ok()?;
        Some(
            answer
                .headers()
                .get("location")
                .and_then(|l| l.to_str().ok())
                .is_some_and(|l| l.starts_with("/security-info/setup")),
        )
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

fn form_field(html: &str, name: &str) -> Option<String> {
    let document = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse(&format!("input[name=\"{name}\"]")).unwrap();
    document
        .select(&selector)
        .next()
        .and_then(|e| e.value().attr("value"))
        .map(String::from)
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
