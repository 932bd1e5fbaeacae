//! What every sign-in page shares: labels, headers, throttling.

use crate::helpers::signin::location;
use std::num::NonZeroU32;

use crate::helpers::{spawn_app, spawn_app_with};

/// Every visible input has a `<label for>` naming it.
fn unlabelled_inputs(html: &str) -> Vec<String> {
    let document = scraper::Html::parse_document(html);
    let inputs = scraper::Selector::parse("input:not([type=hidden])").unwrap();
    let labels = scraper::Selector::parse("label[for]").unwrap();
    let labelled: Vec<&str> = document
        .select(&labels)
        .filter_map(|l| l.value().attr("for"))
        .collect();
    document
        .select(&inputs)
        .filter(|i| {
            !i.value()
                .attr("id")
                .is_some_and(|id| labelled.contains(&id))
        })
        .map(|i| i.html())
        .collect()
}

#[tokio::test]
async fn every_input_on_the_sign_in_and_setup_pages_has_a_visible_label() {
    let app = spawn_app().await;
    let passcode = app.arrange_pass("newbie", false).await;
    let login = app.get("/login").await.text().await.unwrap();
    let methods = location(&app.enter_username("/login", "newbie").await);
    let tap = app
        .get(&methods.replacen("/login/methods", "/login/tap", 1))
        .await
        .text()
        .await
        .unwrap();
    let totp = app.get("/login/totp").await.text().await.unwrap();
    app.sign_in_with_tap_from("/login", "newbie", &passcode)
        .await;
    let setup = app.get("/security-info/setup").await.text().await.unwrap();
    let totp_setup = app.get("/security-info/totp").await.text().await.unwrap();
    app.enrol_totp_in_session().await;
    let overview = app.get("/security-info").await.text().await.unwrap();

    for (name, html) in [
        ("login", &login),
        ("totp", &totp),
        ("tap", &tap),
        ("setup", &setup),
        ("totp setup", &totp_setup),
        ("overview", &overview),
    ] {
        assert_eq!(unlabelled_inputs(html), Vec::<String>::new(), "{name}");
    }
    assert!(login.contains(">Username</label>"));
    assert!(login.contains("autocomplete=\"username webauthn\""));
}

#[tokio::test]
async fn sign_in_pages_carry_the_security_headers() {
    let app = spawn_app().await;

    let response = app.get("/login").await;

    let headers = response.headers();
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    assert_eq!(headers["cache-control"], "no-store");
    assert!(headers.contains_key("referrer-policy"));
    let cookie = headers["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
}

#[tokio::test]
async fn credential_submissions_are_limited_per_account_with_retry_after() {
    let app = spawn_app().await;
    app.arrange_user("nopass").await;
    let mut statuses = Vec::new();
    for _ in 0..21 {
        let response = app.submit_tap_from("/login", "nopass", "WRONGPASS1").await;
        statuses.push(response.status().as_u16());
        if response.status() == 429 {
            let retry: u64 = response.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!(retry > 0 && retry <= 300);
        }
    }

    assert!(statuses[..20].iter().all(|s| *s == 422), "{statuses:?}");
    assert_eq!(statuses[20], 429);
    let failed: Vec<(String, String, String)> = super::audit_events(&app, "signin.failed").await;
    assert!(failed.last().unwrap().2.contains("rate_limited"));
}

#[tokio::test]
async fn credential_submissions_are_limited_per_client_address() {
    let app = spawn_app().await;
    let mut last = 0;
    for i in 0..61 {
        let response = app
            .submit_tap_from("/login", &format!("user{}", i / 3), "WRONGPASS1")
            .await;
        last = response.status().as_u16();
    }

    assert_eq!(last, 429);
}

#[tokio::test]
async fn the_address_limit_follows_throttle_per_address() {
    let app = spawn_app_with(|c| c.throttle.per_address = NonZeroU32::new(3).unwrap()).await;
    let mut statuses = Vec::new();
    for i in 0..4 {
        let response = app
            .submit_tap_from("/login", &format!("someone{i}"), "WRONGPASS1")
            .await;
        statuses.push(response.status().as_u16());
    }

    assert_eq!(statuses, [422, 422, 422, 429]);
}

#[tokio::test]
async fn the_account_limit_follows_throttle_per_account() {
    let app = spawn_app_with(|c| c.throttle.per_account = NonZeroU32::new(2).unwrap()).await;
    app.arrange_user("nopass").await;
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let response = app.submit_tap_from("/login", "nopass", "WRONGPASS1").await;
        statuses.push(response.status().as_u16());
    }
    // Another account from the same address is still counted on its own.
    let other = app.submit_tap_from("/login", "someone", "WRONGPASS1").await;

    assert_eq!(statuses, [422, 422, 429]);
    assert_eq!(other.status(), 422);
}

#[tokio::test]
async fn raising_the_address_limit_admits_more_than_the_default_sixty() {
    let app = spawn_app_with(|c| c.throttle.per_address = NonZeroU32::new(1000).unwrap()).await;
    for i in 0..61 {
        let response = app
            .submit_tap_from("/login", &format!("user{}", i / 3), "WRONGPASS1")
            .await;
        assert_eq!(response.status(), 422, "submission {i}");
    }
}
