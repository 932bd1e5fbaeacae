//! Secrets the console makes are shown once, by post/redirect/get: a reload of the page that shows
//! one, or the same form sent again (Back, then resubmit), never makes a second one silently, and says
//! that it was already shown. And the lost-phone flow leads straight to a new pass.

use tapid::audit::Actor;
use tapid::directory::{self, NewUser, Role, Username};

use crate::helpers::admin::{Console, csrf_of, text_of};
use crate::helpers::signin::{form_field, location};
use crate::helpers::{TestApp, spawn_app};

/// The passes issued to `user_id` so far (the first administrator's own pass is not among them).
async fn issued_to(app: &TestApp, user_id: &str) -> usize {
    app.events("tap.issued")
        .await
        .iter()
        .filter(|e| e.target_id.as_deref() == Some(user_id))
        .count()
}

async fn helpdesk(app: &TestApp) -> Console {
    let hal = app.add_user("hal", &[Role::Helpdesk], &[]).await;
    app.console_as(&hal, "phr").await
}

/// The single-use token of the first form on a page.
fn once_of(html: &str) -> String {
    form_field(html, "once").expect("a single-use form token")
}

fn passcode_of(html: &str) -> String {
    text_of(html, "#passcode")
        .expect("a passcode on the page")
        .split_whitespace()
        .collect()
}

/// Sends the pass form of `user_id` as the browser would; returns the answer.
async fn send_pass_form(console: &Console, user_id: &str, once: &str) -> reqwest::Response {
    console
        .post(
            &format!("/admin/users/{user_id}/pass"),
            &[
                ("once", once),
                ("lifetime", "60"),
                ("start_mode", "now"),
                ("use", "multi-use"),
            ],
        )
        .await
}

#[tokio::test]
async fn issuing_a_pass_redirects_to_a_page_that_shows_it_once_and_a_reload_issues_nothing() {
    let app = spawn_app().await;
    let console = helpdesk(&app).await;
    let bob = app.add_user("bob", &[], &[]).await;
    let (_, form) = console.page(&format!("/admin/users/{}/pass", bob.id)).await;

    let answer = send_pass_form(&console, &bob.id, &once_of(&form)).await;

    assert_eq!(answer.status(), 303, "post/redirect/get");
    let shown_at = location(&answer);
    assert!(
        shown_at.starts_with(&format!("/admin/users/{}/pass/issued?shown=", bob.id)),
        "{shown_at}"
    );
    let first = console.get(&shown_at).await;
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers()["cache-control"], "no-store");
    let html = first.text().await.unwrap();
    let passcode = passcode_of(&html);
    assert!(html.contains("will not be shown again"));

    let (status, reloaded) = console.page(&shown_at).await;
    assert_eq!(status, 200);
    assert!(!reloaded.contains(&passcode), "never shown twice");
    assert!(
        text_of(&reloaded, "#already-shown")
            .unwrap()
            .contains("This passcode was already shown"),
        "{reloaded}"
    );
    assert!(reloaded.contains(&format!("href=\"/admin/users/{}/pass\"", bob.id)));
    assert_eq!(issued_to(&app, &bob.id).await, 1, "one pass only");
    assert!(app.check_pass("bob", &passcode).await.is_ok());
}

#[tokio::test]
async fn the_same_pass_form_sent_twice_issues_one_pass_and_the_first_stays_valid() {
    let app = spawn_app().await;
    let console = helpdesk(&app).await;
    let bob = app.add_user("bob", &[], &[]).await;
    let (_, form) = console.page(&format!("/admin/users/{}/pass", bob.id)).await;
    let once = once_of(&form);
    let first = send_pass_form(&console, &bob.id, &once).await;
    let (_, shown) = console.page(&location(&first)).await;
    let passcode = passcode_of(&shown);

    let again = send_pass_form(&console, &bob.id, &once).await;

    assert_eq!(again.status(), 303);
    let (_, page) = console.page(&location(&again)).await;
    assert!(text_of(&page, "#already-shown").is_some(), "{page}");
    assert_eq!(issued_to(&app, &bob.id).await, 1);
    assert!(app.events("tap.replaced").await.is_empty());
    assert!(
        app.check_pass("bob", &passcode).await.is_ok(),
        "the pass read out is still the one"
    );
}

#[tokio::test]
async fn a_held_passcode_opens_only_in_the_session_that_issued_it() {
    let app = spawn_app().await;
    let console = helpdesk(&app).await;
    let other = app.console_as(&app.user("hal").await, "phr").await;
    let bob = app.add_user("bob", &[], &[]).await;
    let (_, form) = console.page(&format!("/admin/users/{}/pass", bob.id)).await;
    let answer = send_pass_form(&console, &bob.id, &once_of(&form)).await;

    let (status, elsewhere) = other.page(&location(&answer)).await;

    assert_eq!(status, 200);
    assert!(text_of(&elsewhere, "#passcode").is_none());
    assert!(text_of(&elsewhere, "#already-shown").is_some());
    let (_, own) = console.page(&location(&answer)).await;
    assert!(
        text_of(&own, "#passcode").is_some(),
        "the issuer still sees it once"
    );
}

