//! Signing in with a code from an authenticator app.

use super::{audit_events, sessions_of};
use crate::helpers::signin::{form_field, location};
use crate::helpers::{client_for, spawn_app};

#[tokio::test]
async fn a_totp_code_signs_in_at_1fa_with_amr_otp_and_returns_to_the_local_path() {
    let app = spawn_app().await;
    let secret = app.arrange_user_with_totp("alice").await;
    let user = app.arrange_user("alice").await;

    let location = app
        .sign_in_with_totp("alice", &secret, "/authorize/resume?request=abc")
        .await;

    assert_eq!(location, "/authorize/resume?request=abc");
    assert_eq!(
        sessions_of(&app, &user.id).await,
        vec![("1fa".to_string(), "otp".to_string())]
    );
    let events = audit_events(&app, "signin.").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].0, "signin.succeeded");
}

#[tokio::test]
async fn without_return_to_a_sign_in_lands_on_security_info() {
    let app = spawn_app().await;
    let secret = app.arrange_user_with_totp("alice").await;

    let location = app.sign_in_with_totp_from("/login", "alice", &secret).await;

    assert_eq!(location, "/security-info");
}

#[tokio::test]
async fn a_return_to_on_another_site_is_never_followed() {
    let app = spawn_app().await;
    let secret = app.arrange_user_with_totp("alice").await;

    for evil in [
        "//evil.example/x",
        "/\\evil.example",
        "https://evil.example/",
    ] {
        let location = app.sign_in_with_totp("alice", &secret, evil).await;
        assert_eq!(location, "/security-info", "{evil}");
    }
}

#[tokio::test]
async fn a_totp_code_is_accepted_once_only() {
    let app = spawn_app().await;
    let secret = app.arrange_user_with_totp("alice").await;
    let code = secret.fresh_code().await;
    let first = app.submit_totp_from("/login", "alice", &code).await;
    assert_eq!(first.status(), 303);

    let replay = app.submit_totp_from("/login", "alice", &code).await;

    assert_eq!(replay.status(), 422);
    let failed = audit_events(&app, "signin.failed").await;
    assert_eq!(failed.len(), 1);
    assert!(failed[0].2.contains("wrong_code"));
}

#[tokio::test]
async fn the_session_token_changes_when_a_sign_in_succeeds() {
    let app = spawn_app().await;
    let secret = app.arrange_user_with_totp("alice").await;
    let _ = app.get("/login").await;
    let before: Vec<String> = sqlx::query_scalar("SELECT id_hash FROM sessions")
        .fetch_all(app.db.pool())
        .await
        .unwrap();

    app.sign_in_with_totp_from("/login", "alice", &secret).await;

    let after: Vec<String> = sqlx::query_scalar("SELECT id_hash FROM sessions")
        .fetch_all(app.db.pool())
        .await
        .unwrap();
    assert_eq!(after.len(), 1);
    assert!(!before.contains(&after[0]));
}

/// The body of the page after the username with the username itself blanked out.
async fn choice_page(app: &crate::helpers::TestApp, username: &str) -> String {
    let client = client_for(app.addr);
    let page = client.get(app.url("/login")).send().await.unwrap();
    let csrf = form_field(&page.text().await.unwrap(), "csrf").unwrap();
    let response = client
        .post(app.url("/login"))
        .form(&[("csrf", csrf.as_str()), ("username", username)])
        .send()
        .await
        .unwrap();
    let next = location(&response);
    let html = client
        .get(app.url(&next))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    html.replace(username, "USER").replace(&csrf, "CSRF")
}

#[tokio::test]
async fn the_choice_of_methods_does_not_reveal_whether_the_user_exists_or_has_an_app() {
    let app = spawn_app().await;
    app.arrange_user_with_totp("withapp").await;
    app.arrange_user("without").await;

    let with_app = choice_page(&app, "withapp").await;
    let without = choice_page(&app, "without").await;
    let unknown = choice_page(&app, "nobody").await;

    assert_eq!(with_app, without);
    assert_eq!(with_app, unknown);
    assert!(with_app.contains("Use a passkey"));
    assert!(with_app.contains("/login/totp"));
    assert!(with_app.contains("/login/tap"));
}

