//! Every time a person reads on the console and the reveal pages is a `<time datetime="…Z">` whose text
//! is the time in UTC, labelled so, with the time left or past — what `static/time.js` rewrites in the
//! reader's own zone (the browser journey `e2e/console-scale.test.js` checks that part). The API keeps
//! RFC 3339 in UTC.

use std::num::NonZeroU32;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tapid::audit::Actor;
use tapid::config::RevealConfirm;
use tapid::directory::Role;
use tapid::directory::profiles::{self, UserProfile};
use tapid::tap::IssueRequest;

use crate::helpers::signin::form_field;
use crate::helpers::{TestApp, spawn_app_with};

/// The `<time data-local>` elements of a page, as (datetime, text); every one in UTC, labelled, with
/// how far away it is.
fn local_times(html: &str) -> Vec<(String, String)> {
    let document = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse("time[data-local]").unwrap();
    let times: Vec<(String, String)> = document
        .select(&selector)
        .map(|t| {
            (
                t.value().attr("datetime").unwrap_or_default().to_string(),
                t.text().collect::<String>(),
            )
        })
        .collect();
    for (iso, text) in &times {
        assert!(
            iso.len() == 20 && iso.ends_with('Z'),
            "RFC 3339 in UTC: {iso}"
        );
        let utc = format!("{} {} UTC, ", &iso[..10], &iso[11..16]);
        assert!(text.starts_with(&utc), "`{text}` is {iso} in UTC, labelled");
        let rest = &text[utc.len()..];
        assert!(
            rest.starts_with("in ") || rest.ends_with(" ago") || rest == "just now",
            "`{text}` says how far away it is"
        );
    }
    times
}

async fn page(browser: &TestApp, path: &str) -> (StatusCode, String) {
    let response = browser.get(path).await;
    (response.status(), response.text().await.unwrap())
}

#[tokio::test]
async fn console_and_reveal_pages_show_times_as_utc_time_elements_for_the_script() {
    let app = spawn_app_with(|c| {
        c.reveal.confirm = RevealConfirm::EmployeeNumber;
        c.reveal.max_attempts = NonZeroU32::new(3).unwrap();
    })
    .await;
    let ann = app.add_user("ann", &[Role::Admin], &[]).await;
    let console = app.console_as(&ann, "phr").await;
    app.add_user("sam", &[], &[]).await;
    let issued = app.issue_pass("sam", IssueRequest::default()).await;
    let sam = app.user("sam").await;

    // The user page: the pass's start, end and issuance.
    let (status, user) = console.page(&format!("/admin/users/{}", sam.id)).await;
    assert_eq!(status, 200);
    let times = local_times(&user);
    assert!(times.len() >= 3, "{times:?}");
    let end = time::format_description::well_known::Rfc3339;
    assert!(
        times
            .iter()
            .any(|(iso, _)| *iso == issued.pass.end.format(&end).unwrap()),
        "the pass's end is among them: {times:?}"
    );
    // The list, the audit trail.
    let (_, list) = console.page("/admin/users?q=sam").await;
    assert_eq!(local_times(&list).len(), 1, "the end of sam's usable pass");
    let (_, audit) = console.page("/admin/audit").await;
    assert!(local_times(&audit).len() >= 2);

    // The reveal pages: the link's expiry, the pass's end once shown, when it was opened.
    let bob = app.add_user("bob", &[], &[]).await;
    let profile = UserProfile {
        employee_number: Some("E-0048213".into()),
        ..UserProfile::default()
    };
    profiles::set_user(&app.db, &Actor::Cli, bob.target(), &bob.id, &profile)
        .await
        .unwrap();
    let (token, _) = app.admin_and_helpdesk_tokens().await;
    let link: Value = app
        .call(
            Method::POST,
            &format!("/api/v1/users/{}/temporary-access-pass", bob.id),
            &token,
            Some(json!({ "deliver": "reveal_link", "one_time": true })),
        )
        .await
        .expect(201);
    let url = link["reveal_link"]["url"].as_str().unwrap();
    let path = &url[url.find("/reveal/").unwrap()..];
    let browser = app.new_browser();
    let (status, confirm) = page(&browser, path).await;
    assert_eq!(status, 200);
    assert_eq!(local_times(&confirm).len(), 1, "the link's expiry");
    let csrf = form_field(&confirm, "csrf").unwrap();
    let shown = browser
        .client
        .post(browser.url(path))
        .header("origin", &browser.issuer)
        .form(&[("csrf", csrf.as_str()), ("digits", "8213")])
        .send()
        .await
        .unwrap();
    assert_eq!(shown.status(), 200);
    assert_eq!(local_times(&shown.text().await.unwrap()).len(), 1);
    let (status, closed) = page(&app.new_browser(), path).await;
    assert_eq!(status, StatusCode::GONE);
    let opened = local_times(&closed);
    assert_eq!(opened.len(), 1, "when it was opened");
    assert!(opened[0].1.ends_with("just now"), "{opened:?}");

    // The API keeps RFC 3339 in UTC.
    let detail: Value = app
        .call(
            Method::GET,
            &format!("/api/v1/users/{}", sam.id),
            &token,
            None,
        )
        .await
        .expect(200);
    assert!(detail["pass"]["end"].as_str().unwrap().ends_with('Z'));
}

