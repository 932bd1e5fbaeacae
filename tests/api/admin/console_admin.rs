//! An administrator in the console: users and roles, groups, clients (secret once), the policy with
//! messages beside its fields.

use tapid::directory::Role;

use crate::helpers::admin::{Console, text_of};
use crate::helpers::signin::location;
use crate::helpers::{TestApp, spawn_app};

async fn administrator(app: &TestApp) -> (tapid::directory::User, Console) {
    let ann = app.add_user("ann", &[Role::Admin], &[]).await;
    let console = app.console_as(&ann, "phr").await;
    (ann, console)
}

#[tokio::test]
async fn an_out_of_range_policy_value_shows_its_message_beside_the_field() {
    let app = spawn_app().await;
    let (_, console) = administrator(&app).await;
    let (_, page) = console.page("/admin/policy").await;
    assert!(page.contains("id=\"policy-save\""));

    let response = console
        .post(
            "/admin/policy",
            &[
                ("enabled", "1"),
                ("scope", "all"),
                ("min_lifetime", "60"),
                ("default_lifetime", "60"),
                ("max_lifetime", "99999"),
                ("default_length", "8"),
                ("max_failed_attempts", "5"),
                ("enrollment_window", "10"),
            ],
        )
        .await;

    assert_eq!(response.status(), 422);
    let html = response.text().await.unwrap();
    assert_eq!(
        text_of(&html, "#max_lifetime-error").unwrap(),
        "Enter a whole number from 10 to 43200."
    );
    assert!(text_of(&html, "#min_lifetime-error").is_none());
    assert!(app.events("policy.updated").await.is_empty());
}

#[tokio::test]
async fn an_administrator_saves_the_policy_and_it_is_recorded() {
    let app = spawn_app().await;
    let (ann, console) = administrator(&app).await;

    let response = console
        .post(
            "/admin/policy",
            &[
                ("enabled", "1"),
                ("one_time_required", "1"),
                ("scope", "all"),
                ("min_lifetime", "30"),
                ("default_lifetime", "90"),
                ("max_lifetime", "600"),
                ("default_length", "10"),
                ("max_failed_attempts", "3"),
                ("enrollment_window", "15"),
            ],
        )
        .await;

    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/admin/policy?done=saved");
    let policy = tapid::tap::policy::load(&app.db).await.unwrap();
    assert_eq!(
        (
            policy.min_lifetime,
            policy.default_lifetime,
            policy.max_lifetime
        ),
        (30, 90, 600)
    );
    assert!(policy.one_time_required);
    assert_eq!(
        app.events("policy.updated").await[0].actor_id.as_deref(),
        Some(ann.id.as_str())
    );
}

#[tokio::test]
async fn a_default_outside_the_bounds_is_shown_beside_the_default() {
    let app = spawn_app().await;
    let (_, console) = administrator(&app).await;

    let response = console
        .post(
            "/admin/policy",
            &[
                ("scope", "all"),
                ("min_lifetime", "60"),
                ("default_lifetime", "600"),
                ("max_lifetime", "480"),
                ("default_length", "8"),
                ("max_failed_attempts", "5"),
                ("enrollment_window", "10"),
            ],
        )
        .await;

    assert_eq!(response.status(), 422);
    let html = response.text().await.unwrap();
    assert!(
        text_of(&html, "#default_lifetime-error")
            .unwrap()
            .contains("between the shortest")
    );
}

#[tokio::test]
async fn an_administrator_creates_a_user_with_a_role_and_edits_it() {
    let app = spawn_app().await;
    let (ann, console) = administrator(&app).await;
    app.add_group("staff").await;

    let created = console
        .post(
            "/admin/users",
            &[
                ("username", "hal"),
                ("email", "hal@example.com"),
                ("role", "helpdesk"),
                ("group", "staff"),
            ],
        )
        .await;
    assert_eq!(created.status(), 303);
    let hal = app.user("hal").await;
    assert_eq!(hal.roles, [Role::Helpdesk]);
    let edited = console
        .post(
            &format!("/admin/users/{}", hal.id),
            &[
                ("display_name", "Hal"),
                ("email", ""),
                ("groups_shown", "1"),
                ("account_shown", "1"),
                ("roles_shown", "1"),
            ],
        )
        .await;
    assert_eq!(edited.status(), 303);

    let hal = app.user("hal").await;
    assert_eq!(hal.display_name.as_deref(), Some("Hal"));
    assert!(hal.roles.is_empty());
    assert!(!hal.enabled);
    assert_eq!(
        app.events("user.updated").await[0].actor_id.as_deref(),
        Some(ann.id.as_str())
    );
    let refused = console
        .post(
            &format!("/admin/users/{}", ann.id),
            &[("account_shown", "1"), ("roles_shown", "1")],
        )
        .await;
    assert_eq!(refused.status(), 403);
}

