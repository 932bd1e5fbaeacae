//! The console speaks in sentences: no code names (`OneTimeUsed`, `EnabledByPolicy`), no raw JSON and
//! no quoted internals in what people read. The API and the CLI keep the stable codes.

use tapid::audit::{self, Event};
use tapid::directory::Role;

use crate::helpers::admin::text_of;
use crate::helpers::spawn_app;

#[tokio::test]
async fn the_user_page_says_a_pass_state_and_recent_sign_ins_in_sentences() {
    let app = spawn_app().await;
    let ann = app.add_user("ann", &[Role::Admin], &[]).await;
    let console = app.console_as(&ann, "phr").await;
    let bob = app.add_user("bob", &[], &[]).await;
    let issued = app
        .issue_pass(
            "bob",
            tapid::tap::IssueRequest {
                one_time: Some(true),
                ..Default::default()
            },
        )
        .await;
    let signed_in = app
        .check_pass("bob", &issued.passcode.grouped())
        .await
        .unwrap();
    let mut tx = app.db.begin().await.unwrap();
    // The session it opened registered a method: that spends the one-time pass.
    tapid::tap::hold::spend(&mut tx, &signed_in.pass_id, &signed_in.sid, None)
        .await
        .unwrap();
    audit::record(
        &mut tx,
        Event::new(bob.actor(), "signin.succeeded")
            .target(bob.target())
            .detail("method", "totp")
            .detail("level", "1fa"),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let (_, page) = console.page(&format!("/admin/users/{}", bob.id)).await;

    let state = text_of(&page, "#pass-state").unwrap();
    assert_eq!(state, "Not usable. It was for one use and has been used.");
    for code in ["OneTimeUsed", "EnabledByPolicy", "NotYetValid"] {
        assert!(!page.contains(code), "no code name {code} on the page");
    }
    let sentence = text_of(&page, "#sign-ins .sentence").unwrap();
    assert_eq!(sentence, "bob signed in with an authenticator app.");
    assert!(
        text_of(&page, "#sign-ins details summary").is_some(),
        "the details are behind a disclosure"
    );
    assert!(
        !page.contains("{&quot;") && !page.contains("{\""),
        "no raw JSON"
    );
    let api_state = app.cli(&["tap", "show", "bob", "--json"]).await.json();
    assert_eq!(api_state["reason"], "OneTimeUsed", "the CLI keeps the code");
}

#[tokio::test]
async fn a_helpdesk_refusal_is_a_sentence_without_quoted_internals() {
    let app = spawn_app().await;
    let hal = app.add_user("hal", &[Role::Helpdesk], &[]).await;
    let console = app.console_as(&hal, "phr").await;
    let ann = app.add_user("ann", &[Role::Admin], &[]).await;

    let (_, page) = console.page(&format!("/admin/users/{}", ann.id)).await;

    let refusal = text_of(&page, "#refusal").unwrap();
    assert!(!refusal.contains('`'), "{refusal}");
    assert!(!refusal.contains("holds admin"), "{refusal}");
    assert!(refusal.contains("ann is an administrator"), "{refusal}");
}

#[tokio::test]
async fn the_audit_page_tells_each_event_as_a_sentence_with_its_details_behind_a_disclosure() {
    let app = spawn_app().await;
    let hal = app.add_user("hal", &[Role::Helpdesk], &[]).await;
    let console = app.console_as(&hal, "phr").await;
    app.add_user("bob", &[], &[]).await;
    app.issue_pass_as(&tapid::tap::Authority::User(hal), "bob", Default::default())
        .await
        .unwrap();
    app.check_pass("bob", "WRONG-CODE").await.ok();

    let (_, page) = console.page("/admin/audit?user=bob&action=tap.").await;

    let document = scraper::Html::parse_document(&page);
    let sentences = scraper::Selector::parse("#events .sentence").unwrap();
    let sentences: Vec<String> = document
        .select(&sentences)
        .map(|e| e.text().collect::<String>().trim().to_string())
        .collect();
    assert_eq!(
        sentences,
        [
            "A sign-in with bob's pass failed: the passcode was wrong.",
            "hal issued a Temporary Access Pass to bob.",
        ]
    );
    let details = scraper::Selector::parse("#events tr details dl").unwrap();
    assert_eq!(document.select(&details).count(), 2);
    assert!(
        page.contains("wrong_passcode"),
        "the code stays in the details"
    );
}

#[tokio::test]
async fn the_audit_details_say_each_reason_in_words_with_its_code_in_a_small_line() {
    let app = spawn_app().await;
    let hal = app.add_user("hal", &[Role::Helpdesk], &[]).await;
    let console = app.console_as(&hal, "phr").await;
    app.add_user("bob", &[], &[]).await;
    app.issue_pass_as(&tapid::tap::Authority::User(hal), "bob", Default::default())
        .await
        .unwrap();
    app.check_pass("bob", "WRONG-CODE").await.ok();

    let (_, page) = console
        .page("/admin/audit?user=bob&action=tap.failed")
        .await;

    let document = scraper::Html::parse_document(&page);
    let rows = scraper::Selector::parse("#events details dl dt, #events details dl dd").unwrap();
    let cells: Vec<scraper::ElementRef> = document.select(&rows).collect();
    let reason = cells
        .iter()
        .position(|c| c.text().collect::<String>().trim() == "Reason")
        .expect("a Reason line, labelled in words");
    let value = cells[reason + 1];
    let code = scraper::Selector::parse("small.code").unwrap();
    let small: String = value.select(&code).flat_map(|c| c.text()).collect();
    assert_eq!(small, "wrong_passcode", "the code stays, in a small line");
    let words: String = value.text().collect();
    assert!(
        words.trim().starts_with("The passcode was wrong"),
        "the reason in words first: {words:?}"
    );
    for cell in &cells {
        let text: String = cell.text().collect();
        assert_ne!(text.trim(), "failed_attempts", "labels are words: {text}");
    }
}
