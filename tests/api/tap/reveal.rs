//! The one-time reveal link: shown once to the first opener who confirms, says why when it will not
//! show, locks after wrong confirmations, and leaves the passcode nowhere — not in the link, the
//! audit trail or the database once opened.

use std::num::NonZeroU32;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tapid::audit::Actor;
use tapid::config::RevealConfirm;
use tapid::directory::User;
use tapid::directory::profiles::{self, UserProfile};

use crate::helpers::admin::text_of;
use crate::helpers::signin::form_field;
use crate::helpers::{TestApp, spawn_app_with};

async fn app_confirming(confirm: RevealConfirm) -> TestApp {
    spawn_app_with(|c| {
        c.reveal.confirm = confirm;
        c.reveal.max_attempts = NonZeroU32::new(3).unwrap();
    })
    .await
}

async fn set_profile(app: &TestApp, user: &User, profile: UserProfile) {
    profiles::set_user(&app.db, &Actor::Cli, user.target(), &user.id, &profile)
        .await
        .unwrap();
}

/// Issues bob a pass delivered by link through the API; returns the API's answer.
async fn issue_link(app: &TestApp, token: &str, bob: &User) -> Value {
    app.call(
        reqwest::Method::POST,
        &format!("/api/v1/users/{}/temporary-access-pass", bob.id),
        token,
        Some(json!({ "deliver": "reveal_link", "one_time": true })),
    )
    .await
    .expect(201)
}

/// The path of a link (`/reveal/…`).
fn path_of(issued: &Value) -> String {
    let url = issued["reveal_link"]["url"].as_str().unwrap();
    url[url.find("/reveal/").unwrap()..].to_string()
}

/// Opens the link in a fresh browser and submits `digits`; returns the answer's status and page.
async fn open_with_digits(app: &TestApp, path: &str, digits: &str) -> (StatusCode, String) {
    let browser = app.new_browser();
    let page = browser.get(path).await;
    if page.status() != StatusCode::OK {
        let status = page.status();
        return (status, page.text().await.unwrap());
    }
    let html = page.text().await.unwrap();
    let csrf = form_field(&html, "csrf").unwrap();
    let answer = browser
        .client
        .post(browser.url(path))
        .header("origin", &browser.issuer)
        .form(&[("csrf", csrf.as_str()), ("digits", digits)])
        .send()
        .await
        .unwrap();
    let status = answer.status();
    (status, answer.text().await.unwrap())
}

async fn employee(app: &TestApp) -> User {
    let bob = app.add_user("bob", &[], &[]).await;
    let profile = UserProfile {
        employee_number: Some("E-0048213".into()),
        ..UserProfile::default()
    };
    set_profile(app, &bob, profile).await;
    bob
}

#[tokio::test]
async fn a_reveal_link_shows_the_passcode_once_to_the_first_who_confirms() {
    let app = app_confirming(RevealConfirm::EmployeeNumber).await;
    let bob = employee(&app).await;
    let (admin, _) = app.admin_and_helpdesk_tokens().await;

    let issued = issue_link(&app, &admin, &bob).await;
    assert!(issued.get("passcode").is_none(), "{issued}");
    assert_eq!(issued["reveal_link"]["confirm"], "employee_number");
    let path = path_of(&issued);

    let (wrong, page) = open_with_digits(&app, &path, "0000").await;
    assert_eq!(wrong, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        text_of(&page, "#reveal-error")
            .unwrap()
            .contains("not the last four digits")
    );
    let (shown, page) = open_with_digits(&app, &path, "8213").await;
    assert_eq!(shown, StatusCode::OK, "{page}");
    let passcode = text_of(&page, "#passcode").unwrap();
    let (again, page) = open_with_digits(&app, &path, "8213").await;

    assert_eq!(again, StatusCode::GONE);
    assert!(
        text_of(&page, "#reveal-state")
            .unwrap()
            .contains("was opened on")
    );
    assert!(app.check_pass("bob", &passcode).await.is_ok());
    let revealed = &app.events("tap.revealed").await[0];
    assert_eq!(revealed.target_name.as_deref(), Some("bob"));
    assert_eq!(revealed.address.as_deref(), Some("127.0.0.1"));
    assert!(revealed.details.contains("employee_number"));
    assert_eq!(app.events("tap.reveal_failed").await.len(), 1);
    // Neither the passcode nor the link's token is kept anywhere, or was ever in the link.
    let token = path.trim_start_matches("/reveal/");
    let code = passcode.replace('-', "");
    assert!(!path.contains(&code));
    for stored in app.every_stored_text().await {
        assert!(
            !stored.contains(&code) && !stored.contains(token),
            "{stored}"
        );
    }
}

