//! tapid-bench: starts tapid (SQLite, or PostgreSQL with `--database-url`), prepares its own clients,
//! users and passes, and measures each scenario of issue 8 for a fixed duration at a fixed concurrency.
//!
//! ```sh
//! cargo bench --bench tapid-bench                       # everything, SQLite, 10 s per scenario
//! cargo bench --bench tapid-bench -- --only cc-rs256,jwks --duration 20
//! cargo bench --bench tapid-bench -- --database-url postgres://postgres@127.0.0.1:5432/postgres
//! cargo bench --bench tapid-bench -- --peer node-oidc-provider   # side by side, with ratios
//! ```
//!
//! Run without `--bench` (as `cargo test --benches` does) it only checks its own parsers and arithmetic.

mod flows;
mod http;
mod load;
mod machine;
mod peer;
mod prepare;
mod report;
mod scenarios;
mod setup;
mod signing;
mod suite;
mod tapid;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

/// Every scenario, in the order they run.
pub const SCENARIOS: &[(&str, &str)] = &[
    ("discovery", "GET /.well-known/openid-configuration"),
    ("jwks", "GET /jwks"),
    ("cc-rs256", "client_credentials grant, RS256 access token"),
    ("cc-es256", "client_credentials grant, ES256 access token"),
    (
        "code",
        "authorization_code redemption (codes prepared through the real flow)",
    ),
    ("refresh", "refresh_token rotation"),
    (
        "totp-signin",
        "complete sign-in: /authorize → username → TOTP code → code → /token",
    ),
    (
        "tap-signin",
        "Temporary Access Pass sign-in: username → passcode → restricted session",
    ),
];

#[derive(Debug, Parser)]
#[command(
    name = "tapid-bench",
    about = "Measures tapid: requests/s, latency, CPU and memory per scenario (issue 8)"
)]
pub struct Args {
    /// Seconds measured per scenario.
    #[arg(long, default_value_t = 10)]
    pub duration: u64,
    /// Seconds of warm-up before each measured window (not counted).
    #[arg(long, default_value_t = 2)]
    pub warmup: u64,
    /// Connections for the request and token scenarios.
    #[arg(long, default_value_t = 32)]
    pub concurrency: usize,
    /// People signing in at once (TOTP sign-in scenario).
    #[arg(long, default_value_t = 32)]
    pub signin_concurrency: usize,
    /// People signing in with a pass at once (each holds a 19 MiB Argon2 computation in tapid).
    #[arg(long, default_value_t = 8)]
    pub tap_concurrency: usize,
    /// Run against PostgreSQL: a fresh database `tapid_bench_<random>` is created on this server and
    /// dropped at the end. SQLite (a file in a temp dir) otherwise.
    #[arg(long, value_name = "postgres://…")]
    pub database_url: Option<String>,
    /// Where to write the results as JSON (default: tapid-bench.json in Cargo's target dir).
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
    /// Only these scenarios (comma-separated): discovery, jwks, cc-rs256, cc-es256, code, refresh,
    /// totp-signin, tap-signin.
    #[arg(long, value_delimiter = ',', value_name = "SCENARIO,…")]
    pub only: Vec<String>,
    /// Users with an authenticator app for the TOTP sign-in scenario (each signs in at most once per
    /// 30-second step, as a real person would).
    #[arg(long, default_value_t = 3000)]
    pub users: usize,
    /// Users with a multi-use pass for the pass sign-in scenario.
    #[arg(long, default_value_t = 150)]
    pub tap_users: usize,
    /// Codes to prepare for the redemption scenario (default: enough for the signing limit).
    #[arg(long)]
    pub codes: Option<usize>,
    /// Also measure this peer, started beside tapid and driven by the same load generator, scenario by
    /// scenario right after tapid (discovery, jwks, cc-rs256, cc-es256), and print both side by side
    /// with their ratios. `node-oidc-provider` is installed with `npm ci` in benches/node-oidc-provider
    /// when missing (needs Node.js and npm).
    #[arg(long, value_name = "PEER", value_parser = clap::builder::PossibleValuesParser::new(peer::PEERS))]
    pub peer: Option<String>,
    /// Keep the temp dir (configuration, database, tapid's log) and print where it is.
    #[arg(long)]
    pub keep: bool,
    /// Given by `cargo bench`; without it only the self-checks run.
    #[arg(long, hide = true)]
    pub bench: bool,
}

impl Args {
    pub fn wants(&self, scenario: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|s| s == scenario)
    }

    pub fn window(&self) -> load::Window {
        load::Window {
            warmup: Duration::from_secs(self.warmup),
            duration: Duration::from_secs(self.duration),
        }
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    if !args.bench {
        http::self_check();
        load::self_check();
        signing::self_check();
        println!(
            "tapid-bench: self-checks passed. Measure with `cargo bench --bench tapid-bench [-- OPTIONS]`."
        );
        return ExitCode::SUCCESS;
    }
    if let Some(unknown) = args
        .only
        .iter()
        .find(|s| !SCENARIOS.iter().any(|(name, _)| name == s))
    {
        let names: Vec<&str> = SCENARIOS.iter().map(|(n, _)| *n).collect();
        eprintln!(
            "tapid-bench: unknown scenario `{unknown}` (one of {})",
            names.join(", ")
        );
        return ExitCode::from(2);
    }
    if args.duration == 0 || args.concurrency == 0 {
        eprintln!("tapid-bench: --duration and --concurrency must be at least 1");
        return ExitCode::from(2);
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("tapid-bench: cannot start a runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    // One thread for the whole load generator: it leaves the most CPU to tapid on a small machine.
    let local = tokio::task::LocalSet::new();
    match local.block_on(&runtime, suite::run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tapid-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
