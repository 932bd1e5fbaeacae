//! Delivery of Logout Tokens: retried with backoff while the application fails, visible in the console,
//! and sent once per client even when several instances try at the same moment.

use serde_json::Value;
use tapid::directory::Role;

use super::receiver::{Receiver, deliver, state_of, verify};
use crate::helpers::spawn_app;

async fn alice_signed_in_to(app: &crate::helpers::TestApp, receiver: &Receiver) {
    let rp = app
        .add_client(
            "shop",
            &[
                "--redirect-uri",
                "https://rp.example.com/cb",
                "--backchannel-logout-uri",
                &receiver.uri,
            ],
        )
        .await;
    let totp = app.arrange_user_with_totp("alice").await;
    let authorized = app.authorize_with_totp(&rp, "alice", &totp, &[]).await;
    let tokens: Value = app
        .redeem(&rp, &authorized.code, Some(&authorized.verifier))
        .await
        .json()
        .await
        .unwrap();
    assert!(tokens["access_token"].is_string());
}

/// Makes every waiting Logout Token due now (instead of waiting out the backoff).
async fn make_due(app: &crate::helpers::TestApp) {
    sqlx::query("UPDATE logout_outbox SET next_attempt_at = 0 WHERE delivered_at IS NULL")
        .execute(app.db.pool())
        .await
        .unwrap();
}

#[tokio::test]
async fn a_failing_application_is_retried_until_it_answers_and_the_console_shows_the_failure() {
    let app = spawn_app().await;
    let receiver = Receiver::start().await;
    alice_signed_in_to(&app, &receiver).await;
    receiver.answer(503);

    app.cli(&["user", "disable", "alice"]).await.ok();
    assert_eq!(deliver(&app).await, 0, "the application refused it");

    // Not due again at once: the next attempt waits (backoff).
    assert_eq!(deliver(&app).await, 0);
    assert_eq!(
        receiver.tokens().await.len(),
        1,
        "no retry before the backoff"
    );
    let console = app
        .console_as(&app.add_user("root", &[Role::Admin], &[]).await, "phr")
        .await;
    let (status, html) = console.page("/admin/clients/shop").await;
    assert_eq!(status, 200);
    assert_eq!(
        crate::helpers::admin::text_of(&html, "#logout-pending").as_deref(),
        Some("1")
    );
    assert_eq!(
        crate::helpers::admin::text_of(&html, "#logout-last-error").as_deref(),
        Some("the application answered HTTP 503")
    );

    receiver.answer(200);
    make_due(&app).await;
    assert_eq!(deliver(&app).await, 1, "delivered on the next attempt");
    let received = receiver.tokens().await;
    assert_eq!(received.len(), 2);
    verify(&app, &received[1], "shop").await;
    let (_, html) = console.page("/admin/clients/shop").await;
    assert_eq!(
        crate::helpers::admin::text_of(&html, "#logout-delivered").as_deref(),
        Some("1")
    );
    assert!(crate::helpers::admin::text_of(&html, "#logout-last-error").is_none());
}

#[tokio::test]
async fn an_application_that_never_answers_is_given_up_after_the_last_attempt() {
    let app = spawn_app().await;
    let receiver = Receiver::start().await;
    alice_signed_in_to(&app, &receiver).await;
    receiver.answer(500);
    app.cli(&["user", "disable", "alice"]).await.ok();

    for _ in 0..tapid::oidc::backchannel::MAX_ATTEMPTS {
        make_due(&app).await;
        deliver(&app).await;
    }
    make_due(&app).await;
    deliver(&app).await;

    assert_eq!(
        receiver.tokens().await.len() as i64,
        tapid::oidc::backchannel::MAX_ATTEMPTS,
        "tried exactly MAX_ATTEMPTS times"
    );
    let summary = tapid::db::logout::summary(app.db.pool(), "shop")
        .await
        .unwrap();
    assert_eq!((summary.pending, summary.failed), (0, 1));
}

#[tokio::test]
async fn several_instances_deliver_each_logout_token_once() {
    let app = spawn_app().await;
    let receiver = Receiver::start().await;
    alice_signed_in_to(&app, &receiver).await;
    let second = app.second_instance().await;
    app.cli(&["user", "disable", "alice"]).await.ok();

    let (a, b) = tokio::join!(deliver(&app), deliver(&second));

    assert_eq!(a + b, 1, "one of the instances delivered it");
    assert_eq!(
        receiver.tokens().await.len(),
        1,
        "the application got it once"
    );
    let _ = state_of(&app);
}
