//! Where `tapid serve` writes its log: a file gets plain text (no terminal colour codes), and a reader
//! of standard output that stops reading never holds up a request — neither `/healthz` nor a grant at
//! `/token` — the lines that no longer fit are dropped and counted in `tapid_log_lines_dropped_total`.

use std::process::Stdio;
use std::time::{Duration, Instant};

use super::process::free_addr;
use crate::helpers::{client_for, run_cli, tapid_binary};

/// `tapid serve` in `dir` on `addr` with `stdout` as its standard output.
fn serve(
    dir: &std::path::Path,
    addr: std::net::SocketAddr,
    stdout: Stdio,
    env: &[(&str, &str)],
) -> tokio::process::Child {
    let mut command = tokio::process::Command::new(tapid_binary());
    for (key, _) in std::env::vars() {
        if key.starts_with("TAPID_") {
            command.env_remove(key);
        }
    }
    command
        .current_dir(dir)
        .env("TAPID_LISTEN", addr.to_string())
        .env("TAPID_ISSUER", format!("http://localhost:{}", addr.port()))
        .envs(env.iter().copied())
        .stdout(stdout)
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

async fn wait_healthy(client: &reqwest::Client, url: &str) {
    for _ in 0..200 {
        if client
            .get(url)
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("tapid did not start");
}

#[tokio::test]
async fn a_log_written_to_a_file_is_plain_text_without_colour_codes() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("tapid.log");
    let addr = free_addr();
    let file = std::fs::File::create(&log).unwrap();
    let mut child = serve(
        dir.path(),
        addr,
        Stdio::from(file),
        &[("TAPID_LOG_FORMAT", "text")],
    );
    let client = client_for(addr);
    let health = format!("http://localhost:{}/healthz", addr.port());
    wait_healthy(&client, &health).await;
    for _ in 0..5 {
        client.get(&health).send().await.unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    let text = loop {
        let text = std::fs::read_to_string(&log).unwrap();
        if text.matches("request").count() >= 5 || Instant::now() > deadline {
            break text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    child.kill().await.unwrap();
    assert!(text.contains("tapid is serving"), "{text}");
    assert!(text.contains("/healthz"), "{text}");
    assert!(
        !text.contains('\u{1b}'),
        "escape codes in a log file: {text:?}"
    );
}

#[tokio::test]
async fn a_reader_that_stops_reading_the_log_holds_up_neither_healthz_nor_token_and_the_drops_are_counted()
 {
    let dir = tempfile::tempdir().unwrap();
    let (addr, metrics) = (free_addr(), free_addr());
    let metrics_listen = metrics.to_string();
    let database_url = format!("sqlite://{}", dir.path().join("tapid.db").display());
    let registered = run_cli(
        &[
            "client",
            "add",
            "service",
            "--grant",
            "client_credentials",
            "--json",
        ],
        &[("TAPID_DATABASE_URL", database_url.as_str())],
    )
    .await;
    registered.ok();
    let secret = registered.json()["client_secret"]
        .as_str()
        .unwrap()
        .to_string();
    // Standard output is a pipe whose reading end is kept open and never read: once its buffer
    // (64 KiB on Linux, a few hundred lines) is full, a write to it would wait for ever.
    let mut child = serve(
        dir.path(),
        addr,
        Stdio::piped(),
        &[
            ("TAPID_DATABASE_URL", database_url.as_str()),
            ("TAPID_LOG_FORMAT", "json"),
            ("TAPID_METRICS_LISTEN", metrics_listen.as_str()),
        ],
    );
    let _unread = child.stdout.take().unwrap();
    let client = client_for(addr);
    let health = format!("http://localhost:{}/healthz", addr.port());
    let token = format!("http://localhost:{}/token", addr.port());
    wait_healthy(&client, &health).await;

    // Far more lines than the pipe holds, and than the writer's buffer (8,192 lines) holds.
    let requests = async {
        for _ in 0..10_000 {
            let answer = client.get(&health).send().await.unwrap();
            assert_eq!(answer.status(), 200);
        }
    };
    // A hang detector, not a speed test: with a blocking log the requests stop after a few hundred.
    tokio::time::timeout(Duration::from_secs(240), requests)
        .await
        .expect("requests stopped being answered while the log's reader was not reading");

    let scrape = format!("http://{metrics}/metrics");
    let dropped_so_far = || async {
        let text = reqwest::get(&scrape).await.unwrap().text().await.unwrap();
        text.lines()
            .find_map(|l| l.strip_prefix("tapid_log_lines_dropped_total "))
            .and_then(|v| v.trim().parse::<f64>().ok())
            .expect("the series is exported")
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    let dropped = loop {
        let dropped = dropped_so_far().await;
        if dropped > 0.0 || Instant::now() > deadline {
            break dropped;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert!(dropped > 0.0, "no dropped line was counted");

    // Now the writer is stuck on the full pipe and its buffer is full: grants (a database write, an
    // audit event and their log lines each) and health checks are still answered, and their lines
    // are dropped too.
    let grants = async {
        for _ in 0..200 {
            let answer = client
                .post(&token)
                .basic_auth("service", Some(&secret))
                .form(&[("grant_type", "client_credentials")])
                .send()
                .await
                .unwrap();
            assert_eq!(answer.status(), 200, "{}", answer.text().await.unwrap());
            let answer = client.get(&health).send().await.unwrap();
            assert_eq!(answer.status(), 200);
        }
    };
    tokio::time::timeout(Duration::from_secs(120), grants)
        .await
        .expect("/token stopped answering while the log's reader was not reading");
    // The series is brought up to date every few seconds.
    let deadline = Instant::now() + Duration::from_secs(20);
    let after = loop {
        let after = dropped_so_far().await;
        if after >= dropped + 200.0 || Instant::now() > deadline {
            break after;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    child.kill().await.unwrap();
    assert!(
        after >= dropped + 200.0,
        "the grants' and health checks' lines were not dropped ({dropped} before, {after} after)"
    );
}