#[tokio::test]
async fn too_many_wrong_confirmations_lock_the_link_and_destroy_the_passcode() {
    let app = app_confirming(RevealConfirm::EmployeeNumber).await;
    let bob = employee(&app).await;
    let (admin, _) = app.admin_and_helpdesk_tokens().await;
    let path = path_of(&issue_link(&app, &admin, &bob).await);

    for _ in 0..2 {
        assert_eq!(
            open_with_digits(&app, &path, "1111").await.0,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    let (locked, page) = open_with_digits(&app, &path, "1111").await;
    let (after, _) = open_with_digits(&app, &path, "8213").await;

    assert_eq!(locked, StatusCode::GONE);
    assert!(page.contains("locked"), "{page}");
    assert_eq!(
        after,
        StatusCode::GONE,
        "the right digits no longer open it"
    );
    let (sealed,): (Option<String>,) = sqlx::query_as("SELECT passcode_sealed FROM reveal_links")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert!(sealed.is_none());
    assert_eq!(app.events("tap.reveal_failed").await[0].severity, "high");
}

#[tokio::test]
async fn an_expired_link_says_so_and_its_passcode_is_destroyed() {
    let app = app_confirming(RevealConfirm::EmployeeNumber).await;
    let bob = employee(&app).await;
    let (admin, _) = app.admin_and_helpdesk_tokens().await;
    let path = path_of(&issue_link(&app, &admin, &bob).await);
    sqlx::query("UPDATE reveal_links SET expires_at = $1")
        .bind(tapid::db::ts(tapid::db::now()) - 5)
        .execute(app.db.pool())
        .await
        .unwrap();

    let (status, page) = open_with_digits(&app, &path, "8213").await;
    tapid::tap::expiry::sweep(&app.db, 30, tapid::db::now())
        .await
        .unwrap();

    assert_eq!(status, StatusCode::GONE);
    assert!(page.contains("expired"), "{page}");
    let (sealed,): (Option<String>,) = sqlx::query_as("SELECT passcode_sealed FROM reveal_links")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert!(sealed.is_none());
}

#[tokio::test]
async fn a_revoked_link_or_a_replaced_pass_closes_the_link() {
    let app = app_confirming(RevealConfirm::EmployeeNumber).await;
    let bob = employee(&app).await;
    let (admin, _) = app.admin_and_helpdesk_tokens().await;
    let first = path_of(&issue_link(&app, &admin, &bob).await);

    let revoked = app
        .call(
            reqwest::Method::DELETE,
            &format!("/api/v1/users/{}/temporary-access-pass/reveal-link", bob.id),
            &admin,
            None,
        )
        .await
        .expect(200);
    assert_eq!(revoked["revoked"], 1);
    let (status, page) = open_with_digits(&app, &first, "8213").await;
    assert_eq!(status, StatusCode::GONE);
    assert!(page.contains("revoked"), "{page}");
    assert_eq!(app.events("tap.reveal_link_revoked").await.len(), 1);

    let second = path_of(&issue_link(&app, &admin, &bob).await);
    app.cli(&["tap", "issue", "bob"]).await.ok();
    assert_eq!(
        open_with_digits(&app, &second, "8213").await.0,
        StatusCode::GONE
    );
    assert_eq!(
        app.get("/reveal/not-a-link").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_manager_link_opens_only_for_the_managers_own_passkey_sign_in() {
    let app = app_confirming(RevealConfirm::ManagerPasskey).await;
    let mia = app.add_user("mia", &[], &[]).await;
    let eve = app.add_user("eve", &[], &[]).await;
    let bob = app.add_user("bob", &[], &[]).await;
    let carl = app.add_user("carl", &[], &[]).await;
    set_profile(
        &app,
        &bob,
        UserProfile {
            manager_id: Some(mia.id.clone()),
            ..UserProfile::default()
        },
    )
    .await;
    let (admin, _) = app.admin_and_helpdesk_tokens().await;
    app.call(
        reqwest::Method::POST,
        &format!("/api/v1/users/{}/temporary-access-pass", carl.id),
        &admin,
        Some(json!({ "deliver": "reveal_link" })),
    )
    .await
    .refused(422, "no manager");
    let path = path_of(&issue_link(&app, &admin, &bob).await);

    let anonymous = app.new_browser().get(&path).await;
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    assert!(
        anonymous.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );
    let stranger = app.console_as(&eve, "phr").await;
    assert_eq!(
        stranger.post(&path, &[]).await.status(),
        StatusCode::FORBIDDEN
    );
    let not_by_passkey = app.console_as(&mia, "1fa").await;
    assert_eq!(
        not_by_passkey.get(&path).await.status(),
        StatusCode::SEE_OTHER
    );
    let manager = app.console_as(&mia, "phr").await;
    let (status, page) = manager.page(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("signed in as <strong>mia</strong>"), "{page}");
    let shown = manager.post(&path, &[]).await;
    assert_eq!(shown.status(), StatusCode::OK);
    let passcode = text_of(&shown.text().await.unwrap(), "#passcode").unwrap();

    assert!(app.check_pass("bob", &passcode).await.is_ok());
    let revealed = &app.events("tap.revealed").await[0];
    assert_eq!(revealed.actor_name.as_deref(), Some("mia"));
    assert!(revealed.details.contains("\"opened_by\":\"mia\""));
}
