//! Passes for a start date in the person's time zone, one at a time and in batches: `tapid tap
//! issue --zone`, `tapid tap issue-bulk --file`, and `POST /api/v1/temporary-access-passes/bulk`.
//! Every row is checked, the batch reported row by row, and applied whole or not at all.

use jiff::tz::TimeZone;
use serde_json::{Value, json};
use tapid::directory::Role;
use time::OffsetDateTime;

use crate::helpers::{TestApp, spawn_app};

const BULK: &str = "/api/v1/temporary-access-passes/bulk";

/// A date `days` from today (UTC), as `YYYY-MM-DD`.
fn day(days: i64) -> String {
    (OffsetDateTime::now_utc() + time::Duration::days(days))
        .date()
        .to_string()
}

/// The RFC 3339 UTC instant of a local wall-clock time in `zone`.
fn utc_of(local: &str, zone: &str) -> String {
    let at: jiff::civil::DateTime = local.parse().unwrap();
    let ts = TimeZone::get(zone)
        .unwrap()
        .to_zoned(at)
        .unwrap()
        .timestamp();
    let at = OffsetDateTime::from_unix_timestamp(ts.as_second()).unwrap();
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

async fn write_csv(app: &TestApp, text: &str) -> String {
    let path = app.dir.path().join(format!("{}.csv", uuid::Uuid::new_v4()));
    tokio::fs::write(&path, text).await.unwrap();
    path.to_str().unwrap().to_string()
}

async fn pass_count(app: &TestApp) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM passes")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    n
}

#[tokio::test]
async fn a_single_pass_starts_at_the_persons_local_time_in_their_zone() {
    let app = spawn_app().await;
    app.cli(&["user", "add", "alice"]).await.ok();
    let local = format!("{}T08:30", day(3));

    let issued = app
        .cli(&[
            "tap",
            "issue",
            "alice",
            "--start",
            &local,
            "--zone",
            "America/New_York",
            "--json",
        ])
        .await
        .json();

    assert_eq!(issued["start"], utc_of(&local, "America/New_York"));
    assert_eq!(issued["usable"], false);
    assert_eq!(issued["reason"], "NotYetValid");
    let unknown = app
        .cli(&[
            "tap",
            "issue",
            "alice",
            "--start",
            &local,
            "--zone",
            "Mars/Base",
        ])
        .await;
    assert!(!unknown.success);
    assert!(unknown.stderr.contains("Mars/Base"), "{}", unknown.stderr);
}

