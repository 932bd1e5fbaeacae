//! Several instances on one database behave as one provider: a flow may start on one and finish on
//! another, sessions are shared, and a code or a one-time pass is spent once across all of them.
//! (Key rotation across instances: `oidc::keys`; pass expiry recorded once: `tap::expiry`.)

use serde_json::Value;

use crate::helpers::spawn_app;

#[tokio::test]
async fn a_flow_may_authorize_on_one_instance_redeem_on_another_and_refresh_on_the_first() {
    let a = spawn_app().await;
    let b = a.second_instance().await;
    let client = a.web_client("rp").await;
    let secret = a.arrange_user_with_totp("alice").await;

    let authorized = a.authorize_with_totp(&client, "alice", &secret, &[]).await;
    let redeemed = b
        .redeem(&client, &authorized.code, Some(&authorized.verifier))
        .await;
    assert_eq!(redeemed.status(), 200, "token on B for a code from A");
    let tokens: Value = redeemed.json().await.unwrap();
    let refresh = tokens["refresh_token"].as_str().expect("a refresh token");
    let refreshed = a.refresh(&client, refresh, None).await;
    assert_eq!(refreshed.status(), 200, "refresh on A for a token from B");
    let access: Value = refreshed.json().await.unwrap();

    let userinfo = b
        .client
        .get(b.url("/userinfo"))
        .bearer_auth(access["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(userinfo.status(), 200);
    let alice = a.arrange_user("alice").await;
    assert_eq!(userinfo.json::<Value>().await.unwrap()["sub"], alice.id);
}

#[tokio::test]
async fn a_sign_in_on_one_instance_is_a_session_on_the_other() {
    let a = spawn_app().await;
    let b = a.second_instance().await;
    let client = a.web_client("rp").await;
    let secret = a.arrange_user_with_totp("alice").await;
    a.authorize_with_totp(&client, "alice", &secret, &[]).await;

    // prompt=none on B: no sign-in may happen, so a code proves B knows the session from A.
    let silent = b
        .authorize_with_totp(&client, "alice", &secret, &[("prompt", "none")])
        .await;

    assert!(!silent.code.is_empty());
}

#[tokio::test]
async fn a_code_is_redeemed_once_across_instances() {
    let a = spawn_app().await;
    let b = a.second_instance().await;
    let client = a.web_client("rp").await;
    let secret = a.arrange_user_with_totp("alice").await;
    let authorized = a.authorize_with_totp(&client, "alice", &secret, &[]).await;

    let (on_a, on_b) = tokio::join!(
        a.redeem(&client, &authorized.code, Some(&authorized.verifier)),
        b.redeem(&client, &authorized.code, Some(&authorized.verifier)),
    );

    let mut statuses = [on_a.status().as_u16(), on_b.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 400], "exactly one redemption succeeds");
}

#[tokio::test]
async fn a_one_time_pass_is_spent_once_across_instances() {
    let a = spawn_app().await;
    let b = a.second_instance().await;
    let passcode = a.arrange_pass("bob", true).await;
    let browsers = [
        a.new_browser(),
        a.new_browser(),
        b.new_browser(),
        b.new_browser(),
    ];

    let mut attempts = Vec::new();
    for browser in browsers {
        let passcode = passcode.clone();
        attempts.push(tokio::spawn(async move {
            let response = browser.submit_tap_from("/login", "bob", &passcode).await;
            let location = response
                .headers()
                .get("location")
                .and_then(|l| l.to_str().ok())
                .unwrap_or_default()
                .to_string();
            (response.status().as_u16(), location)
        }));
    }
    let mut admitted = 0;
    for attempt in attempts {
        let (status, location) = attempt.await.unwrap();
        if status == 303 && location.starts_with("/security-info/setup") {
            admitted += 1;
        }
    }

    assert_eq!(
        admitted, 1,
        "one sign-in, however many instances were asked"
    );
    assert_eq!(a.events("tap.used").await.len(), 1);
}
