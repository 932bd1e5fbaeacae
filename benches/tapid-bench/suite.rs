//! One run: the temp dir and database, tapid started, clients, users and passes prepared, every chosen
//! scenario measured, the results printed and written.

use std::path::Path;
use std::rc::Rc;
use std::time::{Duration, Instant};

use tapid::oidc::keys::SigningAlg;

use crate::http::Conn;
use crate::load::{self, Measured, Watch, Worker};
use crate::machine::{command_line, git_commit, load_average, machine};
use crate::peer::{self, Peer};
use crate::report::{self, Rates};
use crate::setup;
use crate::tapid::{self as child, Tapid};
use crate::{Args, SCENARIOS, prepare, signing};

pub async fn run(args: Args) -> Result<(), String> {
    let dir = tempfile::Builder::new()
        .prefix("tapid-bench-")
        .tempdir()
        .map_err(|e| format!("cannot create a temp dir: {e}"))?;
    let (database_url, postgres) = match &args.database_url {
        None => (
            format!("sqlite://{}", dir.path().join("tapid.db").display()),
            None,
        ),
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            let (url_of_db, name) = prepare::create_postgres_database(url).await?;
            eprintln!("created database {name}");
            (url_of_db, Some((url.clone(), name)))
        }
        Some(_) => {
            return Err("--database-url takes a postgres:// URL (SQLite is the default)".into());
        }
    };
    let result = bench(&args, dir.path(), &database_url, postgres.is_some()).await;
    if let Some((admin_url, name)) = postgres {
        match prepare::drop_postgres_database(&admin_url, &name).await {
            Ok(()) => eprintln!("dropped database {name}"),
            Err(e) => eprintln!("warning: {e}"),
        }
    }
    if args.keep || result.is_err() {
        let kept = dir.keep();
        eprintln!(
            "kept {} (configuration, database, tapid.log)",
            kept.display()
        );
    }
    result
}

