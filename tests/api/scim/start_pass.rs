//! tapid's SCIM extension `startDate`: a person provisioned with a start date gets a pass valid from
//! `scim.start_pass_time` that day in their own time zone, issued by the provisioning client and handed
//! over as a reveal link mailed to their manager (through a real SMTP server) — or, where that cannot
//! be, no pass and an audit event that says why.

use reqwest::Method;
use serde_json::{Value, json};
use tapid::config::SmtpSecurity;
use tapid::state::AppState;
use time::{Duration, OffsetDateTime};

use super::{PATCH, TAPID, USER, new_user, scim_error};
use crate::helpers::{TestApp, spawn_app};
use crate::mail::sink::{Sink, free_port, part};

/// `days` from today (UTC) as `YYYY-MM-DD`.
fn day(days: i64) -> String {
    (OffsetDateTime::now_utc().date() + Duration::days(days)).to_string()
}

/// 08:00 on `date` in `zone`, as Unix seconds, by jiff's zone database.
fn eight_o_clock(date: &str, zone: &str) -> i64 {
    let date: jiff::civil::Date = date.parse().unwrap();
    date.at(8, 0, 0, 0)
        .in_tz(zone)
        .unwrap()
        .timestamp()
        .as_second()
}

/// An app that mails through `sink`, with its outbox worker running.
async fn app_mailing_to(sink_port: u16) -> (TestApp, tokio::task::JoinHandle<()>) {
    crate::mail::mailing_app(|c| {
        c.smtp.host = Some("127.0.0.1".into());
        c.smtp.port = Some(sink_port);
        c.smtp.security = SmtpSecurity::None;
    })
    .await
}

/// Creates the manager `boss` (with an address) and returns their id.
async fn manager(app: &TestApp, token: &str) -> String {
    let boss = app
        .scim(Method::POST, "/Users", token, Some(new_user("boss")))
        .await
        .expect(201);
    boss["id"].as_str().unwrap().to_string()
}

/// A new hire reporting to `manager`, in `zone`, starting on `start`.
fn new_hire(name: &str, manager: &str, zone: &str, start: &str) -> Value {
    let mut body = new_user(name);
    body["schemas"] = json!([USER, super::ENTERPRISE, TAPID]);
    body["timezone"] = json!(zone);
    body[super::ENTERPRISE]["manager"] = json!({ "value": manager });
    body[TAPID] = json!({ "startDate": start });
    body
}

async fn pass_of(app: &TestApp, user_id: &str) -> Option<tapid::db::passes::PassRow> {
    tapid::db::passes::find_by_user(app.db.pool(), user_id)
        .await
        .unwrap()
}

/// `action` events about the user `id`.
async fn events_for(app: &TestApp, action: &str, id: &str) -> Vec<tapid::db::audit::AuditRow> {
    app.events(action)
        .await
        .into_iter()
        .filter(|e| e.target_id.as_deref() == Some(id))
        .collect()
}

fn details(row: &tapid::db::audit::AuditRow) -> Value {
    serde_json::from_str(&row.details).unwrap()
}

#[tokio::test]
async fn a_person_provisioned_with_a_start_date_gets_a_pass_from_that_morning_and_their_manager_its_link()
 {
    let sink = Sink::start(free_port(), None).await;
    let (app, worker) = app_mailing_to(sink.addr.port()).await;
    let token = app.scim_token("hr", "helpdesk").await;
    let boss = manager(&app, &token).await;
    let start = day(7);

    let created = app
        .scim(
            Method::POST,
            "/Users",
            &token,
            Some(new_hire(
                "nina",
                &boss,
                "Europe/Berlin",
                &format!("{start}T00:00:00Z"),
            )),
        )
        .await
        .expect(201);
    let id = created["id"].as_str().unwrap();
    assert_eq!(created[TAPID]["startDate"], format!("{start}T00:00:00Z"));
    assert!(
        created["schemas"]
            .as_array()
            .unwrap()
            .contains(&json!(TAPID))
    );

    let pass = pass_of(&app, id).await.expect("a pass for the start date");
    assert_eq!(pass.starts_at, eight_o_clock(&start, "Europe/Berlin"));
    assert_eq!(pass.created_by_kind, "client");
    assert_eq!(pass.created_by_id.as_deref(), Some("hr"));
    let issued = events_for(&app, "tap.issued", id).await;
    assert_eq!(issued.len(), 1);
    assert_eq!(details(&issued[0])["delivery"], "reveal_link");

    let mail = sink.wait_for("A Temporary Access Pass for nina").await;
    assert_eq!(mail["rcpt_tos"][0], "boss@example.com");
    let text = part(&mail, "text/plain");
    assert!(
        text.contains(&app.issuer) && text.contains("/reveal/"),
        "{text}"
    );
    let link = app.events("tap.reveal_link_created").await;
    assert_eq!(details(&link[0])["sent_to"], "boss@example.com");

    // The same start date again (a PUT of the same resource) asks for nothing new.
    let again = app
        .scim(
            Method::PUT,
            &format!("/Users/{id}"),
            &token,
            Some(created.clone()),
        )
        .await
        .expect(200);
    assert_eq!(again[TAPID], created[TAPID]);
    assert_eq!(events_for(&app, "tap.issued", id).await.len(), 1);
    worker.abort();
}

