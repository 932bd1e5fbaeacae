//! `/metrics`: on `metrics_listen` only, parsed with the Prometheus project's own parser, with the series
//! an operator graphs and labels that stay bounded.

use std::process::Stdio;

use serde_json::Value;
use tokio::io::AsyncWriteExt;

use std::num::NonZeroU32;

use crate::helpers::{run_cli, spawn_app_with};
use crate::ops::{process, python};

/// The exposition parsed by `prometheus_client`'s OpenMetrics parser.
async fn parse(exposition: &str) -> Value {
    let mut child = tokio::process::Command::new(python::python())
        .arg(python::support("parse_metrics.py"))
        .arg("openmetrics")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(exposition.as_bytes()).await.unwrap();
    drop(stdin);
    let out = child.wait_with_output().await.unwrap();
    assert!(
        out.status.success(),
        "the parser refused the exposition: {}\n{exposition}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The samples of a family (none when it has none yet).
fn samples<'a>(families: &'a Value, family: &str) -> &'a [Value] {
    families[family]["samples"]
        .as_array()
        .map_or(&[], Vec::as_slice)
}

/// The value of the sample `name` whose labels include `labels`.
fn value(families: &Value, family: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    samples(families, family)
        .iter()
        .find(|s| s[0] == name && labels.iter().all(|(k, v)| s[1][*k].as_str() == Some(*v)))
        .and_then(|s| s[2].as_f64())
}

#[tokio::test]
async fn metrics_are_served_on_their_own_address_with_the_series_an_operator_graphs() {
    let dir = tempfile::tempdir().unwrap();
    let db = crate::helpers::tap::fresh_database(&dir).await;
    let key_file = dir.path().join("tapid.key");
    let key_file = key_file.to_str().unwrap();
    let metrics_addr = process::free_addr();
    let metrics_listen = metrics_addr.to_string();
    let env = [
        ("TAPID_DATABASE_URL", db.url.as_str()),
        ("TAPID_KEY_FILE", key_file),
        ("TAPID_METRICS_LISTEN", metrics_listen.as_str()),
    ];
    let server = process::start(dir.path(), process::free_addr(), &env).await;
    let cli_env = [
        ("TAPID_DATABASE_URL", db.url.as_str()),
        ("TAPID_KEY_FILE", key_file),
    ];
    // Arrange: a pass issued, a client_credentials token, a failed sign-in, a page that does not exist.
    run_cli(&["user", "add", "alice"], &cli_env).await.ok();
    run_cli(&["tap", "issue", "alice"], &cli_env).await.ok();
    let secret = run_cli(
        &[
            "client",
            "add",
            "reports",
            "--grant",
            "client_credentials",
            "--json",
        ],
        &cli_env,
    )
    .await;
    let secret = secret.json()["client_secret"].as_str().unwrap().to_string();
    let token = server
        .client
        .post(server.url("/token"))
        .basic_auth("reports", Some(&secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(token.status(), 200);
    for path in [
        "/healthz",
        "/no/such/page/12345",
        "/admin/users/some-user-id",
    ] {
        server.client.get(server.url(path)).send().await.unwrap();
    }

    let public = server
        .client
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(public.status(), 404, "never on the public port");
    let scraped = reqwest::get(format!("http://{metrics_addr}/metrics"))
        .await
        .unwrap();
    assert_eq!(scraped.status(), 200);
    let body = scraped.text().await.unwrap();
    let families = parse(&body).await;

    let requests = "tapid_http_requests_total";
    assert_eq!(
        value(
            &families,
            "tapid_http_requests",
            requests,
            &[("route", "/token"), ("status", "2xx")]
        ),
        Some(1.0)
    );
    assert!(
        value(
            &families,
            "tapid_http_requests",
            requests,
            &[("route", "/healthz")]
        )
        .is_some(),
        "{body}"
    );
    assert!(
        value(
            &families,
            "tapid_http_requests",
            requests,
            &[("route", "/admin/users/{id}")]
        )
        .is_some(),
        "route templates, not paths: {body}"
    );
    assert!(
        value(
            &families,
            "tapid_http_requests",
            requests,
            &[("route", "unmatched")]
        )
        .is_some(),
        "{body}"
    );
    assert!(!body.contains("12345"), "paths never become labels");
    assert!(!body.contains("some-user-id"), "paths never become labels");
    assert_eq!(
        families["tapid_http_request_duration_seconds"]["type"],
        "histogram"
    );
    assert_eq!(
        value(
            &families,
            "tapid_tokens_issued",
            "tapid_tokens_issued_total",
            &[("grant_type", "client_credentials"), ("client", "reports")]
        ),
        Some(1.0)
    );
    assert_eq!(
        value(
            &families,
            "tapid_tap_events",
            "tapid_tap_events_total",
            &[("event", "issued")]
        ),
        Some(0.0),
        "known series start at zero; a pass issued by the CLI is counted by the CLI process"
    );
    assert_eq!(
        value(
            &families,
            "tapid_build_info",
            "tapid_build_info",
            &[("version", env!("CARGO_PKG_VERSION"))]
        ),
        Some(1.0)
    );
    for family in [
        "tapid_db_connections",
        "tapid_db_write_wait_seconds",
        "tapid_audit_append_seconds",
        "tapid_throttle_refusals",
        "tapid_signins",
        "tapid_active_sessions",
    ] {
        assert!(
            body.contains(&format!("# TYPE {family} ")),
            "{family} missing: {body}"
        );
    }
    assert!(!body.contains("alice"), "no usernames in labels");
    server.kill().await;
}

#[tokio::test]
async fn sign_ins_passes_and_throttle_refusals_are_counted_by_the_instance_that_saw_them() {
    let app = spawn_app_with(|c| c.throttle.per_address = NonZeroU32::new(3).unwrap()).await;
    app.arrange_pass("bob", false).await;
    let mut refused = false;
    for _ in 0..6 {
        let response = app.submit_tap_from("/login", "bob", "WRONGPASS").await;
        if response.status() == 429 {
            refused = true;
            break;
        }
    }
    assert!(refused, "the throttle refused at last");

    let body = app.metrics.render(&app.db).await.unwrap();
    let families = parse(&body).await;
    let count = |family: &str, labels: &[(&str, &str)]| {
        value(&families, family, &format!("{family}_total"), labels).unwrap_or_default()
    };
    assert!(
        count(
            "tapid_signins",
            &[("method", "tap"), ("outcome", "failure")]
        ) >= 1.0,
        "{body}"
    );
    assert!(
        count("tapid_tap_events", &[("event", "failed")]) >= 1.0,
        "{body}"
    );
    assert!(
        count("tapid_tap_events", &[("event", "issued")]) >= 1.0,
        "{body}"
    );
    assert!(count("tapid_throttle_refusals", &[]) >= 1.0, "{body}");
    assert!(!body.contains("bob"), "no usernames in labels");
}
