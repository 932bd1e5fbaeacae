//! A one-time pass is held, not spent, by the session that signs in with it: nobody else can use it
//! meanwhile (on any instance); registering a method spends it; a session that ends having registered
//! nothing gives it back, and the audit trail says so (`tap.released`).

use tapid::tap::Reason;

use super::audit_events;
use crate::helpers::{TestApp, spawn_app};

/// The text of the alert on a refused pass sign-in.
async fn refused_with(app: &TestApp, username: &str, passcode: &str) -> String {
    let response = app.submit_tap_from("/login", username, passcode).await;
    assert_eq!(response.status(), 422, "the pass is refused");
    let html = response.text().await.unwrap();
    scraper::Html::parse_document(&html)
        .select(&scraper::Selector::parse("[role=alert]").unwrap())
        .next()
        .map(|e| e.text().collect::<String>())
        .expect("an alert")
}

fn reason_of(details: &str) -> String {
    let details: serde_json::Value = serde_json::from_str(details).unwrap();
    details["reason"].as_str().unwrap_or_default().to_string()
}

#[tokio::test]
async fn a_one_time_pass_is_held_by_its_session_and_refused_to_a_second_browser_on_another_instance()
 {
    let app = spawn_app().await;
    let passcode = app.arrange_pass("newbie", true).await;
    app.sign_in_with_tap_from("/login", "newbie", &passcode)
        .await;

    let elsewhere = app.second_instance().await.new_browser();
    let said = refused_with(&elsewhere, "newbie", &passcode).await;

    assert_eq!(app.pass_state("newbie").await.reason, Reason::InUse);
    assert!(said.contains("in use in another sign-in"), "{said}");
    assert_eq!(app.events("tap.used").await.len(), 1);
    // The first session goes on.
    assert_eq!(app.get("/security-info/setup").await.status(), 200);
}

#[tokio::test]
async fn signing_out_without_registering_gives_the_one_time_pass_back() {
    let app = spawn_app().await;
    let passcode = app.arrange_pass("newbie", true).await;
    app.sign_in_with_tap_from("/login", "newbie", &passcode)
        .await;

    app.sign_out().await;

    let released = audit_events(&app, "tap.released").await;
    assert_eq!(released.len(), 1, "{released:?}");
    assert_eq!(reason_of(&released[0].2), "signed_out");
    assert!(app.pass_state("newbie").await.usable);
    let again = app.new_browser();
    let setup = again
        .sign_in_with_tap_from("/login", "newbie", &passcode)
        .await;
    assert!(setup.starts_with("/security-info/setup"), "{setup}");
}

#[tokio::test]
async fn registering_a_method_spends_the_held_pass_and_signing_out_then_gives_nothing_back() {
    let app = spawn_app().await;
    let passcode = app.arrange_pass("newbie", true).await;
    app.sign_in_with_tap_from("/login", "newbie", &passcode)
        .await;

    app.enrol_totp_in_session().await;
    app.sign_out().await;

    assert_eq!(app.events("tap.spent").await.len(), 1);
    assert!(app.events("tap.released").await.is_empty());
    assert_eq!(app.pass_state("newbie").await.reason, Reason::OneTimeUsed);
    let said = refused_with(&app.new_browser(), "newbie", &passcode).await;
    assert!(said.contains("already used"), "{said}");
}

/// Moves the restricted session's end and its hold into the past, as the end of the setup window does.
async fn end_setup_window(app: &TestApp) {
    let past = tapid::db::ts(tapid::db::now()) - 5;
    sqlx::query("UPDATE sessions SET expires_at = $1 WHERE tap_id IS NOT NULL")
        .bind(past)
        .execute(app.db.pool())
        .await
        .unwrap();
    sqlx::query("UPDATE passes SET held_until = $1 WHERE held_by_session IS NOT NULL")
        .bind(past)
        .execute(app.db.pool())
        .await
        .unwrap();
}

#[tokio::test]
async fn a_setup_window_that_ends_with_nothing_registered_gives_the_pass_back_once_from_the_sweep()
{
    let app = spawn_app().await;
    let passcode = app.arrange_pass("newbie", true).await;
    app.sign_in_with_tap_from("/login", "newbie", &passcode)
        .await;
    end_setup_window(&app).await;
    let other = tapid::db::Db::open(&app.database_url).await.unwrap();

    let now = tapid::db::now();
    let (a, b) = tokio::join!(
        tapid::tap::expiry::sweep(&app.db, 30, now),
        tapid::tap::expiry::sweep(&other, 30, now)
    );

    assert_eq!(a.unwrap().released + b.unwrap().released, 1);
    let released = audit_events(&app, "tap.released").await;
    assert_eq!(released.len(), 1);
    assert_eq!(reason_of(&released[0].2), "setup_window_over");
    assert!(app.pass_state("newbie").await.usable);
    let setup = app
        .new_browser()
        .sign_in_with_tap_from("/login", "newbie", &passcode)
        .await;
    assert!(setup.starts_with("/security-info/setup"), "{setup}");
    other.close().await;
}

#[tokio::test]
async fn a_lapsed_hold_is_taken_over_by_the_next_sign_in_and_its_release_recorded() {
    let app = spawn_app().await;
    let passcode = app.arrange_pass("newbie", true).await;
    app.sign_in_with_tap_from("/login", "newbie", &passcode)
        .await;
    end_setup_window(&app).await;

    let setup = app
        .new_browser()
        .sign_in_with_tap_from("/login", "newbie", &passcode)
        .await;

    assert!(setup.starts_with("/security-info/setup"), "{setup}");
    let events = audit_events(&app, "tap.").await;
    let actions: Vec<&str> = events
        .iter()
        .map(|e| e.0.as_str())
        .filter(|a| *a != "tap.issued")
        .collect();
    assert_eq!(actions, ["tap.used", "tap.released", "tap.used"]);
}

#[tokio::test]
async fn the_setup_page_counts_down_its_window_and_says_what_its_end_means_for_a_one_time_pass() {
    let app = spawn_app().await;
    let passcode = app.arrange_pass("newbie", true).await;
    let setup = app
        .sign_in_with_tap_from("/login", "newbie", &passcode)
        .await;

    let html = app.get(&setup).await.text().await.unwrap();

    assert!(html.contains("data-countdown=\""), "{html}");
    assert!(html.contains("<time datetime=\""), "{html}");
    assert!(
        html.contains(" UTC, in "),
        "the time reads right without a script"
    );
    let over = scraper::Html::parse_document(&html)
        .select(&scraper::Selector::parse("#window-over").unwrap())
        .next()
        .map(|e| e.text().collect::<String>())
        .expect("the words for the end of the window");
    assert!(over.contains("Your setup time is over"), "{over}");
    assert!(over.contains("was not used up"), "{over}");
}