async fn bench(args: &Args, dir: &Path, database_url: &str, postgres: bool) -> Result<(), String> {
    let started = Instant::now();
    let backend = if postgres { "postgres" } else { "sqlite" };
    let machine = machine();
    let load_before = load_average();
    eprintln!(
        "tapid-bench on {} ({} cores, load average {load_before}), {backend}, {} s per scenario after {} s of warm-up",
        machine.0, machine.1, args.duration, args.warmup
    );

    // Codes live long enough for the pool; sign-ins come from many addresses anyway (see flows::loopback),
    // and when tapid lets the throttle be configured the bench raises it out of the way.
    let mut extra = String::from("[tokens]\nauthorization_code = 1800\n");
    let throttle = throttle_configurable();
    if throttle {
        extra.push_str("[throttle]\nper_address = 1000000\nper_account = 1000000\n");
    }
    let port = child::free_port();
    let config = child::write_config(dir, port, database_url, &extra);
    let mut tapid = Tapid::start(dir, &config, port).await?;
    eprintln!(
        "tapid {} serving on {} (pid {}, log {})",
        child::BINARY,
        tapid.addr,
        tapid.pid(),
        tapid.log.display()
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle_rss_kb = child::status_kb(tapid.pid(), "VmRSS");
    eprintln!("idle RSS: {} kB", idle_rss_kb.unwrap_or_default());

    let ctx = Ctx {
        args,
        tapid: &tapid,
        addr: tapid.addr,
        host: Rc::from(tapid.host.as_str()),
        watch: Watch {
            pid: tapid.pid(),
            ticks: child::clock_ticks(),
            // Only a server on this machine: its CPU is then shared with tapid's.
            postgres: postgres
                && url::Url::parse(database_url).is_ok_and(|u| {
                    matches!(u.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"))
                }),
        },
    };
    let peer = match &args.peer {
        Some(name) => {
            let peer = Peer::start(name, dir).await?;
            eprintln!(
                "{} {} serving on {} (pid {}, log {})",
                peer.name,
                peer.version,
                peer.addr,
                peer.pid(),
                peer.log.display()
            );
            tokio::time::sleep(Duration::from_secs(2)).await;
            Some(peer)
        }
        None => None,
    };
    let peer_ctx = peer.as_ref().map(|peer| Ctx {
        args,
        tapid: &tapid,
        addr: peer.addr,
        host: Rc::from(peer.host.as_str()),
        watch: Watch {
            pid: peer.pid(),
            ..ctx.watch
        },
    });
    let peer_idle_rss_kb = peer
        .as_ref()
        .and_then(|p| child::status_kb(p.pid(), "VmRSS"));
    let mut peer_outcomes = Vec::new();
    let state = prepare::open(&config).await?;

    let mut rates = Rates::default();
    for alg in SigningAlg::ALL {
        let rate = signing::rate(&state, alg, Duration::from_millis(1500)).await?;
        eprintln!("in-process signing: {alg} {rate:.0} per CPU second");
        rates.0.push((alg, rate));
    }

    let mut outcomes = Vec::new();
    let mut argon2 = None;
    for (name, what) in SCENARIOS {
        if !args.wants(name) {
            continue;
        }
        eprintln!("\n== {name}: {what}");
        let outcome = match *name {
            "discovery" => setup::fixed(&ctx, name, "/.well-known/openid-configuration").await,
            "jwks" => setup::fixed(&ctx, name, "/jwks").await,
            "cc-rs256" => setup::client_credentials(&ctx, name, None).await,
            "cc-es256" => setup::client_credentials(&ctx, name, Some("ES256")).await,
            "code" => setup::code(&ctx, &state, &rates).await,
            "refresh" => setup::refresh(&ctx, &state).await,
            "totp-signin" => setup::totp_signin(&ctx, &state).await,
            "tap-signin" => {
                let (outcome, params) = setup::tap_signin(&ctx, &state).await;
                argon2 = params;
                outcome
            }
            _ => unreachable!("every scenario is handled"),
        };
        let mut outcome = outcome;
        if outcome.result.is_ok() && !outcome.tokens.is_empty() {
            // The limit under the same conditions: other work on the machine changes it.
            let mut now = Rates::default();
            for alg in SigningAlg::ALL {
                if outcome.tokens.contains(&alg) {
                    now.0.push((
                        alg,
                        signing::rate(&state, alg, Duration::from_secs(1)).await?,
                    ));
                }
            }
            outcome.measured_rates = Some(now);
        }
        report_line("tapid", &outcome);
        outcomes.push(outcome);
        // The peer right after tapid, scenario by scenario, so that both meet the same machine.
        if let (Some(peer), Some(pctx)) = (&peer, &peer_ctx) {
            if peer::SCENARIOS.contains(name) {
                let outcome = peer_scenario(pctx, peer, name).await;
                report_line(peer.name, &outcome);
                peer_outcomes.push(outcome);
            }
        }
    }
    drop(peer_ctx);
    tapid.stop();
    let peer_label = peer.as_ref().map(|p| format!("{} {}", p.name, p.version));
    let peer_name = peer.as_ref().map(|p| p.name);
    drop(peer);
    state.db.close().await;

    let command = command_line();
    let commit = git_commit();
    let targets = report::targets(
        &outcomes,
        &rates,
        idle_rss_kb,
        !postgres,
        peer_name.map(|name| (name, peer_outcomes.as_slice())),
    );
    println!();
    println!("tapid-bench · {command}");
    let load_after = load_average();
    println!(
        "machine: {} ({} cores, load average {load_before} before, {load_after} after) · backend: {backend} · commit {commit}",
        machine.0, machine.1
    );
    println!(
        "{} s measured after {} s warm-up per scenario; cores used during the window by tapid, by this load \
         generator (one thread), by PostgreSQL (db) and by other processes",
        args.duration, args.warmup
    );
    println!(
        "in-process signing per CPU second of one core: RS256 {:.0}/s, ES256 {:.0}/s, EdDSA {:.0}/s · idle RSS {:.1} MB",
        rates.of(SigningAlg::RS256),
        rates.of(SigningAlg::ES256),
        rates.of(SigningAlg::EdDSA),
        idle_rss_kb.unwrap_or_default() as f64 / 1024.0
    );
    if let Some(params) = &argon2 {
        println!("Argon2 of the passes (from tapid's stored hash): {params}");
    }
    if !throttle {
        println!(
            "sign-in throttle: not configurable in this tapid; sign-ins come from many loopback addresses"
        );
    }
    println!();
    print!("{}", report::table(&outcomes, &rates));
    println!();
    print!("{}", report::targets_table(&targets));
    if let Some(label) = &peer_label {
        println!();
        print!(
            "{}",
            report::peer_table(
                &outcomes,
                &peer_outcomes,
                label,
                idle_rss_kb,
                peer_idle_rss_kb
            )
        );
    }

    let (scenarios, signing, targets) = report::json(&outcomes, &rates, &targets);
    let document = serde_json::json!({
        "tool": "tapid-bench",
        "at": time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        "command": command,
        "commit": commit,
        "machine": { "cpu": machine.0, "cores": machine.1, "load_average_before": load_before, "load_average_after": load_after },
        "backend": backend,
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "idle_rss_kb": idle_rss_kb,
        "argon2": argon2,
        "throttle_raised": throttle,
        "signing_per_core_per_s": signing,
        "scenarios": scenarios,
        "targets": targets,
        "peer": peer_label.as_ref().map(|label| serde_json::json!({
            "name": label,
            "idle_rss_kb": peer_idle_rss_kb,
            "scenarios": report::json(&peer_outcomes, &rates, &[]).0,
        })),
        "run_s": started.elapsed().as_secs_f64(),
    });
    let path = args.json.clone().unwrap_or_else(|| {
        // …/target/release/tapid → …/target/tapid-bench.json
        Path::new(child::BINARY)
            .parent()
            .and_then(Path::parent)
            .unwrap_or(Path::new("."))
            .join("tapid-bench.json")
    });
    let text = serde_json::to_string_pretty(&document).expect("JSON");
    std::fs::write(&path, text + "\n")
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    println!("\nJSON: {}", path.display());
    Ok(())
}

fn report_line(server: &str, outcome: &report::Outcome) {
    match &outcome.result {
        Ok(m) => eprintln!(
            "   {server}: {:.1} {}s/s, p50 {:.2} ms, p99 {:.2} ms, {:.2} cores, {} errors",
            m.throughput(),
            outcome.unit,
            m.percentile_ms(50.0),
            m.percentile_ms(99.0),
            m.cores_used(),
            m.error_count()
        ),
        Err(why) => eprintln!("   {server}: skipped: {why}"),
    }
}

/// One of `peer::SCENARIOS` against the peer, with the same workers as tapid's.
async fn peer_scenario(ctx: &Ctx<'_>, peer: &Peer, name: &'static str) -> report::Outcome {
    match name {
        "discovery" => setup::fixed(ctx, name, "/.well-known/openid-configuration").await,
        "jwks" => setup::fixed(ctx, name, "/jwks").await,
        _ => {
            let (client, alg) = match peer.client(name) {
                Some((c, alg)) => (Ok(c.clone()), alg),
                None => (
                    Err(format!("{} has no client for {name}", peer.name)),
                    "RS256",
                ),
            };
            let wanted = SigningAlg::parse(alg).unwrap_or(SigningAlg::RS256);
            setup::grants(ctx, name, client, wanted).await
        }
    }
}

/// Whether this tapid has the `throttle.per_address` / `throttle.per_account` settings.
fn throttle_configurable() -> bool {
    let defaults = serde_json::to_value(tapid::config::Config::default()).unwrap_or_default();
    let throttle = &defaults["throttle"];
    !throttle["per_address"].is_null() && !throttle["per_account"].is_null()
}

/// What every scenario needs to reach tapid and watch it.
pub struct Ctx<'a> {
    pub args: &'a Args,
    /// tapid, for its admin commands (`tapid client add`).
    pub tapid: &'a Tapid,
    /// The server under load: tapid, or the peer of a side-by-side run.
    pub addr: std::net::SocketAddr,
    pub host: Rc<str>,
    pub watch: Watch,
}

impl Ctx<'_> {
    pub async fn connections(&self, n: usize) -> Result<Vec<Conn>, String> {
        let mut conns = Vec::with_capacity(n);
        for _ in 0..n {
            conns.push(
                Conn::connect(self.addr, None)
                    .await
                    .map_err(|e| format!("connect: {e}"))?,
            );
        }
        Ok(conns)
    }

    pub async fn drive<W: Worker + 'static>(&self, workers: Vec<W>) -> Measured {
        load::drive(workers, self.args.window(), self.watch).await
    }
}