#[tokio::test]
async fn issue_bulk_issues_every_row_at_its_local_start_in_one_batch() {
    let app = spawn_app().await;
    for name in ["alice", "bob", "carol"] {
        app.cli(&["user", "add", name]).await.ok();
    }
    let monday = day(4);
    let file = write_csv(
        &app,
        &format!(
            "username,start,zone,lifetime,one_time\n\
             alice,{monday}T08:30,Europe/Berlin,8h,yes\n\
             bob,{monday},Asia/Tokyo,6h,no\n\
             carol,,,90m,\n"
        ),
    )
    .await;

    let report = app
        .cli(&["tap", "issue-bulk", "--file", &file, "--json"])
        .await
        .json();

    assert_eq!(report["applied"], true, "{report}");
    let rows = report["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["row"], 2);
    assert_eq!(
        rows[0]["start"],
        utc_of(&format!("{monday}T08:30"), "Europe/Berlin")
    );
    assert_eq!(rows[0]["time_zone"], "Europe/Berlin");
    assert_eq!(rows[0]["one_time"], true);
    assert_eq!(
        rows[1]["start"],
        utc_of(&format!("{monday}T00:00"), "Asia/Tokyo")
    );
    assert_eq!(rows[1]["one_time"], false);
    // carol's starts now: her passcode signs in at once.
    let carol = rows[2]["passcode"].as_str().unwrap();
    assert!(app.check_pass("carol", carol).await.is_ok());
    assert_eq!(
        app.pass_state("alice").await.reason,
        tapid::tap::Reason::NotYetValid
    );
    let events = app.events("tap.issued").await;
    let batch = report["batch_id"].as_str().unwrap();
    let of_batch: Vec<_> = events
        .iter()
        .filter(|e| e.details.contains(batch))
        .collect();
    assert_eq!(of_batch.len(), 3);
    assert!(of_batch.iter().any(|e| e.details.contains("Europe/Berlin")));
    // The passcodes are nowhere in the trail.
    for row in rows {
        let code = row["passcode"].as_str().unwrap().replace('-', "");
        assert!(events.iter().all(|e| !e.details.contains(&code)));
    }
}

#[tokio::test]
async fn a_batch_with_a_refused_row_issues_nothing_and_reports_every_row() {
    let app = spawn_app().await;
    app.cli(&["user", "add", "alice"]).await.ok();
    app.cli(&["user", "add", "dora"]).await.ok();
    app.cli(&["user", "disable", "dora"]).await.ok();
    let before = pass_count(&app).await;
    let file = write_csv(
        &app,
        &format!(
            "username,start,zone\n\
             alice,{},Europe/Paris\n\
             nobody,,\n\
             dora,,\n\
             alice,,\n\
             erin,{},Europe/Paris\n",
            day(2),
            day(45)
        ),
    )
    .await;

    let out = app.cli(&["tap", "issue-bulk", "--file", &file]).await;

    assert!(!out.success);
    assert!(out.stderr.contains("nothing was issued"), "{}", out.stderr);
    assert!(
        out.stdout.contains("nobody") && out.stdout.contains("no user"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("disabled"), "{}", out.stdout);
    assert!(out.stdout.contains("more than once"), "{}", out.stdout);
    assert!(
        out.stdout.contains("there is no user named erin"),
        "{}",
        out.stdout
    );
    assert_eq!(pass_count(&app).await, before, "nothing half-applied");
    assert!(
        app.events("tap.issued")
            .await
            .iter()
            .all(|e| e.target_name.as_deref() != Some("alice"))
    );
}

#[tokio::test]
async fn a_start_beyond_the_policys_limit_refuses_its_row() {
    let app = spawn_app().await;
    app.cli(&["user", "add", "alice"]).await.ok();
    let file = write_csv(
        &app,
        &format!("username,start,zone\nalice,{},Europe/Paris\n", day(45)),
    )
    .await;

    let report = app
        .cli(&["tap", "issue-bulk", "--file", &file, "--json"])
        .await
        .json();

    assert_eq!(report["applied"], false);
    let error = report["rows"][0]["error"].as_str().unwrap();
    assert!(error.contains("30 days"), "{error}");
}

#[tokio::test]
async fn a_dry_run_previews_the_batch_and_changes_nothing() {
    let app = spawn_app().await;
    app.cli(&["user", "add", "alice"]).await.ok();
    app.cli(&["tap", "issue", "alice"]).await.ok();
    let file = write_csv(&app, "username,lifetime\nalice,2h\n").await;

    let preview = app
        .cli(&["tap", "issue-bulk", "--file", &file, "--dry-run", "--json"])
        .await
        .json();

    assert_eq!(preview["applied"], false);
    assert_eq!(preview["dry_run"], true);
    assert_eq!(preview["rows"][0]["ok"], true);
    assert_eq!(preview["rows"][0]["replaces"], true);
    assert!(preview["rows"][0].get("passcode").is_none());
    assert_eq!(
        app.events("tap.issued").await.len(),
        2,
        "admin's and alice's first"
    );
}

#[tokio::test]
async fn the_api_batch_enforces_the_callers_roles_row_by_row_and_issues_nothing_on_refusal() {
    let app = spawn_app().await;
    app.add_user("bob", &[], &[]).await;
    app.add_user("ann", &[Role::Admin], &[]).await;
    let (admin, helpdesk) = app.admin_and_helpdesk_tokens().await;
    let rows = json!([
        { "username": "bob", "start": format!("{}T09:00", day(1)), "time_zone": "Europe/London", "lifetime_minutes": 480 },
        { "username": "ann" }
    ]);

    let refused = app
        .call(
            reqwest::Method::POST,
            BULK,
            &helpdesk,
            Some(json!({ "rows": rows })),
        )
        .await;

    assert_eq!(refused.headers["cache-control"], "no-store");
    let body = refused.expect(422);
    assert_eq!(body["error"], "invalid_request");
    assert_eq!(body["refused"], 1);
    assert_eq!(body["rows"][0]["ok"], true);
    let reason = body["rows"][1]["error"].as_str().unwrap();
    assert!(reason.contains("helpdesk"), "{reason}");
    assert!(body.to_string().find("passcode").is_none());
    assert!(
        tapid::db::passes::find_by_user(app.db.pool(), &app.user("bob").await.id)
            .await
            .unwrap()
            .is_none()
    );

    let preview = app
        .call(
            reqwest::Method::POST,
            BULK,
            &admin,
            Some(json!({ "rows": rows, "dry_run": true })),
        )
        .await
        .expect(200);
    assert_eq!(preview["applied"], false);

    let applied = app
        .call(
            reqwest::Method::POST,
            BULK,
            &admin,
            Some(json!({ "rows": rows })),
        )
        .await
        .expect(201);
    assert_eq!(applied["applied"], true);
    let bob: &Value = &applied["rows"][0];
    assert_eq!(
        bob["start"],
        utc_of(&format!("{}T09:00", day(1)), "Europe/London")
    );
    assert_eq!(bob["passcode"].as_str().unwrap().len(), 9);
    let issued = app.events("tap.issued").await;
    assert!(
        issued
            .iter()
            .any(|e| e.target_name.as_deref() == Some("ann") && e.severity == "high")
    );
    assert_eq!(issued[0].actor_kind, "client");
}

#[tokio::test]
async fn the_api_batch_answers_malformed_rows_in_its_own_error_form() {
    let app = spawn_app().await;
    app.add_user("bob", &[], &[]).await;
    let (admin, _) = app.admin_and_helpdesk_tokens().await;

    let unknown_field = app
        .call(
            reqwest::Method::POST,
            BULK,
            &admin,
            Some(json!({ "rows": [{ "username": "bob", "colour": "red" }] })),
        )
        .await;
    unknown_field.refused(422, "colour");
    app.call(
        reqwest::Method::POST,
        BULK,
        &admin,
        Some(json!({ "rows": [] })),
    )
    .await
    .refused(422, "no rows");
    let bad_zone = app
        .call(
            reqwest::Method::POST,
            BULK,
            &admin,
            Some(
                json!({ "rows": [{ "username": "bob", "start": day(1), "time_zone": "Nowhere" }] }),
            ),
        )
        .await
        .expect(422);
    assert!(
        bad_zone["rows"][0]["error"]
            .as_str()
            .unwrap()
            .contains("Nowhere")
    );
    let single = app
        .call(
            reqwest::Method::POST,
            &format!("/api/v1/users/{}/temporary-access-pass", app.user("bob").await.id),
            &admin,
            Some(json!({ "start_local": format!("{}T07:00", day(2)), "time_zone": "Australia/Sydney" })),
        )
        .await
        .expect(201);
    assert_eq!(
        single["start"],
        utc_of(&format!("{}T07:00", day(2)), "Australia/Sydney")
    );
}