#[tokio::test]
async fn a_bad_new_user_is_shown_again_with_the_reason() {
    let app = spawn_app().await;
    let (_, console) = administrator(&app).await;

    let response = console
        .post("/admin/users", &[("username", "no spaces")])
        .await;

    assert_eq!(response.status(), 422);
    let html = response.text().await.unwrap();
    assert!(
        text_of(&html, "#form-error")
            .unwrap()
            .contains("Invalid username")
    );
}

#[tokio::test]
async fn an_administrator_registers_a_client_and_sees_its_secret_once() {
    let app = spawn_app().await;
    let (_, console) = administrator(&app).await;

    let response = console
        .post(
            "/admin/clients",
            &[
                ("id", "shop"),
                ("redirect_uris", "https://shop.example.com/cb\n"),
            ],
        )
        .await;

    assert_eq!(response.status(), 303, "post/redirect/get");
    let response = console.get(&location(&response)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let html = response.text().await.unwrap();
    let secret = text_of(&html, "#client-secret").unwrap();
    let client = tapid::oidc::clients::get(&app.db, "shop").await.unwrap();
    assert!(client.verify_secret(&secret));
    let (_, page) = console.page("/admin/clients/shop").await;
    assert!(!page.contains(&secret));

    let edited = console
        .post(
            "/admin/clients/shop",
            &[(
                "redirect_uris",
                "https://shop.example.com/cb\nhttps://shop.example.com/cb2",
            )],
        )
        .await;
    assert_eq!(edited.status(), 303);
    assert_eq!(
        tapid::oidc::clients::get(&app.db, "shop")
            .await
            .unwrap()
            .redirect_uris
            .len(),
        2
    );
    let removed = console.post("/admin/clients/shop/remove", &[]).await;
    assert_eq!(removed.status(), 303);
    assert!(
        tapid::oidc::clients::find(&app.db, "shop")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn an_administrator_manages_groups_and_members() {
    let app = spawn_app().await;
    let (_, console) = administrator(&app).await;
    app.add_user("bob", &[], &[]).await;

    let created = console.post("/admin/groups", &[("name", "staff")]).await;
    assert_eq!(created.status(), 303);
    let group = tapid::directory::groups::get(&app.db, "staff")
        .await
        .unwrap();
    let added = console
        .post(
            &format!("/admin/groups/{}/members", group.id),
            &[("username", "bob")],
        )
        .await;
    assert_eq!(added.status(), 303);
    let (_, page) = console.page(&format!("/admin/groups/{}", group.id)).await;
    assert!(page.contains("bob"));
    let bob = app.user("bob").await;
    console
        .post(
            &format!("/admin/groups/{}/members", group.id),
            &[("remove", &bob.id)],
        )
        .await;
    assert_eq!(
        tapid::directory::groups::get(&app.db, "staff")
            .await
            .unwrap()
            .members,
        0
    );
}

#[tokio::test]
async fn nobody_issues_a_pass_for_themselves_in_the_console() {
    let app = spawn_app().await;
    let (ann, console) = administrator(&app).await;

    let (_, page) = console.page(&format!("/admin/users/{}", ann.id)).await;
    let (form_status, _) = console.page(&format!("/admin/users/{}/pass", ann.id)).await;
    let response = console
        .post(
            &format!("/admin/users/{}/pass", ann.id),
            &[("lifetime", "60")],
        )
        .await;

    assert!(!page.contains("id=\"issue-pass\""));
    assert_eq!(form_status, 403);
    assert_eq!(response.status(), 403);
    assert!(response.text().await.unwrap().contains("for themselves"));
}

#[tokio::test]
async fn an_administrator_revokes_a_pass_from_the_user_page() {
    let app = spawn_app().await;
    let (ann, console) = administrator(&app).await;
    let bob = app.add_user("bob", &[], &[]).await;
    app.issue_pass("bob", Default::default()).await;

    let response = console
        .post(&format!("/admin/users/{}/pass/revoke", bob.id), &[])
        .await;

    assert_eq!(response.status(), 303);
    assert_eq!(app.pass_state("bob").await.reason.as_str(), "Revoked");
    assert_eq!(
        app.events("tap.revoked").await[0].actor_id.as_deref(),
        Some(ann.id.as_str())
    );
    let (_, page) = console.page(&format!("/admin/users/{}", bob.id)).await;
    assert!(page.contains("It was revoked."));
}