/// Sends the console's pass form for `user_id` with the start typed as `local` and the script's `utc`.
async fn issue_later(
    console: &crate::helpers::admin::Console,
    user_id: &str,
    local: &str,
    utc: &str,
) {
    let (_, html) = console.page(&format!("/admin/users/{user_id}/pass")).await;
    assert!(
        html.contains("data-local-input=\"start_utc\"") && html.contains("In UTC."),
        "the form says the zone"
    );
    let once = form_field(&html, "once").unwrap();
    let answer = console
        .post(
            &format!("/admin/users/{user_id}/pass"),
            &[
                ("once", &once),
                ("lifetime", "60"),
                ("start_mode", "later"),
                ("start", local),
                ("start_utc", utc),
                ("use", "multi-use"),
            ],
        )
        .await;
    assert_eq!(answer.status(), 303, "issued");
}

#[tokio::test]
async fn a_console_pass_start_is_the_instant_the_pages_script_sends_and_the_bare_field_is_utc() {
    let app = crate::helpers::spawn_app().await;
    let ann = app.add_user("ann", &[Role::Admin], &[]).await;
    let console = app.console_as(&ann, "phr").await;
    let sam = app.add_user("sam", &[], &[]).await;
    let tomorrow = (time::OffsetDateTime::now_utc() + time::Duration::days(1)).date();
    let local = format!("{tomorrow}T09:00");

    // The script of a browser in Europe/Berlin (UTC+1 in winter) sends 09:00 there as 08:00Z.
    issue_later(
        &console,
        &sam.id,
        &local,
        &format!("{tomorrow}T08:00:00.000Z"),
    )
    .await;
    assert_eq!(
        app.pass_state("sam").await.start,
        tomorrow.with_hms(8, 0, 0).unwrap().assume_utc()
    );

    // Without the script, the field is read as UTC.
    issue_later(&console, &sam.id, &local, "").await;
    assert_eq!(
        app.pass_state("sam").await.start,
        tomorrow.with_hms(9, 0, 0).unwrap().assume_utc()
    );
}

#[tokio::test]
async fn security_info_shows_method_and_pass_times_as_utc_time_elements_for_the_script() {
    let app = crate::helpers::spawn_app().await;
    let secret = app.arrange_user_with_totp("alice").await;
    app.issue_pass("alice", IssueRequest::default()).await;
    app.sign_in_with_totp_from("/login", "alice", &secret).await;

    let (status, html) = page(&app, "/security-info").await;

    assert_eq!(status, 200);
    let times = local_times(&html);
    // The app's creation and last use, the pass's start and end, the sign-in.
    assert!(times.len() >= 5, "{times:?}");
    let valid = crate::helpers::admin::text_of(&html, "#pass-valid").unwrap();
    assert!(
        valid.starts_with("from ") && valid.contains(" until "),
        "{valid}"
    );
}

