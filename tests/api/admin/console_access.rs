//! Who reaches the console: a passkey session (`phr`) of someone with the admin or helpdesk role.
//! Lower sessions are stepped up through the sign-in pages; a pass session is refused; every form needs
//! the session's CSRF token and this site's Origin.

use tapid::directory::Role;

use crate::helpers::signin::location;
use crate::helpers::spawn_app;

#[tokio::test]
async fn without_a_session_the_console_sends_the_browser_to_sign_in_with_a_passkey() {
    let app = spawn_app().await;

    let response = app.get("/admin/users?q=bob").await;

    assert_eq!(response.status(), 303);
    assert_eq!(
        location(&response),
        "/login?return_to=%2Fadmin%2Fusers%3Fq%3Dbob&level=phr"
    );
}

#[tokio::test]
async fn a_one_factor_session_is_stepped_up_to_a_passkey() {
    let app = spawn_app().await;
    let hal = app.add_user("hal", &[Role::Helpdesk], &[]).await;
    let console = app.console_as(&hal, "1fa").await;

    let response = console.get("/admin/audit").await;

    assert_eq!(response.status(), 303);
    assert_eq!(
        location(&response),
        "/login?return_to=%2Fadmin%2Faudit&level=phr&login_hint=hal"
    );
}

#[tokio::test]
async fn a_restricted_pass_session_never_reaches_the_console_and_is_sent_to_setup() {
    let app = spawn_app().await;
    let hal = app.add_user("hal", &[Role::Admin], &[]).await;
    let console = app.console_as(&hal, "tap").await;

    let page = console.get("/admin/users").await;
    let form = console
        .post("/admin/policy", &[("min_lifetime", "10")])
        .await;

    assert_eq!(page.status(), 303);
    assert_eq!(
        location(&page),
        "/security-info/setup?return_to=%2Fadmin%2Fusers&level=phr"
    );
    assert_eq!(form.status(), 303);
    assert_eq!(
        location(&form),
        "/security-info/setup?return_to=%2Fadmin&level=phr"
    );
    assert!(app.events("policy.updated").await.is_empty());
}

#[tokio::test]
async fn a_passkey_session_without_a_role_is_refused() {
    let app = spawn_app().await;
    let bob = app.add_user("bob", &[], &[]).await;
    let console = app.console_as(&bob, "phr").await;

    let (status, html) = console.page("/admin/users").await;

    assert_eq!(status, 403);
    assert!(html.contains("admin and helpdesk roles only"));
}

#[tokio::test]
async fn a_disabled_console_user_is_sent_to_sign_in() {
    let app = spawn_app().await;
    let hal = app.add_user("hal", &[Role::Helpdesk], &[]).await;
    let console = app.console_as(&hal, "phr").await;
    tapid::directory::users::set_enabled(&app.db, &tapid::audit::Actor::Cli, "hal", false)
        .await
        .unwrap();

    let response = console.get("/admin/users").await;

    assert_eq!(response.status(), 303);
}

#[tokio::test]
async fn a_console_form_without_the_session_token_or_from_another_site_is_refused() {
    let app = spawn_app().await;
    let hal = app.add_user("hal", &[Role::Helpdesk], &[]).await;
    let bob = app.add_user("bob", &[], &[]).await;
    let console = app.console_as(&hal, "phr").await;
    let path = format!("/admin/users/{}/pass", bob.id);

    let forged = console
        .post_with(&path, "not-the-token", Some(&app.issuer), &[])
        .await;
    let cross_site = console
        .post_with(
            &path,
            &console.csrf.clone(),
            Some("https://evil.example"),
            &[],
        )
        .await;

    assert_eq!(forged.status(), 403);
    assert_eq!(cross_site.status(), 403);
    assert!(
        app.events("tap.issued")
            .await
            .iter()
            .all(|e| e.target_name.as_deref() != Some("bob"))
    );
}

#[tokio::test]
async fn console_pages_are_never_cached() {
    let app = spawn_app().await;
    let ann = app.add_user("ann", &[Role::Admin], &[]).await;
    let console = app.console_as(&ann, "phr").await;

    for path in [
        "/admin/users",
        "/admin/groups",
        "/admin/clients",
        "/admin/policy",
        "/admin/audit",
    ] {
        let response = console.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["cache-control"], "no-store", "{path}");
    }
}
