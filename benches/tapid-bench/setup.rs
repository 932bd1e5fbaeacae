//! What each scenario prepares before its workers (scenarios.rs) are driven: clients, users, codes, and a
//! first request that shows what tapid signs.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Instant;

use tapid::AppState;
use tapid::oidc::keys::SigningAlg;

use crate::flows::{self, Browser, Client, Code, TotpPool, loopback, token_json};
use crate::http::{Conn, request};
use crate::load::Worker;
use crate::report::{Outcome, Rates};
use crate::scenarios::{Fixed, Redeem, Refresh, TapSignIn, TotpSignIn};
use crate::suite::Ctx;
use crate::tapid::Tapid;
use crate::{prepare, signing};

const REDIRECT_URI: &str = "https://rp.example.com/cb";

pub async fn fixed(ctx: &Ctx<'_>, name: &'static str, path: &str) -> Outcome {
    let result = async {
        let bytes = Rc::new(request("GET", path, &ctx.host, &[], b""));
        let mut probe = Conn::connect(ctx.addr, None)
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
        measured_rates: None,
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

pub async fn client_credentials(ctx: &Ctx<'_>, name: &'static str, alg: Option<&str>) -> Outcome {
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
        });
    let wanted = alg.and_then(SigningAlg::parse).unwrap_or(SigningAlg::RS256);
    grants(ctx, name, client, wanted).await
}

/// `client_credentials` grants for a registered client, again and again on each connection; the first
/// answer must carry an access token signed with `wanted`.
pub async fn grants(
    ctx: &Ctx<'_>,
    name: &'static str,
    client: Result<Client, String>,
    wanted: SigningAlg,
) -> Outcome {
    let mut tokens = Vec::new();
    let result = async {
        let client = client?;
        let bytes =
            Rc::new(client.token_request(&ctx.host, &[("grant_type", "client_credentials")]));
        let mut probe = Conn::connect(ctx.addr, None)
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
        if signed != wanted {
            return Err(format!(
                "asked for {wanted} access tokens, the server signed {signed}"
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
        measured_rates: None,
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
        let (addr, host) = (ctx.addr, ctx.host.clone());
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

pub async fn code(ctx: &Ctx<'_>, state: &AppState, rates: &Rates) -> Outcome {
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
        let mut probe = Conn::connect(ctx.addr, None)
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
        measured_rates: None,
    }
}

pub async fn refresh(ctx: &Ctx<'_>, state: &AppState) -> Outcome {
    let mut tokens = Vec::new();
    let result = async {
        let client = web_client(ctx).await?;
        let n = ctx.args.concurrency;
        let codes = prepare_codes(ctx, state, &client, "bench-refresh", n).await?;
        let mut probe = Conn::connect(ctx.addr, None)
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
        measured_rates: None,
    }
}

pub async fn totp_signin(ctx: &Ctx<'_>, state: &AppState) -> Outcome {
    let result = async {
        let client = web_client(ctx).await?;
        let users = prepare::totp_users(state, "bench-totp", ctx.args.users).await?;
        let users = TotpPool::new(users);
        let addresses = Rc::new(Cell::new(0));
        let worker = |_| TotpSignIn {
            addr: ctx.addr,
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
        measured_rates: None,
    }
}

pub async fn tap_signin(ctx: &Ctx<'_>, state: &AppState) -> (Outcome, Option<String>) {
    let mut params = None;
    let result = async {
        let users = prepare::tap_users(state, "bench-tap", ctx.args.tap_users).await?;
        params = Some(prepare::argon2_parameters(state, &users[0].0).await?);
        let users = Rc::new(users);
        let addresses = Rc::new(Cell::new(500_000));
        let stride = ctx.args.tap_concurrency;
        let worker = |i| TapSignIn {
            addr: ctx.addr,
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
        measured_rates: None,
    };
    (outcome, params)
}
