//! The request log of a real `tapid serve`: one line per request with the client's address (by the
//! trusted-proxy rule of the audit trail and the throttle) and a request id, returned to the caller in
//! `X-Request-Id`.

use std::time::Duration;

use serde_json::Value;

use super::process::{self, Process};

/// The JSON `request` log line whose request id is `id` (waiting a little for it to be printed).
async fn line_with(server: &mut Process, id: &str) -> Value {
    for _ in 0..50 {
        let found = server.output().into_iter().find_map(|line| {
            let json: Value = serde_json::from_str(&line).ok()?;
            (json["message"] == "request" && json["request_id"] == id).then_some(json)
        });
        if let Some(json) = found {
            return json;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no request line with {id}:\n{}", server.output().join("\n"));
}

async fn healthz(server: &Process, headers: &[(&str, &str)]) -> String {
    let mut request = server.client.get(server.url("/healthz"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn each_request_is_logged_with_its_client_address_and_a_fresh_request_id() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = process::start(dir.path(), process::free_addr(), &[]).await;

    let id = healthz(
        &server,
        &[
            ("x-forwarded-for", "198.51.100.66"),
            ("x-request-id", "chosen-by-the-client"),
        ],
    )
    .await;

    assert_ne!(
        id, "chosen-by-the-client",
        "an untrusted peer cannot name its request id"
    );
    assert_eq!(id.len(), 32, "a fresh id: {id}");
    let line = line_with(&mut server, &id).await;
    assert_eq!(
        line["client"], "127.0.0.1",
        "an untrusted peer cannot spoof: {line}"
    );
    assert_eq!(line["path"], "/healthz");
    assert_eq!(line["status"], 200);
    server.kill().await;
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_log_names_the_client_and_keeps_the_proxys_request_id() {
    let dir = tempfile::tempdir().unwrap();
    let env = [("TAPID_TRUSTED_PROXIES", "127.0.0.1/32")];
    let mut server = process::start(dir.path(), process::free_addr(), &env).await;

    let kept = healthz(
        &server,
        &[
            ("x-forwarded-for", "203.0.113.20"),
            ("x-request-id", "lb-7f3a.2"),
        ],
    )
    .await;
    let replaced = healthz(&server, &[("x-request-id", "two words\"=x")]).await;

    assert_eq!(kept, "lb-7f3a.2");
    let line = line_with(&mut server, "lb-7f3a.2").await;
    assert_eq!(line["client"], "203.0.113.20", "{line}");
    assert_eq!(
        replaced.len(),
        32,
        "an id that is not a plain token is replaced: {replaced}"
    );
    server.kill().await;
}
