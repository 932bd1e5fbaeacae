//! Issue #6: each method records the pass it was registered under, and the API, the console's user
//! page and `tapid method list` show it.

use reqwest::Method;
use serde_json::Value;
use tapid::directory::Role;

use crate::helpers::admin::Console;
use crate::helpers::signin::SoftPasskey;
use crate::helpers::{TestApp, spawn_app};

/// The methods of `username` as the admin API lists them, by name.
async fn api_methods(app: &TestApp, token: &str, username: &str) -> Vec<Value> {
    let user = app.user(username).await;
    let listed = app
        .call(
            Method::GET,
            &format!("/api/v1/users/{}/methods", user.id),
            token,
            None,
        )
        .await
        .expect(200);
    let mut all = listed.as_array().unwrap().clone();
    all.sort_by_key(|m| m["name"].as_str().unwrap().to_string());
    all
}

async fn cli_methods(app: &TestApp, username: &str) -> Vec<Value> {
    let listed = app
        .cli(&["method", "list", username, "--json"])
        .await
        .json();
    let mut all = listed.as_array().unwrap().clone();
    all.sort_by_key(|m| m["name"].as_str().unwrap().to_string());
    all
}

/// The "registered with a pass" cells of the console's user page: (text, data-pass-id).
async fn console_pass_cells(console: &Console, user_id: &str) -> Vec<(String, Option<String>)> {
    let (status, html) = console.page(&format!("/admin/users/{user_id}")).await;
    assert_eq!(status, 200);
    let document = scraper::Html::parse_document(&html);
    let cells = scraper::Selector::parse("#methods td.method-pass").unwrap();
    let code = scraper::Selector::parse("[data-pass-id]").unwrap();
    document
        .select(&cells)
        .map(|cell| {
            let text = cell.text().collect::<String>();
            let id = cell
                .select(&code)
                .next()
                .and_then(|c| c.value().attr("data-pass-id"))
                .map(String::from);
            (text.split_whitespace().collect::<Vec<_>>().join(" "), id)
        })
        .collect()
}

async fn admin_console(app: &TestApp) -> Console {
    let root = app.add_user("root", &[Role::Admin], &[]).await;
    app.console_as(&root, "phr").await
}

#[tokio::test]
async fn methods_registered_in_a_pass_session_record_that_pass_everywhere() {
    let app = spawn_app().await;
    let (admin, _) = app.admin_and_helpdesk_tokens().await;
    let console = admin_console(&app).await;
    app.arrange_user("newbie").await;
    let issued = app.issue_pass("newbie", Default::default()).await;
    let pass_id = issued.pass.id.clone();
    let passcode = issued.passcode.expose().to_string();
    app.sign_in_with_tap_from("/login", "newbie", &passcode)
        .await;

    // The first method ends the restricted session; the second is added in the renewed one, which
    // still began with the pass.
    app.enrol_totp_in_session().await;
    let mut authenticator = SoftPasskey::new(true);
    let response = app.register_passkey(&mut authenticator, "Laptop").await;
    assert_eq!(response.status(), 200);

    let newbie = app.user("newbie").await;
    for listed in [
        api_methods(&app, &admin, "newbie").await,
        cli_methods(&app, "newbie").await,
    ] {
        assert_eq!(listed.len(), 2);
        for method in &listed {
            assert_eq!(method["tap_id"], pass_id.as_str(), "{method}");
            assert_eq!(method["registered_with_tap"], true);
        }
    }
    let detail = app
        .call(
            Method::GET,
            &format!("/api/v1/users/{}", newbie.id),
            &admin,
            None,
        )
        .await
        .expect(200);
    assert_eq!(detail["methods"][0]["tap_id"], pass_id.as_str());

    let cells = console_pass_cells(&console, &newbie.id).await;
    assert_eq!(cells.len(), 2);
    for (text, id) in cells {
        assert_eq!(id.as_deref(), Some(pass_id.as_str()));
        assert!(
            text.starts_with(&format!("Pass {}", &pass_id[..8])),
            "{text}"
        );
        assert!(text.contains("(issued "), "the issuance is shown: {text}");
    }

    let events = app.events("method.registered").await;
    assert_eq!(events.len(), 2);
    for event in events {
        let details: Value = serde_json::from_str(&event.details).unwrap();
        assert_eq!(details["pass_id"], pass_id.as_str());
        assert!(!event.details.contains(&passcode), "never the passcode");
    }
}

#[tokio::test]
async fn methods_registered_in_1fa_and_phr_sessions_record_no_pass() {
    let app = spawn_app().await;
    let (admin, _) = app.admin_and_helpdesk_tokens().await;
    let console = admin_console(&app).await;
    // A passkey registered in a session signed in with an authenticator app (1fa)…
    let mut authenticator = SoftPasskey::new(true);
    app.arrange_user_with_passkey("alice", &mut authenticator)
        .await;
    // …and a second app registered in a session signed in with that passkey (phr). The user also
    // holds a pass, which these sessions did not begin with.
    app.issue_pass("alice", Default::default()).await;
    app.sign_in_with_passkey_from("/login", "alice", &mut authenticator)
        .await;
    app.enrol_totp_in_session().await;

    let alice = app.user("alice").await;
    for listed in [
        api_methods(&app, &admin, "alice").await,
        cli_methods(&app, "alice").await,
    ] {
        assert_eq!(listed.len(), 3);
        for method in &listed {
            assert!(method["tap_id"].is_null(), "{method}");
            assert_eq!(method["registered_with_tap"], false);
        }
    }
    for (text, id) in console_pass_cells(&console, &alice.id).await {
        assert_eq!(text, "No");
        assert_eq!(id, None);
    }
    for event in app.events("method.registered").await {
        let details: Value = serde_json::from_str(&event.details).unwrap();
        assert!(details.get("pass_id").is_none(), "{details}");
    }
}

#[tokio::test]
async fn a_method_registered_with_a_pass_before_its_id_was_recorded_says_so() {
    let app = spawn_app().await;
    let console = admin_console(&app).await;
    app.arrange_user_with_totp("old.timer").await;
    // As migration 0006 leaves a row registered with a pass before it: flag set, no id.
    sqlx::query("UPDATE methods SET registered_with_tap = 1, tap_id = NULL")
        .execute(app.db.pool())
        .await
        .unwrap();
    let user = app.user("old.timer").await;

    let cells = console_pass_cells(&console, &user.id).await;
    let listed = cli_methods(&app, "old.timer").await;
    let text = app.cli(&["method", "list", "old.timer"]).await;

    assert_eq!(
        cells,
        vec![("Yes (which pass was not recorded)".to_string(), None)]
    );
    assert!(listed[0]["tap_id"].is_null());
    assert_eq!(listed[0]["registered_with_tap"], true);
    assert!(text.ok().contains("yes (id not recorded)"));
}