#[tokio::test]
async fn a_wrong_code_gets_the_same_answer_whether_or_not_the_user_exists_or_has_an_app() {
    let app = spawn_app().await;
    app.arrange_user_with_totp("withapp").await;
    app.arrange_user("without").await;

    let mut answers = Vec::new();
    for user in ["withapp", "without", "nobody"] {
        let response = app.submit_totp_from("/login", user, "000000").await;
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
    let reasons: Vec<String> = audit_events(&app, "signin.failed")
        .await
        .into_iter()
        .map(|e| e.2)
        .collect();
    assert!(reasons[1].contains("wrong_code") || reasons[0].contains("wrong_code"));
    assert!(reasons.iter().any(|r| r.contains("unknown_user")));
}

#[tokio::test]
async fn repeated_wrong_codes_lock_code_sign_in_briefly_even_for_the_right_code() {
    let app = spawn_app().await;
    let secret = app.arrange_user_with_totp("alice").await;
    for _ in 0..5 {
        let response = app.submit_totp_from("/login", "alice", "000000").await;
        assert_eq!(response.status(), 422);
    }

    let code = secret.fresh_code().await;
    let response = app.submit_totp_from("/login", "alice", &code).await;

    assert_eq!(response.status(), 429);
    let retry: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 0 && retry <= 300);
    let failed = audit_events(&app, "signin.failed").await;
    assert!(failed.iter().any(|e| e.2.contains("\"locked\"")));
}

#[tokio::test]
async fn a_code_form_without_this_sessions_csrf_token_is_refused() {
    let app = spawn_app().await;
    let secret = app.arrange_user_with_totp("alice").await;
    app.enter_username("/login", "alice").await;

    let code = secret.fresh_code().await;
    let response = app
        .post_form("/login/totp", &[("csrf", "forged"), ("code", &code)])
        .await;

    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn a_form_posted_from_another_site_is_refused_even_with_the_token() {
    let app = spawn_app().await;
    let (_, csrf) = app.page_with_csrf("/login").await;

    let cross_origin = app
        .client
        .post(app.url("/login"))
        .header("Origin", "https://evil.example")
        .form(&[("csrf", csrf.as_str()), ("username", "alice")])
        .send()
        .await
        .unwrap();
    let cross_site = app
        .client
        .post(app.url("/login"))
        .header("Sec-Fetch-Site", "cross-site")
        .form(&[("csrf", csrf.as_str()), ("username", "alice")])
        .send()
        .await
        .unwrap();
    let same_origin = app
        .client
        .post(app.url("/login"))
        .header("Origin", app.issuer.as_str())
        .header("Sec-Fetch-Site", "same-origin")
        .form(&[("csrf", csrf.as_str()), ("username", "alice")])
        .send()
        .await
        .unwrap();

    // Browsers send `Origin: null` for same-origin form posts under `Referrer-Policy: no-referrer`.
    let null_origin = app
        .client
        .post(app.url("/login"))
        .header("Origin", "null")
        .header("Sec-Fetch-Site", "same-origin")
        .form(&[("csrf", csrf.as_str()), ("username", "alice")])
        .send()
        .await
        .unwrap();
    let null_origin_cross_site = app
        .client
        .post(app.url("/login"))
        .header("Origin", "null")
        .header("Sec-Fetch-Site", "cross-site")
        .form(&[("csrf", csrf.as_str()), ("username", "alice")])
        .send()
        .await
        .unwrap();

    assert_eq!(cross_origin.status(), 403);
    assert_eq!(cross_site.status(), 403);
    assert_eq!(same_origin.status(), 303);
    assert_eq!(null_origin.status(), 303);
    assert_eq!(null_origin_cross_site.status(), 403);
}

#[tokio::test]
async fn sign_in_pages_are_never_cached() {
    let app = spawn_app().await;

    for path in ["/login", "/login/methods", "/login/totp"] {
        let response = app.get(path).await;
        assert_eq!(response.headers()["cache-control"], "no-store", "{path}");
    }
}

#[tokio::test]
async fn a_step_up_to_phr_offers_a_passkey_and_a_pass_that_leads_to_one_but_no_code() {
    let app = spawn_app().await;
    let secret = app.arrange_user_with_totp("alice").await;
    let next = location(
        &app.enter_username("/login?level=phr&return_to=%2Fx", "alice")
            .await,
    );

    let html = app.get(&next).await.text().await.unwrap();
    let code_page = app
        .get(&next.replacen("/login/methods", "/login/totp", 1))
        .await;

    assert!(html.contains("Use a passkey"));
    assert!(!html.contains("/login/totp"));
    assert!(
        html.contains("/login/tap"),
        "a first day: the pass adds a passkey"
    );
    assert_eq!(code_page.status(), 303);
    let code = secret.fresh_code().await;
    let post = app
        .post_form(
            "/login/totp",
            &[
                ("csrf", &form_field(&html, "csrf").unwrap_or_default()),
                ("code", &code),
                ("level", "phr"),
            ],
        )
        .await;
    assert_ne!(post.status(), 303, "a code must not satisfy a phr step-up");
}

#[tokio::test]
async fn a_step_up_of_someone_signed_in_starts_with_their_username() {
    let app = spawn_app().await;
    let secret = app.arrange_user_with_totp("alice").await;
    app.sign_in_with_totp_from("/login", "alice", &secret).await;

    let html = app
        .get("/login?level=phr&return_to=%2Fx")
        .await
        .text()
        .await
        .unwrap();

    assert_eq!(form_field(&html, "username").as_deref(), Some("alice"));
}
