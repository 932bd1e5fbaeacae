//! The console's batch of passes: upload (paste) a CSV, preview every row, confirm once. A reload of
//! the confirmation issues nothing and shows no passcode again; a refused row blocks the whole batch.

use reqwest::StatusCode;
use tapid::directory::Role;

use crate::helpers::admin::text_of;
use crate::helpers::signin::form_field;

const CSV: &str = "username,lifetime,one_time\nbob,2h,yes\ncarol,,no\n";

fn passcodes(html: &str) -> Vec<String> {
    let document = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse("code.passcode-inline").unwrap();
    document
        .select(&selector)
        .map(|e| e.text().collect::<String>())
        .collect()
}

#[tokio::test]
async fn the_console_previews_a_batch_then_issues_it_once_and_never_shows_it_again() {
    let app = crate::helpers::spawn_app().await;
    let ann = app.add_user("ann", &[Role::Admin], &[]).await;
    app.add_user("bob", &[], &[]).await;
    app.add_user("carol", &[], &[]).await;
    let console = app.console_as(&ann, "phr").await;
    assert_eq!(console.page("/admin/passes/bulk").await.0, StatusCode::OK);

    let preview = console.post("/admin/passes/bulk", &[("csv", CSV)]).await;
    assert_eq!(preview.status(), StatusCode::OK);
    assert_eq!(preview.headers()["cache-control"], "no-store");
    let html = preview.text().await.unwrap();
    assert!(passcodes(&html).is_empty(), "a preview shows no passcode");
    assert_eq!(
        app.events("tap.issued").await.len(),
        1,
        "only the bootstrap pass so far"
    );
    let token = form_field(&html, "token").unwrap();

    let confirm = [("csv", CSV), ("token", token.as_str())];
    let issued = console.post("/admin/passes/bulk/confirm", &confirm).await;
    assert_eq!(issued.status(), StatusCode::OK);
    assert_eq!(issued.headers()["cache-control"], "no-store");
    let html = issued.text().await.unwrap();
    let codes = passcodes(&html);
    assert_eq!(codes.len(), 2, "{html}");
    assert!(text_of(&html, "#shown-once").is_some());
    let reload = console.post("/admin/passes/bulk/confirm", &confirm).await;

    assert_eq!(reload.status(), StatusCode::CONFLICT);
    let html = reload.text().await.unwrap();
    assert!(html.contains("not shown again"), "{html}");
    assert!(codes.iter().all(|c| !html.contains(c.as_str())));
    assert!(
        app.check_pass("bob", &codes[0]).await.is_ok(),
        "the batch was not issued twice"
    );
    assert!(app.check_pass("carol", &codes[1]).await.is_ok());
    let issued = app.events("tap.issued").await;
    assert_eq!(issued.len(), 3);
    assert_eq!(issued[0].actor_name.as_deref(), Some("ann"));
}

#[tokio::test]
async fn a_refused_row_in_the_console_blocks_the_batch_with_its_reason() {
    let app = crate::helpers::spawn_app().await;
    let hal = app.add_user("hal", &[Role::Helpdesk], &[]).await;
    app.add_user("bob", &[], &[]).await;
    app.add_user("ann", &[Role::Admin], &[]).await;
    let console = app.console_as(&hal, "phr").await;

    let preview = console
        .post(
            "/admin/passes/bulk",
            &[("csv", "username\nbob\nann\nzed\n")],
        )
        .await;

    assert_eq!(preview.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = preview.text().await.unwrap();
    assert!(html.contains("ann is an administrator"), "{html}");
    assert!(html.contains("there is no user named zed"), "{html}");
    assert!(
        form_field(&html, "token").is_none(),
        "no confirmation is offered"
    );
    let forged = console
        .post(
            "/admin/passes/bulk/confirm",
            &[("csv", "username\nbob\n"), ("token", "guess")],
        )
        .await;
    assert_eq!(forged.status(), StatusCode::CONFLICT);
    assert_eq!(app.events("tap.issued").await.len(), 1);
    let no_csrf = console
        .post_with(
            "/admin/passes/bulk",
            "wrong",
            Some(&console.issuer),
            &[("csv", "username\nbob\n")],
        )
        .await;
    assert_eq!(no_csrf.status(), StatusCode::FORBIDDEN);
    let bad = console
        .post("/admin/passes/bulk", &[("csv", "name\nbob\n")])
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().await.unwrap().contains("username"));
}
