//! The Temporary Access Pass journey: a restricted session that can only register a method, then
//! continues where the sign-in was asked for.

use super::{audit_events, sessions_of};
use crate::helpers::signin::{SoftPasskey, location};
use crate::helpers::spawn_app;

const FROM_AUTHORIZE: &str = "/login?return_to=%2Fauthorize%2Fresume%3Frequest%3Dr1&level=1fa";

#[tokio::test]
async fn a_pass_opens_a_restricted_session_that_continues_at_setup() {
    let app = spawn_app().await;
    let passcode = app.arrange_pass("newbie", true).await;
    let user = app.arrange_user("newbie").await;

    let next = app
        .sign_in_with_tap_from(FROM_AUTHORIZE, "newbie", &passcode)
        .await;

    assert_eq!(
        next,
        "/security-info/setup?return_to=%2Fauthorize%2Fresume%3Frequest%3Dr1"
    );
    assert_eq!(
        sessions_of(&app, &user.id).await,
        vec![("tap".to_string(), "tap".to_string())]
    );
    let setup = app.get(&next).await;
    assert_eq!(setup.status(), 200);
    let html = setup.text().await.unwrap();
    assert!(html.contains("Add a passkey") && html.contains("Add an authenticator app"));
    assert!(html.contains("Sign out"));
    assert!(!html.contains("id=\"continue\""));
}

#[tokio::test]
async fn the_pass_field_is_labelled_temporary_access_pass() {
    let app = spawn_app().await;
    let methods = location(&app.enter_username("/login", "anyone").await);

    let html = app
        .get(&methods.replacen("/login/methods", "/login/tap", 1))
        .await
        .text()
        .await
        .unwrap();

    let document = scraper::Html::parse_document(&html);
    let label = document
        .select(&scraper::Selector::parse("label[for=passcode]").unwrap())
        .next()
        .unwrap();
    assert_eq!(label.text().collect::<String>(), "Temporary Access Pass");
}

#[tokio::test]
async fn a_restricted_session_reaches_only_setup() {
    let app = spawn_app().await;
    let passcode = app.arrange_pass("newbie", false).await;
    app.sign_in_with_tap_from("/login", "newbie", &passcode)
        .await;

    let overview = app.get("/security-info").await;

    assert_eq!(overview.status(), 303);
    assert_eq!(location(&overview), "/security-info/setup");
    assert_eq!(app.get("/security-info/totp").await.status(), 200);
}

#[tokio::test]
async fn registering_an_app_in_a_restricted_session_renews_it_at_1fa_and_offers_continue() {
    let app = spawn_app().await;
    let passcode = app.arrange_pass("newbie", true).await;
    let user = app.arrange_user("newbie").await;
    let setup = app
        .sign_in_with_tap_from(FROM_AUTHORIZE, "newbie", &passcode)
        .await;
    app.get(&setup).await;
    let tap_session: Vec<String> =
        sqlx::query_scalar("SELECT sid FROM sessions WHERE level = 'tap'")
            .fetch_all(app.db.pool())
            .await
            .unwrap();

    app.enrol_totp_in_session().await;

    assert_eq!(
        sessions_of(&app, &user.id).await,
        vec![("1fa".to_string(), "tap otp".to_string())]
    );
    let renewed: Vec<String> = sqlx::query_scalar("SELECT sid FROM sessions WHERE level = '1fa'")
        .fetch_all(app.db.pool())
        .await
        .unwrap();
    assert_eq!(
        renewed, tap_session,
        "the same sign-in, renewed under a new token"
    );
    assert_eq!(app.continue_link().await, "/authorize/resume?request=r1");
    let listed = app
        .cli(&["method", "list", "newbie", "--json"])
        .await
        .json();
    assert_eq!(listed[0]["registered_with_tap"], true);
}

#[tokio::test]
async fn registering_a_passkey_in_a_restricted_session_gives_amr_tap_and_the_passkey() {
    let app = spawn_app().await;
    let passcode = app.arrange_pass("newbie", true).await;
    let user = app.arrange_user("newbie").await;
    app.sign_in_with_tap_from(FROM_AUTHORIZE, "newbie", &passcode)
        .await;
    let mut authenticator = SoftPasskey::new(true);

    let response = app.register_passkey(&mut authenticator, "Laptop").await;

    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["redirect"], "/security-info/setup");
    assert_eq!(
        sessions_of(&app, &user.id).await,
        vec![("1fa".to_string(), "tap hwk user mfa".to_string())]
    );
    assert_eq!(app.continue_link().await, "/authorize/resume?request=r1");

    // The next day: the passkey alone.
    app.sign_out().await;
    let redirect = app
        .sign_in_with_passkey_from("/login?return_to=%2Fapp", "newbie", &mut authenticator)
        .await;
    assert_eq!(redirect, "/app");
}

#[tokio::test]
async fn a_one_time_pass_cannot_sign_in_twice() {
    let app = spawn_app().await;
    let passcode = app.arrange_pass("newbie", true).await;
    app.sign_in_with_tap_from("/login", "newbie", &passcode)
        .await;
    app.enrol_totp_in_session().await;
    app.sign_out().await;

    let second = app.submit_tap_from("/login", "newbie", &passcode).await;

    assert_eq!(second.status(), 422);
    let html = second.text().await.unwrap();
    assert!(html.contains("role=\"alert\""));
}

