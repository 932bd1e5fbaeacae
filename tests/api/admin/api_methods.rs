//! `/api/v1/users/{id}/methods…`: the helpdesk sees and removes a user's methods (the lost phone).

use reqwest::Method;
use tapid::directory::Role;

use crate::helpers::spawn_app;

#[tokio::test]
async fn helpdesk_lists_and_removes_one_method_of_a_user() {
    let app = spawn_app().await;
    let (_, desk) = app.admin_and_helpdesk_tokens().await;
    app.arrange_user_with_totp("bob").await;
    let bob = app.user("bob").await;
    let path = format!("/api/v1/users/{}/methods", bob.id);

    let methods = app.call(Method::GET, &path, &desk, None).await.expect(200);
    let method_id = methods[0]["id"].as_str().unwrap();
    assert_eq!(methods[0]["kind"], "totp");
    assert!(methods[0].get("data").is_none(), "no secret");

    let removed = app
        .call(Method::DELETE, &format!("{path}/{method_id}"), &desk, None)
        .await
        .expect(200);

    assert_eq!(removed["id"], method_id);
    assert!(
        tapid::methods::list(&app.db, &bob.id)
            .await
            .unwrap()
            .is_empty()
    );
    let event = &app.events("method.removed").await[0];
    assert_eq!(event.actor_id.as_deref(), Some("desk"));
    assert_eq!(event.target_id.as_deref(), Some(bob.id.as_str()));
}

#[tokio::test]
async fn removing_all_methods_of_a_user_ends_their_sessions() {
    let app = spawn_app().await;
    let (admin, _) = app.admin_and_helpdesk_tokens().await;
    app.arrange_user_with_totp("bob").await;
    app.arrange_user_with_totp("bob").await;
    let bob = app.user("bob").await;
    let issued = app.issue_pass("bob", Default::default()).await;
    let sid = app.session_from_pass(&bob, &issued.pass.id).await;

    let answer = app
        .call(
            Method::DELETE,
            &format!("/api/v1/users/{}/methods", bob.id),
            &admin,
            None,
        )
        .await
        .expect(200);

    assert_eq!(answer["removed"].as_array().unwrap().len(), 2);
    assert!(
        tapid::methods::list(&app.db, &bob.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(!app.session_exists(&sid).await);
    assert_eq!(app.events("method.removed").await.len(), 2);
}

#[tokio::test]
async fn helpdesk_cannot_remove_the_methods_of_an_admin() {
    let app = spawn_app().await;
    let (_, desk) = app.admin_and_helpdesk_tokens().await;
    app.add_user("ann", &[Role::Admin], &[]).await;
    app.arrange_user_with_totp("ann").await;
    let ann = app.user("ann").await;
    let path = format!("/api/v1/users/{}/methods", ann.id);
    let methods = app.call(Method::GET, &path, &desk, None).await.expect(200);
    let method_id = methods[0]["id"].as_str().unwrap();

    app.call(Method::DELETE, &path, &desk, None)
        .await
        .refused(403, "only for users who hold no role");
    app.call(Method::DELETE, &format!("{path}/{method_id}"), &desk, None)
        .await
        .refused(403, "only for users who hold no role");

    assert_eq!(
        tapid::methods::list(&app.db, &ann.id).await.unwrap().len(),
        1
    );
}

#[tokio::test]
async fn an_unknown_method_is_not_found() {
    let app = spawn_app().await;
    let (admin, _) = app.admin_and_helpdesk_tokens().await;
    let bob = app.add_user("bob", &[], &[]).await;

    app.call(
        Method::DELETE,
        &format!("/api/v1/users/{}/methods/nope", bob.id),
        &admin,
        None,
    )
    .await
    .refused(404, "method");
    app.call(Method::GET, "/api/v1/users/nobody/methods", &admin, None)
        .await
        .refused(404, "user");
}
