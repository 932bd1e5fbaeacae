//! `spawn_app()` and the typed helpers the tests share.

pub mod admin;
pub mod logs;
pub mod oidc;
pub mod signin;
pub mod tap;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Output;
use std::sync::Arc;

use reqwest::cookie::Jar;
use tapid::config::{Config, Issuer, Secret};
use tapid::db::Db;
use tokio::net::TcpListener;

pub struct TestApp {
    /// The issuer, `http://localhost:PORT`; requests through `client` resolve it to the server.
    pub issuer: String,
    pub addr: SocketAddr,
    pub db: Db,
    pub database_url: String,
    pub config: Config,
    /// Keeps cookies (in `cookies`), follows no redirects.
    pub client: reqwest::Client,
    /// The browser's cookie jar, shared with `second_instance()` so one browser can cross instances.
    pub cookies: Arc<Jar>,
    pub dir: Arc<tempfile::TempDir>,
    /// The instance's metrics, as its `/metrics` would render them.
    pub metrics: Arc<tapid::metrics::Metrics>,
    _database: Arc<TestDatabase>,
}

/// Starts the real router on a free port with a fresh database.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// [`spawn_app`] with the configuration adjusted first.
pub async fn spawn_app_with(configure: impl FnOnce(&mut Config)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = TestDatabase::create(&dir).await;
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let issuer = format!("http://localhost:{}", addr.port());
    let mut config = Config {
        listen: addr,
        issuer: Issuer::parse(&issuer).expect("issuer"),
        database_url: Secret::new(database.url.clone()),
        key_file: Some(dir.path().join("tapid.key")),
        ..Config::default()
    };
    configure(&mut config);
    let db = Db::open(&database.url).await.expect("open database");
    tapid::server::bootstrap(&db, &config)
        .await
        .expect("bootstrap");
    let cookies = Arc::new(Jar::default());
    let metrics = serve_instance(listener, db.clone(), config.clone()).await;
    TestApp {
        client: client_with(addr, cookies.clone()),
        cookies,
        metrics,
        issuer,
        addr,
        db,
        database_url: database.url.clone(),
        config,
        dir: Arc::new(dir),
        _database: Arc::new(database),
    }
}

/// Serves the real router for one instance: its own connection pool, key caches and state.
async fn serve_instance(
    listener: TcpListener,
    db: Db,
    config: Config,
) -> Arc<tapid::metrics::Metrics> {
    let sealer = tapid::secrets::Sealer::from_config(&config).expect("key");
    sealer.check_against(&db).await.expect("key check");
    let limits = config.http.clone();
    let state = tapid::AppState::new(db, config, sealer);
    let metrics = state.metrics.clone();
    let app = tapid::app(state);
    tokio::spawn(async move {
        // The server's own connection handling, timeouts and limit included.
        let nofile = tapid::http::connections::raise_nofile_limit();
        let max = tapid::http::connections::connection_limit(limits.max_connections, nofile);
        tapid::http::connections::serve(listener, app, limits, max, std::future::pending())
            .await
            .expect("serve");
    });
    metrics
}

/// A client that keeps cookies, follows no redirects and reaches `localhost` at the test server.
pub fn client_for(addr: SocketAddr) -> reqwest::Client {
    client_with(addr, Arc::new(Jar::default()))
}

fn client_with(addr: SocketAddr, cookies: Arc<Jar>) -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_provider(cookies)
        .redirect(reqwest::redirect::Policy::none())
        .resolve("localhost", addr)
        .build()
        .expect("client")
}

impl TestApp {
    /// The same instance seen from another browser (its own cookie jar).
    pub fn new_browser(&self) -> TestApp {
        let cookies = Arc::new(Jar::default());
        TestApp {
            client: client_with(self.addr, cookies.clone()),
            cookies,
            metrics: self.metrics.clone(),
            issuer: self.issuer.clone(),
            addr: self.addr,
            db: self.db.clone(),
            database_url: self.database_url.clone(),
            config: self.config.clone(),
            dir: self.dir.clone(),
            _database: self._database.clone(),
        }
    }

    /// Another instance of the same deployment: same database, issuer and key, its own pool and
    /// caches, on its own port. Its client shares this app's cookie jar, as one browser behind a
    /// load balancer would.
    pub async fn second_instance(&self) -> TestApp {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local addr");
        let config = Config {
            listen: addr,
            ..self.config.clone()
        };
        let db = Db::open(&self.database_url).await.expect("open database");
        let metrics = serve_instance(listener, db.clone(), config.clone()).await;
        TestApp {
            client: client_with(addr, self.cookies.clone()),
            cookies: self.cookies.clone(),
            metrics,
            issuer: self.issuer.clone(),
            addr,
            db,
            database_url: self.database_url.clone(),
            config,
            dir: self.dir.clone(),
            _database: self._database.clone(),
        }
    }

