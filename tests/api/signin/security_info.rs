//! `/security-info`: the person's own methods, adding an authenticator app, renaming, removing,
//! recent sign-ins and sign-out.

use super::audit_events;
use crate::helpers::signin::{SoftPasskey, TotpSecret, form_field, location};
use crate::helpers::spawn_app;

#[tokio::test]
async fn security_info_sends_a_person_who_is_not_signed_in_to_sign_in_first() {
    let app = spawn_app().await;

    let response = app.get("/security-info").await;

    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/login?return_to=%2Fsecurity-info");
}

#[tokio::test]
async fn security_info_lists_methods_and_recent_sign_ins_and_is_not_cached() {
    let app = spawn_app().await;
    let mut authenticator = SoftPasskey::new(true);
    let secret = app
        .arrange_user_with_passkey("alice", &mut authenticator)
        .await;
    app.sign_in_with_totp_from("/login", "alice", &secret).await;

    let response = app.get("/security-info").await;

    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let html = response.text().await.unwrap();
    assert!(html.contains("Phone") && html.contains("Authenticator app"));
    assert!(html.contains("Laptop") && html.contains("Passkey"));
    assert!(html.contains("id=\"recent-sign-ins\""));
    assert!(html.contains("Add a passkey") && html.contains("Add an authenticator app"));
}

#[tokio::test]
async fn an_authenticator_app_is_added_with_one_valid_code_and_its_secret_is_not_shown_again() {
    let app = spawn_app().await;
    let phone = app.arrange_user_with_totp("alice").await;
    app.sign_in_with_totp_from("/login", "alice", &phone).await;
    let page = app.get("/security-info/totp").await.text().await.unwrap();
    let shown = scraper::Html::parse_document(&page)
        .select(&scraper::Selector::parse("#totp-secret").unwrap())
        .next()
        .unwrap()
        .text()
        .collect::<String>()
        .replace(' ', "");
    assert!(page.contains("data:image/png;base64,"));
    let csrf = form_field(&page, "csrf").unwrap();
    let tablet = TotpSecret::new(
        totp_rs::Secret::try_from_base32(&shown)
            .unwrap()
            .as_bytes()
            .to_vec(),
    );

    let wrong = app
        .post_form(
            "/security-info/totp",
            &[("csrf", &csrf), ("name", "Tablet"), ("code", "000000")],
        )
        .await;
    let code = tablet.fresh_code().await;
    let right = app
        .post_form(
            "/security-info/totp",
            &[("csrf", &csrf), ("name", "Tablet"), ("code", &code)],
        )
        .await;

    assert_eq!(wrong.status(), 422);
    assert_eq!(right.status(), 303);
    assert_eq!(location(&right), "/security-info");
    let overview = app.get("/security-info").await.text().await.unwrap();
    assert!(overview.contains("Tablet"));
    assert!(!overview.contains(&shown));
    let again = app.get("/security-info/totp").await.text().await.unwrap();
    assert!(
        !again.replace(' ', "").contains(&shown),
        "a new setup gets a new secret"
    );
    let replay = app
        .post_form(
            "/security-info/totp",
            &[("csrf", &csrf), ("name", "Again"), ("code", &code)],
        )
        .await;
    assert_eq!(replay.status(), 422);
}

