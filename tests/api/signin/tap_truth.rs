//! A refused pass sign-in tells the truth once the right passcode has been verified (expired at …,
//! already used, starts at …, locked, account disabled), and nothing before it: a wrong passcode gives
//! the same page whether the username exists, holds a pass, or neither.

use crate::helpers::signin::form_field;
use crate::helpers::{TestApp, spawn_app};

/// The text of the page's alert after a pass sign-in that was refused (422).
async fn refusal(app: &TestApp, username: &str, passcode: &str) -> String {
    let response = app.submit_tap_from("/login", username, passcode).await;
    assert_eq!(response.status(), 422, "the pass is refused");
    let html = response.text().await.unwrap();
    scraper::Html::parse_document(&html)
        .select(&scraper::Selector::parse("[role=alert]").unwrap())
        .next()
        .map(|e| e.text().collect::<String>())
        .expect("an alert")
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// "2026-12-03 09:41 UTC", as a page writes a stored time without its script.
fn utc(ts: i64) -> String {
    let at = time::OffsetDateTime::from_unix_timestamp(ts).unwrap();
    at.format(time::macros::format_description!(
        "[year]-[month]-[day] [hour]:[minute] UTC"
    ))
    .unwrap()
}

#[tokio::test]
async fn an_expired_pass_with_the_right_passcode_says_when_it_expired() {
    let app = spawn_app().await;
    let passcode = app.arrange_pass("newbie", false).await;
    let end = now() - 120;
    app.shift_pass("newbie", end - 3600, end).await;

    let said = refusal(&app, "newbie", &passcode).await;

    assert!(said.contains("expired at"), "{said}");
    assert!(said.contains(&utc(end)), "{said}");
}

#[tokio::test]
async fn a_used_one_time_pass_with_the_right_passcode_says_it_was_already_used() {
    let app = spawn_app().await;
    let passcode = app.arrange_pass("newbie", true).await;
    app.sign_in_with_tap_from("/login", "newbie", &passcode)
        .await;
    app.enrol_totp_in_session().await;
    app.sign_out().await;

    let said = refusal(&app, "newbie", &passcode).await;

    assert!(said.contains("already used"), "{said}");
}

#[tokio::test]
async fn a_pass_that_starts_later_says_when_it_starts() {
    let app = spawn_app().await;
    let passcode = app.arrange_pass("newbie", false).await;
    let start = now() + 2 * 3600;
    app.shift_pass("newbie", start, start + 3600).await;

    let said = refusal(&app, "newbie", &passcode).await;

    assert!(said.contains("starts at"), "{said}");
    assert!(said.contains(&utc(start)), "{said}");
}

#[tokio::test]
async fn a_locked_pass_with_the_right_passcode_says_it_is_locked_after_too_many_wrong_tries() {
    let app = spawn_app().await;
    let passcode = app.arrange_pass("newbie", false).await;
    for _ in 0..5 {
        let _ = app.check_pass("newbie", "WRONG-PASS").await;
    }

    let said = refusal(&app, "newbie", &passcode).await;

    assert!(said.contains("locked after too many wrong tries"), "{said}");
}

#[tokio::test]
async fn a_disabled_account_with_the_right_passcode_says_the_account_is_disabled() {
    let app = spawn_app().await;
    let passcode = app.arrange_pass("newbie", false).await;
    tapid::directory::users::set_enabled(&app.db, &tapid::audit::Actor::Cli, "newbie", false)
        .await
        .unwrap();

    let said = refusal(&app, "newbie", &passcode).await;

    assert!(said.contains("account is disabled"), "{said}");
}

#[tokio::test]
async fn the_pass_page_says_how_many_wrong_tries_lock_a_pass() {
    let app = spawn_app().await;
    app.change_policy(tapid::tap::policy::PolicyChanges {
        max_failed_attempts: Some(3),
        ..Default::default()
    })
    .await
    .unwrap();
    let methods = crate::helpers::signin::location(&app.enter_username("/login", "anyone").await);

    let (html, _) = app
        .page_with_csrf(&methods.replacen("/login/methods", "/login/tap", 1))
        .await;

    assert!(
        html.contains("After 3 wrong tries the pass locks"),
        "{html}"
    );
}

/// The page a wrong passcode gives, with the session's CSRF token (the only thing that may differ)
/// blanked out.
async fn wrong_passcode_page(app: &TestApp, username: &str) -> String {
    let response = app.submit_tap_from("/login", username, "WRONG-PASS").await;
    assert_eq!(response.status(), 422);
    let html = response.text().await.unwrap();
    let csrf = form_field(&html, "csrf").expect("a CSRF field");
    html.replace(&csrf, "CSRF")
}

#[tokio::test]
async fn a_wrong_passcode_gives_the_same_page_for_an_existing_and_an_unknown_user() {
    let with_pass = spawn_app().await;
    with_pass.arrange_pass("sam", true).await;
    let without = spawn_app().await;

    let existing = wrong_passcode_page(&with_pass, "sam").await;
    let unknown = wrong_passcode_page(&without, "sam").await;

    assert_eq!(existing, unknown);
}