    /// Every value of every column of every table, as text: what a copy of the database would reveal.
    pub async fn every_stored_text(&self) -> Vec<String> {
        let db = &self.db;
        let tables: Vec<(String,)> = if is_postgres() {
            sqlx::query_as(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public'",
        )
        .fetch_all(db.pool())
        .await
        .unwrap()
        } else {
            sqlx::query_as("SELECT name FROM sqlite_master WHERE type = 'table'")
                .fetch_all(db.pool())
                .await
                .unwrap()
        };
        let mut values = Vec::new();
        // sqlx's own bookkeeping holds migration checksums (binary), nothing tapid wrote.
        for (table,) in tables.into_iter().filter(|(t,)| !t.starts_with("_sqlx")) {
            let columns: Vec<(String,)> = if is_postgres() {
                sqlx::query_as(
                    "SELECT column_name::text FROM information_schema.columns \
                 WHERE table_schema = 'public' AND table_name = $1",
                )
                .bind(&table)
                .fetch_all(db.pool())
                .await
                .unwrap()
            } else {
                sqlx::query_as("SELECT name FROM pragma_table_info($1)")
                    .bind(&table)
                    .fetch_all(db.pool())
                    .await
                    .unwrap()
            };
            for (column,) in columns {
                let rows: Vec<(Option<String>,)> =
                    sqlx::query_as(&format!("SELECT CAST({column} AS TEXT) FROM {table}"))
                        .fetch_all(db.pool())
                        .await
                        .unwrap();
                values.extend(rows.into_iter().filter_map(|(v,)| v));
            }
        }
        values
    }

    /// A URL on this instance. It names the instance's own port: a client sends a request to the port in
    /// its URL whatever the resolver says, so another instance's URLs must carry its own port. (The host
    /// is `localhost` for all of them, so one browser's cookies reach every instance.)
    pub fn url(&self, path: &str) -> String {
        format!("http://localhost:{}{path}", self.addr.port())
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }

    /// Runs the `tapid` binary against this app's database.
    pub async fn cli(&self, args: &[&str]) -> CliOutput {
        let key_file = self.config.key_file_path();
        let key_file = key_file.to_str().expect("key file path");
        run_cli(
            args,
            &[
                ("TAPID_DATABASE_URL", &self.database_url),
                ("TAPID_KEY_FILE", key_file),
            ],
        )
        .await
    }
}

pub struct CliOutput {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

impl CliOutput {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.stdout))
    }

    /// Asserts success and returns stdout.
    pub fn ok(&self) -> &str {
        assert!(self.success, "command failed: {}", self.stderr);
        &self.stdout
    }
}

impl From<Output> for CliOutput {
    fn from(out: Output) -> Self {
        Self {
            success: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

pub fn tapid_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_tapid"))
}

/// Runs the binary with a clean `TAPID_*` environment plus `env`.
pub async fn run_cli(args: &[&str], env: &[(&str, &str)]) -> CliOutput {
    let mut command = tokio::process::Command::new(tapid_binary());
    command.args(args);
    for (key, _) in std::env::vars() {
        if key.starts_with("TAPID_") {
            command.env_remove(key);
        }
    }
    command.envs(env.iter().copied());
    command.output().await.expect("run tapid").into()
}

/// A database for one test: an SQLite file in the test's temp dir, or a fresh PostgreSQL database
/// (dropped afterwards) when `TAPID_TEST_DATABASE_URL` is set.
pub struct TestDatabase {
    pub url: String,
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    async fn create(dir: &tempfile::TempDir) -> Self {
        match std::env::var("TAPID_TEST_DATABASE_URL") {
            Ok(admin_url) if !admin_url.is_empty() => {
                let name = format!("tapid_test_{}", uuid::Uuid::new_v4().simple());
                let admin = Db::connect(&admin_url).await.expect("reach PostgreSQL");
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(admin.pool())
                    .await
                    .expect("create test database");
                admin.close().await;
                let mut url = url::Url::parse(&admin_url).expect("TAPID_TEST_DATABASE_URL");
                url.set_path(&name);
                Self {
                    url: url.to_string(),
                    postgres: Some((admin_url, name)),
                }
            }
            _ => Self {
                url: format!("sqlite://{}", dir.path().join("tapid.db").display()),
                postgres: None,
            },
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.postgres.is_some()
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some((admin_url, name)) = self.postgres.take() else {
            return;
        };
        // Drop runs inside the test's runtime: do the async work on a thread of its own.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                if let Ok(admin) = Db::connect(&admin_url).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(admin.pool())
                        .await;
                    admin.close().await;
                }
            });
        })
        .join();
    }
}

pub fn is_postgres() -> bool {
    std::env::var("TAPID_TEST_DATABASE_URL").is_ok_and(|v| !v.is_empty())
}