async fn method_id(app: &crate::helpers::TestApp, name: &str) -> String {
    sqlx::query_scalar::<sqlx::Any, String>("SELECT id FROM methods WHERE name = $1")
        .bind(name)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_method_can_be_renamed_and_the_change_is_audited() {
    let app = spawn_app().await;
    let secret = app.arrange_user_with_totp("alice").await;
    app.sign_in_with_totp_from("/login", "alice", &secret).await;
    let id = method_id(&app, "Phone").await;
    let csrf = app.csrf_from("/security-info").await;

    let response = app
        .post_form(
            &format!("/security-info/methods/{id}/rename"),
            &[("csrf", &csrf), ("name", "Work phone")],
        )
        .await;

    assert_eq!(response.status(), 303);
    assert_eq!(method_id(&app, "Work phone").await, id);
    assert_eq!(audit_events(&app, "method.renamed").await.len(), 1);
}

#[tokio::test]
async fn a_method_can_be_removed_soon_after_signing_in_with_another_existing_method() {
    let app = spawn_app().await;
    let mut authenticator = SoftPasskey::new(true);
    let secret = app
        .arrange_user_with_passkey("alice", &mut authenticator)
        .await;
    app.sign_in_with_totp_from("/login", "alice", &secret).await;
    let id = method_id(&app, "Laptop").await;
    let csrf = app.csrf_from("/security-info").await;

    let response = app
        .post_form(
            &format!("/security-info/methods/{id}/remove"),
            &[("csrf", &csrf)],
        )
        .await;

    assert_eq!(response.status(), 303);
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM methods")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(left, 1);
    assert_eq!(audit_events(&app, "method.removed").await.len(), 1);
}

#[tokio::test]
async fn removing_a_method_needs_a_sign_in_within_the_last_ten_minutes() {
    let app = spawn_app().await;
    let mut authenticator = SoftPasskey::new(true);
    let secret = app
        .arrange_user_with_passkey("alice", &mut authenticator)
        .await;
    app.sign_in_with_totp_from("/login", "alice", &secret).await;
    sqlx::query("UPDATE sessions SET auth_time = auth_time - 601 WHERE user_id IS NOT NULL")
        .execute(app.db.pool())
        .await
        .unwrap();
    let id = method_id(&app, "Laptop").await;
    let csrf = app.csrf_from("/security-info").await;

    let response = app
        .post_form(
            &format!("/security-info/methods/{id}/remove"),
            &[("csrf", &csrf)],
        )
        .await;

    assert_eq!(response.status(), 403);
    let html = response.text().await.unwrap();
    assert!(html.contains("role=\"alert\""));
    assert!(audit_events(&app, "method.removed").await.is_empty());
}

#[tokio::test]
async fn the_last_method_cannot_be_removed_while_no_pass_exists() {
    let app = spawn_app().await;
    let secret = app.arrange_user_with_totp("alice").await;
    app.sign_in_with_totp_from("/login", "alice", &secret).await;
    let id = method_id(&app, "Phone").await;
    let csrf = app.csrf_from("/security-info").await;

    let response = app
        .post_form(
            &format!("/security-info/methods/{id}/remove"),
            &[("csrf", &csrf)],
        )
        .await;

    assert_eq!(response.status(), 403);
    assert!(audit_events(&app, "method.removed").await.is_empty());
}

#[tokio::test]
async fn another_users_method_cannot_be_renamed_or_removed() {
    let app = spawn_app().await;
    app.arrange_user_with_totp("bob").await;
    let bobs = method_id(&app, "Phone").await;
    let secret = app.arrange_user_with_totp("alice").await;
    app.sign_in_with_totp_from("/login", "alice", &secret).await;
    let csrf = app.csrf_from("/security-info").await;

    let rename = app
        .post_form(
            &format!("/security-info/methods/{bobs}/rename"),
            &[("csrf", &csrf), ("name", "Mine")],
        )
        .await;
    let remove = app
        .post_form(
            &format!("/security-info/methods/{bobs}/remove"),
            &[("csrf", &csrf)],
        )
        .await;

    assert_eq!(rename.status(), 404);
    assert_eq!(remove.status(), 404);
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let app = spawn_app().await;
    let secret = app.arrange_user_with_totp("alice").await;
    app.sign_in_with_totp_from("/login", "alice", &secret).await;

    app.sign_out().await;

    let response = app.get("/security-info").await;
    assert_eq!(response.status(), 303);
    let signed_in: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE user_id IS NOT NULL")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(signed_in, 0);
}

#[tokio::test]
async fn the_authenticator_app_page_opens_the_app_on_this_phone_and_copies_the_key_grouped_in_fours()
 {
    let app = spawn_app().await;
    let passcode = app.arrange_pass("newbie", true).await;
    app.sign_in_with_tap_from("/login", "newbie", &passcode)
        .await;

    let html = app.get("/security-info/totp").await.text().await.unwrap();

    let document = scraper::Html::parse_document(&html);
    let attr = |selector: &str, name: &str| {
        document
            .select(&scraper::Selector::parse(selector).unwrap())
            .next()
            .and_then(|e| e.value().attr(name).map(String::from))
            .unwrap_or_else(|| panic!("{selector}[{name}]"))
    };
    let open = attr("#totp-open", "href");
    assert!(open.starts_with("otpauth://totp/"), "{open}");
    let copied = attr("#totp-copy", "data-copy");
    let shown: String = document
        .select(&scraper::Selector::parse("#totp-secret").unwrap())
        .next()
        .unwrap()
        .text()
        .collect();
    assert!(open.contains(&format!("secret={copied}")), "{open}");
    assert_eq!(shown.replace(' ', ""), copied);
    assert!(
        shown.split(' ').all(|group| group.len() <= 4)
            && shown.split(' ').rev().skip(1).all(|group| group.len() == 4),
        "grouped in fours: {shown}"
    );
}