#[tokio::test]
async fn a_multi_use_pass_may_start_another_restricted_session() {
    let app = spawn_app().await;
    let passcode = app.arrange_pass("newbie", false).await;
    app.sign_in_with_tap_from("/login", "newbie", &passcode)
        .await;
    app.sign_out().await;

    let again = app.submit_tap_from("/login", "newbie", &passcode).await;

    assert_eq!(again.status(), 303);
}

#[tokio::test]
async fn a_refused_pass_looks_the_same_whatever_the_reason() {
    let app = spawn_app().await;
    app.arrange_pass("haspass", false).await;
    app.arrange_user("nopass").await;

    let mut answers = Vec::new();
    for user in ["haspass", "nopass", "nobody"] {
        let response = app.submit_tap_from("/login", user, "WRONGPASS1").await;
        let status = response.status();
        let html = response.text().await.unwrap();
        let alert = scraper::Html::parse_document(&html)
            .select(&scraper::Selector::parse("[role=alert]").unwrap())
            .next()
            .map(|e| e.text().collect::<String>())
            .unwrap();
        answers.push((status, alert));
    }

    assert_eq!(answers[0].0, 422);
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0], answers[2]);
    assert_eq!(audit_events(&app, "signin.failed").await.len(), 3);
}

#[tokio::test]
async fn the_restricted_session_lasts_the_enrollment_window_capped_by_the_pass() {
    let app = spawn_app().await;
    let passcode = app.arrange_pass("newbie", false).await;
    let before = time::OffsetDateTime::now_utc().unix_timestamp();

    app.sign_in_with_tap_from("/login", "newbie", &passcode)
        .await;

    let (expires, tap_end): (i64, i64) = sqlx::query_as(
        "SELECT s.expires_at, p.ends_at FROM sessions s JOIN passes p ON p.id = s.tap_id",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    let window = 10 * 60;
    assert!(expires <= before + window + 2 && expires >= before + window - 2);
    assert!(expires <= tap_end);
}

#[tokio::test]
async fn lost_phone_methods_removed_then_a_new_pass_re_enrols() {
    let app = spawn_app().await;
    let old = app.arrange_user_with_totp("worker").await;
    app.sign_in_with_totp_from("/login", "worker", &old).await;
    app.cli(&["method", "remove", "worker", "--all"]).await.ok();
    assert_eq!(app.get("/security-info").await.status(), 303, "signed out");
    let passcode = app.arrange_pass("worker", true).await;

    app.sign_in_with_tap_from(FROM_AUTHORIZE, "worker", &passcode)
        .await;
    let new = app.enrol_totp_in_session().await;

    assert_eq!(app.continue_link().await, "/authorize/resume?request=r1");
    app.sign_out().await;
    let next = app.sign_in_with_totp_from("/login", "worker", &new).await;
    assert_eq!(next, "/security-info");
    let rejected_old = app
        .submit_totp_from("/login", "worker", &old.fresh_code().await)
        .await;
    assert_eq!(rejected_old.status(), 422);
}

#[tokio::test]
async fn the_last_method_may_be_removed_while_a_usable_pass_exists() {
    let app = spawn_app().await;
    let secret = app.arrange_user_with_totp("alice").await;
    app.arrange_pass("alice", false).await;
    app.sign_in_with_totp_from("/login", "alice", &secret).await;
    let id: String = sqlx::query_scalar("SELECT id FROM methods")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let csrf = app.csrf_from("/security-info").await;
    let html = app.get("/security-info").await.text().await.unwrap();
    assert!(html.contains("id=\"pass-state\""));

    let response = app
        .post_form(
            &format!("/security-info/methods/{id}/remove"),
            &[("csrf", &csrf)],
        )
        .await;

    assert_eq!(response.status(), 303);
}

#[tokio::test]
async fn a_method_cannot_be_removed_in_a_session_that_began_with_a_pass() {
    let app = spawn_app().await;
    app.arrange_user_with_totp("alice").await;
    let passcode = app.arrange_pass("alice", false).await;
    app.sign_in_with_tap_from("/login", "alice", &passcode)
        .await;
    app.enrol_totp_in_session().await;
    let id: String = sqlx::query_scalar("SELECT id FROM methods WHERE registered_with_tap = 0")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let csrf = app.csrf_from("/security-info").await;

    let response = app
        .post_form(
            &format!("/security-info/methods/{id}/remove"),
            &[("csrf", &csrf)],
        )
        .await;

    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn a_person_can_delete_their_own_pass() {
    let app = spawn_app().await;
    let secret = app.arrange_user_with_totp("alice").await;
    app.arrange_pass("alice", false).await;
    app.sign_in_with_totp_from("/login", "alice", &secret).await;
    let csrf = app.csrf_from("/security-info").await;

    let response = app
        .post_form("/security-info/pass/delete", &[("csrf", &csrf)])
        .await;

    assert_eq!(response.status(), 303);
    assert_eq!(audit_events(&app, "tap.revoked").await.len(), 1);
    let html = app.get("/security-info").await.text().await.unwrap();
    assert!(html.contains("id=\"no-pass\""));
}
