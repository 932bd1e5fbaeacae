//! A disabled person's pass is not "Usable": its state says the account is disabled, the same in the
//! console, the admin API and the CLI.

use reqwest::Method;
use tapid::audit::Actor;
use tapid::directory::{self, Role};
use tapid::tap::Reason;

use crate::helpers::admin::text_of;
use crate::helpers::spawn_app;

#[tokio::test]
async fn a_disabled_users_pass_reads_user_disabled_everywhere() {
    let app = spawn_app().await;
    let bob = app.add_user("bob", &[], &[]).await;
    app.issue_pass("bob", Default::default()).await;
    assert!(app.pass_state("bob").await.usable, "usable while enabled");

    directory::users::set_enabled(&app.db, &Actor::Cli, "bob", false)
        .await
        .unwrap();

    let state = app.pass_state("bob").await;
    assert_eq!(state.reason, Reason::UserDisabled);
    assert!(!state.usable);

    let token = app.api_token("ops", Role::Admin).await;
    let api = app
        .call(
            Method::GET,
            &format!("/api/v1/users/{}/temporary-access-pass", bob.id),
            &token,
            None,
        )
        .await
        .expect(200);
    assert_eq!(api["reason"], "UserDisabled");
    assert_eq!(api["usable"], false);

    let cli = app.cli(&["tap", "show", "bob", "--json"]).await.json();
    assert_eq!(cli["reason"], "UserDisabled");
    assert_eq!(cli["usable"], false);

    let ann = app.add_user("ann", &[Role::Admin], &[]).await;
    let console = app.console_as(&ann, "phr").await;
    let (_, page) = console.page(&format!("/admin/users/{}", bob.id)).await;
    let shown = text_of(&page, "#pass-state").unwrap();
    assert!(!shown.starts_with("Usable"), "{shown}");
    assert!(shown.contains("account is disabled"), "{shown}");
}

#[tokio::test]
async fn a_revoked_pass_of_a_disabled_user_still_reads_revoked() {
    let app = spawn_app().await;
    let bob = app.add_user("bob", &[], &[]).await;
    app.issue_pass("bob", Default::default()).await;
    tapid::tap::revoke(&app.db, &tapid::tap::Authority::Operator, &bob, None)
        .await
        .unwrap();

    directory::users::set_enabled(&app.db, &Actor::Cli, "bob", false)
        .await
        .unwrap();

    assert_eq!(app.pass_state("bob").await.reason, Reason::Revoked);
}
