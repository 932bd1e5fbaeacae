//! One run: the temp dir and database, tapid started, clients, users and passes prepared, every chosen
//! scenario measured, the results printed and written.

use std::cell::{Cell, RefCell};
use std::path::Path;
use std::process::Command;
use std::rc::Rc;
use std::time::{Duration, Instant};

use tapid::AppState;
use tapid::oidc::keys::SigningAlg;

use crate::flows::{self, Browser, Client, Code, TotpPool, loopback, token_json};
use crate::http::{Conn, request};
use crate::load::{self, Measured, Watch, Worker};
use crate::report::{self, Outcome, Rates};
use crate::scenarios::{Fixed, Redeem, Refresh, TapSignIn, TotpSignIn};
use crate::tapid::{self as child, Tapid};
use crate::{Args, SCENARIOS, prepare, signing};

const REDIRECT_URI: &str = "https://rp.example.com/cb";

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

/// What every scenario needs to reach tapid and watch it.
struct Ctx<'a> {
    args: &'a Args,
    tapid: &'a Tapid,
    host: Rc<str>,
    watch: Watch,
}

impl Ctx<'_> {
    async fn connections(&self, n: usize) -> Result<Vec<Conn>, String> {
        let mut conns = Vec::with_capacity(n);
        for _ in 0..n {
            conns.push(
                Conn::connect(self.tapid.addr, None)
                    .await
                    .map_err(|e| format!("connect: {e}"))?,
            );
        }
        Ok(conns)
    }

    async fn drive<W: Worker + 'static>(&self, workers: Vec<W>) -> Measured {
        load::drive(workers, self.args.window(), self.watch).await
    }
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
        host: Rc::from(tapid.host.as_str()),
        watch: Watch {
            pid: tapid.pid(),
            ticks: child::clock_ticks(),
        },
    };
    let state = prepare::open(&config).await?;

    let mut rates = Rates::default();
    for alg in SigningAlg::ALL {
        let rate = signing::rate(&state, alg, Duration::from_millis(1500)).await?;
        eprintln!("in-process signing, one core: {alg} {rate:.0}/s");
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
            "discovery" => fixed(&ctx, name, "/.well-known/openid-configuration").await,
            "jwks" => fixed(&ctx, name, "/jwks").await,
            "cc-rs256" => client_credentials(&ctx, name, None).await,
            "cc-es256" => client_credentials(&ctx, name, Some("ES256")).await,
            "code" => code(&ctx, &state, &rates).await,
            "refresh" => refresh(&ctx, &state).await,
            "totp-signin" => totp_signin(&ctx, &state).await,
            "tap-signin" => {
                let (outcome, params) = tap_signin(&ctx, &state).await;
                argon2 = params;
                outcome
            }
            _ => unreachable!("every scenario is handled"),
        };
        match &outcome.result {
            Ok(m) => eprintln!(
                "   {:.1} {}s/s, p50 {:.2} ms, p99 {:.2} ms, {} errors",
                m.throughput(),
                outcome.unit,
                m.percentile_ms(50.0),
                m.percentile_ms(99.0),
                m.error_count()
            ),
            Err(why) => eprintln!("   skipped: {why}"),
        }
        outcomes.push(outcome);
    }
    tapid.stop();
    state.db.close().await;

    let command = command_line();
    let commit = git_commit();
    let targets = report::targets(&outcomes, &rates, idle_rss_kb, !postgres);
    println!();
    println!("tapid-bench · {command}");
    let load_after = load_average();
    println!(
        "machine: {} ({} cores, load average {load_before} before, {load_after} after) · backend: {backend} · commit {commit}",
        machine.0, machine.1
    );
    println!(
        "{} s measured after {} s warm-up per scenario; cores used during the window by tapid, by this load \
         generator (one thread) and by other processes",
        args.duration, args.warmup
    );
    println!(
        "in-process signing on one core: RS256 {:.0}/s, ES256 {:.0}/s, EdDSA {:.0}/s · idle RSS {:.1} MB",
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

/// Whether this tapid has the `throttle.per_address` / `throttle.per_account` settings.
fn throttle_configurable() -> bool {
    let defaults = serde_json::to_value(tapid::config::Config::default()).unwrap_or_default();
    let throttle = &defaults["throttle"];
    !throttle["per_address"].is_null() && !throttle["per_account"].is_null()
}

async fn fixed(ctx: &Ctx<'_>, name: &'static str, path: &str) -> Outcome {
    let result = async {
        let bytes = Rc::new(request("GET", path, &ctx.host, &[], b""));
        let mut probe = Conn::connect(ctx.tapid.addr, None)
            .await
            .map_err(|e| e.to_string())?;
        let first = probe.send(&bytes).await.map_err(|e| e.to_string())?;
        if first.status != 200 {
            return Err(format!("GET {path} answered {}", first.status));
        }
        let workers = ctx
            .connections(ctx.args.concurrency)
            .await?
            .into_iter()
            .map(|conn| Fixed {
                conn,
                request: bytes.clone(),
            })
            .collect();
        Ok(ctx.drive(workers).await)
    }
    .await;
    Outcome {
        name,
        unit: "request",
        result,
        tokens: Vec::new(),
    }
}

async fn add_client(tapid: &Tapid, id: &str, args: &[&str]) -> Result<Client, String> {
    let mut all = vec!["client", "add", id];
    all.extend_from_slice(args);
    let created = tapid.cli(&all)?;
    let secret = created["client_secret"]
        .as_str()
        .ok_or("`tapid client add` printed no client_secret")?;
    Ok(Client::new(id, secret, REDIRECT_URI))
}

async fn client_credentials(ctx: &Ctx<'_>, name: &'static str, alg: Option<&str>) -> Outcome {
    let mut tokens = Vec::new();
    let result = async {
        let id = format!("bench-{name}");
        let mut flags = vec!["--grant", "client_credentials"];
        if let Some(alg) = alg {
            flags.extend_from_slice(&["--access-token-alg", alg]);
        }
        let client = add_client(ctx.tapid, &id, &flags)
            .await
            .map_err(|e| match alg {
                Some(alg) => format!("`tapid client add --access-token-alg {alg}` refused ({e})"),
                None => e,
            })?;
        let bytes =
            Rc::new(client.token_request(&ctx.host, &[("grant_type", "client_credentials")]));
        let mut probe = Conn::connect(ctx.tapid.addr, None)
            .await
            .map_err(|e| e.to_string())?;
        let first = probe.send(&bytes).await.map_err(|e| e.to_string())?;
        if first.status != 200 {
            return Err(format!(
                "POST /token answered {}: {}",
                first.status,
                first.text()
            ));
        }
        let signed = token_json(&first)?["access_token"]
            .as_str()
            .and_then(signing::jwt_alg)
            .ok_or("no access token in the answer")?;
        let wanted = alg.and_then(SigningAlg::parse).unwrap_or(SigningAlg::RS256);
        if signed != wanted {
            return Err(format!(
                "asked for {wanted} access tokens, tapid signed {signed}"
            ));
        }
        tokens.push(signed);
        let workers = ctx
            .connections(ctx.args.concurrency)
            .await?
            .into_iter()
            .map(|conn| Fixed {
                conn,
                request: bytes.clone(),
            })
            .collect();
        Ok(ctx.drive(workers).await)
    }
    .await;
    Outcome {
        name,
        unit: "grant",
        result,
        tokens,
    }
}

/// The algorithms of the tokens in a token response (access token, then ID token).
fn signed_tokens(body: &serde_json::Value) -> Vec<SigningAlg> {
    ["access_token", "id_token"]
        .iter()
        .filter_map(|k| body[*k].as_str().and_then(signing::jwt_alg))
        .collect()
}

/// The web client (authorization code + refresh token), registered once.
async fn web_client(ctx: &Ctx<'_>) -> Result<Rc<Client>, String> {
    thread_local! {
        static WEB: RefCell<Option<Rc<Client>>> = const { RefCell::new(None) };
    }
    if let Some(client) = WEB.with(|w| w.borrow().clone()) {
        return Ok(client);
    }
    let client =
        Rc::new(add_client(ctx.tapid, "bench-web", &["--redirect-uri", REDIRECT_URI]).await?);
    WEB.with(|w| *w.borrow_mut() = Some(client.clone()));
    Ok(client)
}

/// `count` codes, from browsers that signed in through the pages with an authenticator app and then
/// ask `/authorize` again (single sign-on answers at once with a new code).
async fn prepare_codes(
    ctx: &Ctx<'_>,
    state: &AppState,
    client: &Rc<Client>,
    prefix: &str,
    count: usize,
) -> Result<Vec<Code>, String> {
    let browsers = ctx.args.concurrency.min(count.max(1));
    let users = prepare::totp_users(state, prefix, browsers).await?;
    let pool = TotpPool::new(users);
    let codes = Rc::new(RefCell::new(Vec::with_capacity(count)));
    let began = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..browsers {
        let (addr, host) = (ctx.tapid.addr, ctx.host.clone());
        let (client, pool, codes) = (client.clone(), pool.clone(), codes.clone());
        tasks.push(tokio::task::spawn_local(async move {
            let mut browser =
                Browser::open(addr, Some(loopback(900_000 + i as u32)), &host).await?;
            let (username, totp) = pool.borrow_mut().take()?;
            let first = flows::totp_signin(&mut browser, &client, &username, &totp).await?;
            codes.borrow_mut().push(first);
            while codes.borrow().len() < count {
                let code = flows::silent_code(&mut browser, &client).await?;
                codes.borrow_mut().push(code);
            }
            Ok::<(), String>(())
        }));
    }
    for task in tasks {
        task.await.map_err(|e| e.to_string())??;
    }
    let mut codes = Rc::try_unwrap(codes)
        .map_err(|_| "codes still shared")?
        .into_inner();
    codes.truncate(count);
    eprintln!(
        "  {} codes through /authorize in {:.1} s",
        codes.len(),
        began.elapsed().as_secs_f64()
    );
    Ok(codes)
}

async fn code(ctx: &Ctx<'_>, state: &AppState, rates: &Rates) -> Outcome {
    let mut tokens = Vec::new();
    let result = async {
        let client = web_client(ctx).await?;
        // Enough for the whole window at the signing limit of every core (two RS256 signatures each).
        let window = (ctx.args.warmup + ctx.args.duration) as f64;
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
        let estimate = rates.of(SigningAlg::RS256) * cores / 2.0 * window * 1.25;
        let count = ctx.args.codes.unwrap_or(estimate.max(1000.0) as usize) + 1;
        let mut codes = prepare_codes(ctx, state, &client, "bench-code", count).await?;
        let sample = codes.pop().ok_or("no code prepared")?;
        let mut probe = Conn::connect(ctx.tapid.addr, None)
            .await
            .map_err(|e| e.to_string())?;
        let first = probe
            .send(&flows::redeem_request(&ctx.host, &client, &sample))
            .await
            .map_err(|e| e.to_string())?;
        if first.status != 200 {
            return Err(format!(
                "POST /token answered {}: {}",
                first.status,
                first.text()
            ));
        }
        tokens = signed_tokens(&token_json(&first)?);
        let codes = Rc::new(RefCell::new(codes));
        let workers = ctx
            .connections(ctx.args.concurrency)
            .await?
            .into_iter()
            .map(|conn| Redeem {
                conn,
                host: ctx.host.clone(),
                client: client.clone(),
                codes: codes.clone(),
            })
            .collect();
        Ok(ctx.drive(workers).await)
    }
    .await;
    Outcome {
        name: "code",
        unit: "redemption",
        result,
        tokens,
    }
}

async fn refresh(ctx: &Ctx<'_>, state: &AppState) -> Outcome {
    let mut tokens = Vec::new();
    let result = async {
        let client = web_client(ctx).await?;
        let n = ctx.args.concurrency;
        let codes = prepare_codes(ctx, state, &client, "bench-refresh", n).await?;
        let mut probe = Conn::connect(ctx.tapid.addr, None)
            .await
            .map_err(|e| e.to_string())?;
        let mut refresh_tokens = Vec::new();
        for code in &codes {
            let answer = probe
                .send(&flows::redeem_request(&ctx.host, &client, code))
                .await
                .map_err(|e| e.to_string())?;
            if answer.status != 200 {
                return Err(format!(
                    "POST /token answered {}: {}",
                    answer.status,
                    answer.text()
                ));
            }
            let body = token_json(&answer)?;
            refresh_tokens.push(
                body["refresh_token"]
                    .as_str()
                    .ok_or("no refresh token for offline_access")?
                    .to_string(),
            );
        }
        // One rotation outside the window, to see what a rotation signs.
        let first = probe
            .send(&client.token_request(
                &ctx.host,
                &[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", &refresh_tokens[0]),
                ],
            ))
            .await
            .map_err(|e| e.to_string())?;
        if first.status != 200 {
            return Err(format!(
                "POST /token answered {}: {}",
                first.status,
                first.text()
            ));
        }
        let body = token_json(&first)?;
        tokens = signed_tokens(&body);
        refresh_tokens[0] = body["refresh_token"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let workers = ctx
            .connections(n)
            .await?
            .into_iter()
            .zip(refresh_tokens)
            .map(|(conn, token)| Refresh {
                conn,
                host: ctx.host.clone(),
                client: client.clone(),
                token: Some(token),
            })
            .collect();
        Ok(ctx.drive(workers).await)
    }
    .await;
    Outcome {
        name: "refresh",
        unit: "rotation",
        result,
        tokens,
    }
}

async fn totp_signin(ctx: &Ctx<'_>, state: &AppState) -> Outcome {
    let result = async {
        let client = web_client(ctx).await?;
        let users = prepare::totp_users(state, "bench-totp", ctx.args.users).await?;
        let users = TotpPool::new(users);
        let addresses = Rc::new(Cell::new(0));
        let worker = |_| TotpSignIn {
            addr: ctx.tapid.addr,
            host: ctx.host.clone(),
            client: client.clone(),
            users: users.clone(),
            addresses: addresses.clone(),
        };
        worker(0)
            .op()
            .await
            .map_err(|e| format!("a first sign-in failed: {e}"))?;
        let workers = (0..ctx.args.signin_concurrency).map(worker).collect();
        let mut measured = ctx.drive(workers).await;
        if let Some(per) = measured.requests.checked_div(measured.ops) {
            let per = format!("{per} HTTP requests per sign-in");
            measured.note = Some(match measured.note.take() {
                Some(note) => format!("{per}; {note}"),
                None => per,
            });
        }
        Ok(measured)
    }
    .await;
    Outcome {
        name: "totp-signin",
        unit: "sign-in",
        result,
        tokens: Vec::new(),
    }
}

async fn tap_signin(ctx: &Ctx<'_>, state: &AppState) -> (Outcome, Option<String>) {
    let mut params = None;
    let result = async {
        let users = prepare::tap_users(state, "bench-tap", ctx.args.tap_users).await?;
        params = Some(prepare::argon2_parameters(state, &users[0].0).await?);
        let users = Rc::new(users);
        let addresses = Rc::new(Cell::new(500_000));
        let stride = ctx.args.tap_concurrency;
        let worker = |i| TapSignIn {
            addr: ctx.tapid.addr,
            host: ctx.host.clone(),
            users: users.clone(),
            next: i,
            stride,
            addresses: addresses.clone(),
        };
        let mut first = worker(stride);
        first
            .op()
            .await
            .map_err(|e| format!("a first sign-in failed: {e}"))?;
        let workers = (0..stride).map(worker).collect();
        Ok(ctx.drive(workers).await)
    }
    .await;
    let outcome = Outcome {
        name: "tap-signin",
        unit: "sign-in",
        result,
        tokens: Vec::new(),
    };
    (outcome, params)
}

/// The 1, 5 and 15-minute load averages: other work on the machine makes a run noisy.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "?".into())
}

/// The CPU model and the number of cores.
fn machine() -> (String, usize) {
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    (model, cores)
}

fn git_commit() -> String {
    let dir = env!("CARGO_MANIFEST_DIR");
    let git = |args: &[&str]| {
        Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let Some(commit) = git(&["rev-parse", "--short=12", "HEAD"]) else {
        return "unknown".into();
    };
    match git(&["status", "--porcelain", "--untracked-files=no"]) {
        Some(changes) if !changes.is_empty() => format!("{commit} (with uncommitted changes)"),
        _ => commit,
    }
}

/// The command as a person would type it again.
fn command_line() -> String {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .map(|a| if a.contains(' ') { format!("'{a}'") } else { a })
        .map(|a| prepare::redact(&a))
        .collect();
    if args.is_empty() {
        "cargo bench --bench tapid-bench".into()
    } else {
        format!("cargo bench --bench tapid-bench -- {}", args.join(" "))
    }
}
