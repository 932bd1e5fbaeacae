//! `trusted_proxies`: forwarded headers say who the client is only when the peer is a trusted proxy.

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

/// Issues a client_credentials token with `headers`; returns the address its audit event recorded.
async fn recorded_address(app: &TestApp, headers: &[(&str, &str)]) -> Option<String> {
    let out = app
        .cli(&[
            "client",
            "add",
            "reports",
            "--grant",
            "client_credentials",
            "--json",
        ])
        .await;
    let secret = out.json()["client_secret"].as_str().unwrap().to_string();
    let mut request = app
        .client
        .post(app.url("/token"))
        .basic_auth("reports", Some(&secret))
        .form(&[("grant_type", "client_credentials")]);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    assert_eq!(request.send().await.unwrap().status(), 200);
    app.events("token.issued").await[0].address.clone()
}

#[tokio::test]
async fn an_untrusted_peer_cannot_spoof_its_address_with_forwarded_headers() {
    let app = spawn_app().await;

    let address = recorded_address(
        &app,
        &[
            ("x-forwarded-for", "198.51.100.66"),
            ("forwarded", "for=198.51.100.67"),
        ],
    )
    .await;

    assert_eq!(address.as_deref(), Some("127.0.0.1"));
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_rightmost_untrusted_hop_is_recorded() {
    let app = spawn_app_with(|c| {
        c.trusted_proxies =
            serde_json::from_value(serde_json::json!(["127.0.0.1/32", "10.0.0.0/8"])).unwrap();
    })
    .await;

    // The client wrote the first entry itself; the proxies appended the rest.
    let address = recorded_address(
        &app,
        &[("x-forwarded-for", "6.6.6.6, 203.0.113.20, 10.1.2.3")],
    )
    .await;

    assert_eq!(address.as_deref(), Some("203.0.113.20"));
}

#[tokio::test]
async fn trusted_proxies_are_checked_at_start_naming_the_key() {
    let out = crate::helpers::run_cli(
        &["serve", "--check-config"],
        &[("TAPID_TRUSTED_PROXIES", "10.0.0.0/8,not-a-network")],
    )
    .await;
    assert!(!out.success);
    assert!(out.stderr.contains("`trusted_proxies`"), "{}", out.stderr);

    let ok = crate::helpers::run_cli(
        &["serve", "--check-config"],
        &[("TAPID_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.7")],
    )
    .await;
    assert!(ok.success, "{}", ok.stderr);
    assert!(ok.stdout.contains("\"192.0.2.7/32\""), "{}", ok.stdout);
}