#[tokio::test]
async fn the_audit_range_is_the_instant_the_pages_script_sends_and_the_bare_fields_are_utc() {
    let app = spawn_app_with(|_| {}).await;
    let ann = app.add_user("ann", &[Role::Admin], &[]).await;
    let console = app.console_as(&ann, "phr").await;
    app.add_user("bob", &[], &[]).await;
    let now = time::OffsetDateTime::now_utc();
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let utc = |at: time::OffsetDateTime| {
        at.format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    let typed = |at: time::OffsetDateTime| at.format(&fmt).unwrap();

    // The form: both fields in the browser's zone through the script, UTC without it, said so.
    let (_, page) = console.page("/admin/audit").await;
    assert!(page.contains("data-local-input=\"since_utc\""), "{page}");
    assert!(page.contains("data-local-input=\"until_utc\""), "{page}");
    assert!(form_field(&page, "since_utc").is_some());
    assert!(page.contains("From and Until are in UTC."));

    // The script's instant wins over what was typed (a browser in Tokyo typed 9 hours ahead).
    let ahead = now + time::Duration::hours(9);
    let query = format!(
        "/admin/audit?action=user.created&since={}&since_utc={}",
        typed(ahead),
        utc(now - time::Duration::hours(1))
    );
    let (status, page) = console.page(&query).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("created the account bob"), "{page}");
    assert!(page.contains("since_utc="), "paging and export keep it");

    // Without the script the typed time is UTC: an hour ahead of now finds nothing yet.
    let query = format!(
        "/admin/audit?action=user.created&since={}",
        typed(now + time::Duration::hours(1))
    );
    let (_, page) = console.page(&query).await;
    assert!(page.contains("id=\"no-events\""), "{page}");
    let query = format!(
        "/admin/audit?action=user.created&until_utc={}",
        utc(now - time::Duration::hours(1))
    );
    let (_, page) = console.page(&query).await;
    assert!(page.contains("id=\"no-events\""), "{page}");
    let (status, _) = console.page("/admin/audit?since_utc=yesterday").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn times_inside_an_audit_events_details_are_time_elements_for_the_script_not_raw_rfc3339() {
    let app = spawn_app_with(|_| {}).await;
    let ann = app.add_user("ann", &[Role::Admin], &[]).await;
    let console = app.console_as(&ann, "phr").await;
    app.add_user("sam", &[], &[]).await;
    let issued = app.issue_pass("sam", IssueRequest::default()).await;
    let rfc = time::format_description::well_known::Rfc3339;
    let start = issued.pass.start.format(&rfc).unwrap();
    let end = issued.pass.end.format(&rfc).unwrap();

    let (status, audit) = console.page("/admin/audit").await;
    assert_eq!(status, 200);
    let document = scraper::Html::parse_document(&audit);
    let lines = scraper::Selector::parse("dl.details dt").unwrap();
    let mut told = Vec::new();
    for dt in document.select(&lines) {
        let label = dt.text().collect::<String>();
        let dd =
            scraper::ElementRef::wrap(dt.next_siblings().find(|n| n.value().is_element()).unwrap())
                .unwrap();
        let text = dd.text().collect::<String>();
        assert!(
            time::OffsetDateTime::parse(text.trim(), &rfc).is_err(),
            "{label} is raw RFC 3339: {text}"
        );
        let time = scraper::Selector::parse("time[data-local]").unwrap();
        if let Some(t) = dd.select(&time).next() {
            told.push((label, t.value().attr("datetime").unwrap().to_string()));
        }
    }
    // The same element, and the same UTC fallback, as every other time on the page.
    local_times(&audit);
    assert!(told.contains(&("Start".to_string(), start)), "{told:?}");
    assert!(told.contains(&("End".to_string(), end)), "{told:?}");
}