#[tokio::test]
async fn a_client_secret_is_shown_once_and_a_resent_new_secret_form_replaces_nothing() {
    let app = spawn_app().await;
    let ann = app.add_user("ann", &[Role::Admin], &[]).await;
    let console = app.console_as(&ann, "phr").await;
    let (_, list) = console.page("/admin/clients").await;
    let created = console
        .post(
            "/admin/clients",
            &[
                ("once", &once_of(&list)),
                ("id", "shop"),
                ("redirect_uris", "https://shop.example.com/cb"),
            ],
        )
        .await;
    assert_eq!(created.status(), 303);
    let shown_at = location(&created);
    assert!(
        shown_at.starts_with("/admin/clients/shop/secret?shown="),
        "{shown_at}"
    );
    let (_, shown) = console.page(&shown_at).await;
    let secret = text_of(&shown, "#client-secret").unwrap();
    let (_, reloaded) = console.page(&shown_at).await;
    assert!(!reloaded.contains(&secret));
    assert!(
        text_of(&reloaded, "#already-shown")
            .unwrap()
            .contains("This secret was already shown")
    );

    let (_, edit) = console.page("/admin/clients/shop").await;
    let once = once_of(&edit);
    let fields = [
        ("once", once.as_str()),
        ("redirect_uris", "https://shop.example.com/cb"),
        ("new_secret", "1"),
    ];
    let replaced = console.post("/admin/clients/shop", &fields).await;
    assert_eq!(replaced.status(), 303);
    let (_, shown) = console.page(&location(&replaced)).await;
    let new_secret = text_of(&shown, "#client-secret").unwrap();
    let resent = console.post("/admin/clients/shop", &fields).await;

    assert_eq!(resent.status(), 200);
    assert!(text_of(&resent.text().await.unwrap(), "#already-shown").is_some());
    let client = tapid::oidc::clients::get(&app.db, "shop").await.unwrap();
    assert!(client.verify_secret(&new_secret), "the secret shown stands");
    assert!(!client.verify_secret(&secret));
}

#[tokio::test]
async fn a_webhook_secret_is_shown_once_and_a_resent_form_registers_no_second_endpoint() {
    let app = spawn_app().await;
    let ann = app.add_user("ann", &[Role::Admin], &[]).await;
    let console = app.console_as(&ann, "phr").await;
    let (_, page) = console.page("/admin/webhooks").await;
    let once = once_of(&page);
    let fields = [
        ("once", once.as_str()),
        ("url", "http://127.0.0.1:9/unreachable"),
        ("event_types", "tap.*"),
    ];

    let created = console.post("/admin/webhooks", &fields).await;
    let resent = console.post("/admin/webhooks", &fields).await;

    assert_eq!(created.status(), 303);
    let shown_at = location(&created);
    let (_, shown) = console.page(&shown_at).await;
    let secret = text_of(&shown, "#webhook-secret").unwrap();
    assert!(secret.starts_with("whsec_"));
    let (_, reloaded) = console.page(&shown_at).await;
    assert!(!reloaded.contains(&secret));
    assert!(text_of(&reloaded, "#already-shown").is_some());
    assert_eq!(resent.status(), 200);
    assert_eq!(app.events("webhook.created").await.len(), 1);
}

#[tokio::test]
async fn after_removing_every_method_the_page_offers_a_new_pass_for_that_person_by_name() {
    let app = spawn_app().await;
    let console = helpdesk(&app).await;
    let mut new = NewUser::named(Username::parse("sam").unwrap());
    new.display_name = Some("Sam Smith".into());
    directory::users::create(&app.db, &Actor::Cli, new)
        .await
        .unwrap();
    app.arrange_user_with_totp("sam").await;
    let sam = app.user("sam").await;
    let removed = console
        .post(
            &format!("/admin/users/{}/methods/remove", sam.id),
            &[("method", "all")],
        )
        .await;
    assert_eq!(removed.status(), 303);

    let (_, result) = console.page(&location(&removed)).await;

    let offer = text_of(&result, "#issue-new-pass").expect("an offer of a new pass");
    assert_eq!(offer, "Issue a new pass now for Sam Smith (sam)");
    let document = scraper::Html::parse_document(&result);
    let form = scraper::Selector::parse("#next-step form").unwrap();
    let form = document.select(&form).next().unwrap();
    assert_eq!(
        form.value().attr("action"),
        Some(format!("/admin/users/{}/pass", sam.id).as_str())
    );
    let once = form_field(&form.html(), "once").unwrap();
    assert_eq!(csrf_of(&result), console.csrf);

    let issued = console
        .post(&format!("/admin/users/{}/pass", sam.id), &[("once", &once)])
        .await;
    assert_eq!(issued.status(), 303);
    let (_, shown) = console.page(&location(&issued)).await;
    assert!(app.check_pass("sam", &passcode_of(&shown)).await.is_ok());

    let (_, later) = console.page(&format!("/admin/users/{}", sam.id)).await;
    assert!(
        text_of(&later, "#issue-new-pass").is_none(),
        "offered right after the removal"
    );
}