#[tokio::test]
async fn a_new_start_date_by_patch_replaces_the_pass_and_removing_it_withdraws_the_request() {
    let sink = Sink::start(free_port(), None).await;
    let (app, worker) = app_mailing_to(sink.addr.port()).await;
    let token = app.scim_token("hr", "helpdesk").await;
    let boss = manager(&app, &token).await;
    let far = day(45);
    let created = app
        .scim(
            Method::POST,
            "/Users",
            &token,
            Some(new_hire("omar", &boss, "America/New_York", &far)),
        )
        .await
        .expect(201);
    let id = created["id"].as_str().unwrap();
    // 45 days ahead is beyond the start-ahead limit (30 days): it waits for the sweep.
    assert!(pass_of(&app, id).await.is_none());
    let waiting = tapid::db::start_passes::find(app.db.pool(), id)
        .await
        .unwrap()
        .expect("a waiting request");
    assert_eq!(
        (waiting.start_date.as_str(), waiting.handled_at),
        (far.as_str(), None)
    );

    let sooner = day(3);
    let patch = json!({
        "schemas": [PATCH],
        "Operations": [{ "op": "replace", "path": format!("{TAPID}:startDate"), "value": sooner }],
    });
    let patched = app
        .scim(Method::PATCH, &format!("/Users/{id}"), &token, Some(patch))
        .await
        .expect(200);
    assert_eq!(patched[TAPID]["startDate"], sooner);
    let pass = pass_of(&app, id).await.expect("issued once in reach");
    assert_eq!(pass.starts_at, eight_o_clock(&sooner, "America/New_York"));
    sink.wait_for("A Temporary Access Pass for omar").await;

    let remove = json!({
        "schemas": [PATCH],
        "Operations": [{ "op": "remove", "path": TAPID }],
    });
    let removed = app
        .scim(Method::PATCH, &format!("/Users/{id}"), &token, Some(remove))
        .await
        .expect(200);
    assert!(removed.get(TAPID).is_none(), "{removed}");
    assert!(
        tapid::db::start_passes::find(app.db.pool(), id)
            .await
            .unwrap()
            .is_none()
    );
    // The pass already handed over stays: removing a date is not revoking a pass.
    assert!(pass_of(&app, id).await.is_some());
    worker.abort();
}

#[tokio::test]
async fn a_start_date_that_has_passed_or_cannot_be_delivered_issues_no_pass_and_the_trail_says_why()
{
    // No mail server configured: a reveal link could not be sent.
    let app = spawn_app().await;
    let token = app.scim_token("hr", "helpdesk").await;
    let boss = manager(&app, &token).await;
    let cases = [
        ("pia", day(-2), "start_date_passed", "is over"),
        (
            "raj",
            day(5),
            "refused",
            "Mail is not set up on this server",
        ),
    ];
    for (name, start, reason, says) in cases {
        let created = app
            .scim(
                Method::POST,
                "/Users",
                &token,
                Some(new_hire(name, &boss, "Asia/Kolkata", &start)),
            )
            .await
            .expect(201);
        let id = created["id"].as_str().unwrap();
        assert!(pass_of(&app, id).await.is_none(), "{name}");
        let skipped: Vec<_> = app
            .events("tap.start_pass_skipped")
            .await
            .into_iter()
            .filter(|e| e.target_id.as_deref() == Some(id))
            .collect();
        assert_eq!(skipped.len(), 1, "{name}");
        let d = details(&skipped[0]);
        assert_eq!(d["reason"], reason, "{d}");
        assert!(d["message"].as_str().unwrap().contains(says), "{d}");
        assert_eq!(d["start_date"], start);
        assert_eq!(skipped[0].actor_id.as_deref(), Some("hr"));
    }
    // Only the first-run administrator's pass was ever issued.
    assert_eq!(app.events("tap.issued").await.len(), 1);
}

