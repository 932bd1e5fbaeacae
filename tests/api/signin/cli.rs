//! `tapid method list|remove`: the administrator's side of a lost phone.

use super::audit_events;
use crate::helpers::signin::SoftPasskey;
use crate::helpers::spawn_app;

#[tokio::test]
async fn method_list_shows_a_users_methods_without_secrets() {
    let app = spawn_app().await;
    let mut authenticator = SoftPasskey::new(true);
    app.arrange_user_with_passkey("alice", &mut authenticator)
        .await;

    let out = app.cli(&["method", "list", "alice", "--json"]).await;

    let list = out.json();
    let mut kinds: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect();
    kinds.sort();
    assert_eq!(kinds, vec!["passkey", "totp"]);
    assert!(!out.stdout.contains("data"));
    assert!(
        app.cli(&["method", "list", "alice"])
            .await
            .ok()
            .contains("Laptop")
    );
}

#[tokio::test]
async fn removing_all_methods_ends_the_users_sessions() {
    let app = spawn_app().await;
    let secret = app.arrange_user_with_totp("alice").await;
    app.sign_in_with_totp_from("/login", "alice", &secret).await;

    let out = app.cli(&["method", "remove", "alice", "--all"]).await;

    out.ok();
    assert_eq!(app.get("/security-info").await.status(), 303);
    assert_eq!(audit_events(&app, "method.removed").await.len(), 1);
    let signed_out = audit_events(&app, "user.signed_out").await;
    assert_eq!(signed_out.len(), 1);
    assert!(signed_out[0].2.contains("\"sessions_ended\":1"));
    let listed = app.cli(&["method", "list", "alice", "--json"]).await.json();
    assert_eq!(listed, serde_json::json!([]));
}

#[tokio::test]
async fn removing_one_method_by_id_and_refusing_an_unknown_one() {
    let app = spawn_app().await;
    app.arrange_user_with_totp("alice").await;
    let list = app.cli(&["method", "list", "alice", "--json"]).await.json();
    let id = list[0]["id"].as_str().unwrap().to_string();

    let removed = app.cli(&["method", "remove", "alice", &id]).await;
    let unknown = app.cli(&["method", "remove", "alice", &id]).await;
    let neither = app.cli(&["method", "remove", "alice"]).await;

    assert!(removed.ok().contains("removed totp"));
    assert!(!unknown.success);
    assert_eq!(unknown.stderr.lines().count(), 1);
    assert!(!neither.success);
}