#[tokio::test]
async fn a_manager_without_an_address_gets_no_pass_issued_and_the_trail_names_the_missing_address()
{
    let sink = Sink::start(free_port(), None).await;
    let (app, worker) = app_mailing_to(sink.addr.port()).await;
    let token = app.scim_token("hr", "helpdesk").await;
    let mut boss = new_user("boss");
    boss.as_object_mut().unwrap().remove("emails");
    let boss = app
        .scim(Method::POST, "/Users", &token, Some(boss))
        .await
        .expect(201);
    let created = app
        .scim(
            Method::POST,
            "/Users",
            &token,
            Some(new_hire(
                "sam",
                boss["id"].as_str().unwrap(),
                "UTC",
                &day(2),
            )),
        )
        .await
        .expect(201);
    assert!(
        pass_of(&app, created["id"].as_str().unwrap())
            .await
            .is_none()
    );
    let skipped = app.events("tap.start_pass_skipped").await;
    let d = details(&skipped[0]);
    assert_eq!(d["reason"], "refused");
    assert!(d["message"].as_str().unwrap().contains("no address"), "{d}");
    worker.abort();
}

#[tokio::test]
async fn a_start_date_come_in_reach_is_issued_by_exactly_one_of_two_concurrent_sweeps() {
    let sink = Sink::start(free_port(), None).await;
    let (app, worker) = app_mailing_to(sink.addr.port()).await;
    let token = app.scim_token("hr", "helpdesk").await;
    let boss = manager(&app, &token).await;
    let body = new_hire("tom", &boss, "Europe/Lisbon", &day(60));
    let created = app
        .scim(Method::POST, "/Users", &token, Some(body))
        .await
        .expect(201);
    let id = created["id"].as_str().unwrap();
    assert!(pass_of(&app, id).await.is_none());
    // Weeks later the date is in reach: as if the request had been made for a start 10 days ahead.
    let start = day(10);
    let mut tx = app.db.begin().await.unwrap();
    tapid::db::start_passes::request(&mut tx, id, &start, "hr", 0, 0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut profile = tapid::directory::profiles::of_user(&app.db, id)
        .await
        .unwrap()
        .0;
    profile.start_date = Some(start.clone());
    tapid::directory::profiles::set_user(
        &app.db,
        &tapid::audit::Actor::Cli,
        tapid::audit::Target::new("user", id, "tom"),
        id,
        &profile,
    )
    .await
    .unwrap();

    let state = AppState::new(app.db.clone(), app.config.clone(), app.sealer());
    let (a, b) = tokio::join!(
        tapid::scim::start_pass::sweep(&state),
        tapid::scim::start_pass::sweep(&state)
    );
    assert_eq!(
        a.unwrap() + b.unwrap(),
        1,
        "one sweep issues, the other finds it taken"
    );
    let pass = pass_of(&app, id).await.expect("issued by the sweep");
    assert_eq!(pass.starts_at, eight_o_clock(&start, "Europe/Lisbon"));
    assert_eq!(events_for(&app, "tap.issued", id).await.len(), 1);
    assert_eq!(tapid::scim::start_pass::sweep(&state).await.unwrap(), 0);
    sink.wait_for("A Temporary Access Pass for tom").await;
    worker.abort();
}

#[tokio::test]
async fn a_start_date_that_is_not_a_date_is_an_invalid_value() {
    let app = spawn_app().await;
    let token = app.scim_token("hr", "helpdesk").await;
    let boss = manager(&app, &token).await;
    for bad in ["next monday", "2026-13-01", "07/12/2026", "2026-12-07Tnoon"] {
        let answer = app
            .scim(
                Method::POST,
                "/Users",
                &token,
                Some(new_hire("uma", &boss, "UTC", bad)),
            )
            .await;
        let error = scim_error(answer, 400, Some("invalidValue"));
        assert!(
            error["detail"].as_str().unwrap().contains("startDate"),
            "{error}"
        );
    }
}

#[tokio::test]
async fn the_tapid_extension_is_served_in_schemas_and_the_user_resource_type() {
    let app = spawn_app().await;
    let schema = app
        .client
        .get(format!("{}/scim/v2/Schemas/{TAPID}", app.issuer))
        .send()
        .await
        .unwrap();
    assert_eq!(schema.status(), 200);
    let schema: Value = schema.json().await.unwrap();
    assert_eq!(schema["attributes"][0]["name"], "startDate");
    assert_eq!(schema["attributes"][0]["type"], "dateTime");
    let user: Value = app
        .client
        .get(format!("{}/scim/v2/ResourceTypes/User", app.issuer))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let extensions: Vec<&str> = user["schemaExtensions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["schema"].as_str().unwrap())
        .collect();
    assert!(extensions.contains(&TAPID), "{user}");
}
