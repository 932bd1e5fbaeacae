use tapid::audit::{self, Verdict};

use crate::helpers::{is_postgres, spawn_app};

async fn allow_tampering(app: &crate::helpers::TestApp) {
    let sql: &[&str] = if is_postgres() {
        &["ALTER TABLE audit_events DISABLE TRIGGER ALL"]
    } else {
        &[
            "DROP TRIGGER audit_events_no_update",
            "DROP TRIGGER audit_events_no_delete",
        ]
    };
    for statement in sql {
        sqlx::query(statement).execute(app.db.pool()).await.unwrap();
    }
}

#[tokio::test]
async fn the_audit_chain_verifies_after_many_changes() {
    let app = spawn_app().await;
    for name in ["a1", "a2", "a3"] {
        app.cli(&["user", "add", name]).await.ok();
    }

    let out = app.cli(&["audit", "verify"]).await;

    // Three users, the bootstrap admin and the admin's first-run pass.
    assert_eq!(out.ok().trim(), "all 5 events verify");
}

#[tokio::test]
async fn audit_events_cannot_be_updated_or_deleted_through_the_database() {
    let app = spawn_app().await;

    let update = sqlx::query("UPDATE audit_events SET action = 'x'")
        .execute(app.db.pool())
        .await;
    let delete = sqlx::query("DELETE FROM audit_events")
        .execute(app.db.pool())
        .await;

    assert!(update.is_err(), "updates must be refused");
    assert!(delete.is_err(), "deletes must be refused");
}

#[tokio::test]
async fn verify_reports_the_first_edited_event() {
    let app = spawn_app().await;
    app.cli(&["user", "add", "b1"]).await.ok();
    app.cli(&["user", "add", "b2"]).await.ok();
    allow_tampering(&app).await;

    sqlx::query("UPDATE audit_events SET target_name = 'mallory' WHERE seq = 2")
        .execute(app.db.pool())
        .await
        .unwrap();

    let out = app.cli(&["audit", "verify"]).await;
    assert!(!out.success);
    assert!(out.stderr.contains("broken at event 2"), "{}", out.stderr);
    assert!(out.stderr.contains("edited"), "{}", out.stderr);
}

#[tokio::test]
async fn verify_reports_a_deleted_event() {
    let app = spawn_app().await;
    for name in ["c1", "c2", "c3"] {
        app.cli(&["user", "add", name]).await.ok();
    }
    allow_tampering(&app).await;

    sqlx::query("DELETE FROM audit_events WHERE seq = 3")
        .execute(app.db.pool())
        .await
        .unwrap();

    let verdict = audit::verify(&app.db).await.unwrap();
    assert!(
        matches!(verdict, Verdict::Broken { seq: 3, .. }),
        "{verdict:?}"
    );
}

#[tokio::test]
async fn concurrent_writers_never_fork_the_chain() {
    let app = spawn_app().await;
    let mut tasks = Vec::new();
    for i in 0..12 {
        let db = app.db.clone();
        tasks.push(tokio::spawn(async move {
            let name = tapid::directory::Username::parse(&format!("load{i}")).unwrap();
            tapid::directory::users::create(
                &db,
                &tapid::audit::Actor::Cli,
                tapid::directory::NewUser::named(name),
            )
            .await
        }));
    }
    for task in tasks {
        task.await.unwrap().expect("create");
    }

    let verdict = audit::verify(&app.db).await.unwrap();

    // Twelve users, the bootstrap admin and the admin's first-run pass.
    assert_eq!(verdict, Verdict::Intact { events: 14 });
}

#[tokio::test]
async fn audit_list_filters_by_action_and_limit() {
    let app = spawn_app().await;
    app.cli(&["group", "add", "g"]).await.ok();
    app.cli(&["user", "add", "d1"]).await.ok();
    app.cli(&["user", "add", "d2"]).await.ok();

    let groups = app
        .cli(&["audit", "list", "--json", "--action", "group.created"])
        .await
        .json();
    let limited = app
        .cli(&["audit", "list", "--json", "--limit", "2"])
        .await
        .json();
    let future = app
        .cli(&["audit", "list", "--json", "--since", "2999-01-01T00:00:00Z"])
        .await
        .json();

    assert_eq!(groups.as_array().unwrap().len(), 1);
    assert_eq!(limited.as_array().unwrap().len(), 2);
    assert_eq!(limited[0]["target"]["name"], "d2", "newest first");
    assert_eq!(future.as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn an_export_verifies_offline_and_an_edited_export_does_not() {
    let app = spawn_app().await;
    for name in ["e1", "e2"] {
        app.cli(&["user", "add", name]).await.ok();
    }
    let file = app.dir.path().join("audit.jsonl");
    let path = file.to_str().unwrap();

    app.cli(&["audit", "export", "--file", path]).await.ok();
    let in_database = app.cli(&["audit", "verify"]).await;
    let verified = app.cli(&["audit", "verify", "--file", path]).await;
    assert_eq!(verified.ok().trim(), in_database.ok().trim());
    assert!(verified.stdout.starts_with("all "), "{}", verified.stdout);

    let text = std::fs::read_to_string(&file).unwrap();
    let e2_seq = text.lines().position(|l| l.contains("\"e2\"")).unwrap() + 1;
    std::fs::write(&file, text.replace("\"e2\"", "\"mallory\"")).unwrap();
    let tampered = app.cli(&["audit", "verify", "--file", path]).await;
    assert!(!tampered.success);
    let expected = format!("broken at event {e2_seq}");
    assert!(tampered.stderr.contains(&expected), "{}", tampered.stderr);
}

#[tokio::test]
async fn an_export_with_a_missing_line_does_not_verify() {
    let app = spawn_app().await;
    for name in ["f1", "f2"] {
        app.cli(&["user", "add", name]).await.ok();
    }
    let file = app.dir.path().join("audit.jsonl");
    let path = file.to_str().unwrap();
    app.cli(&["audit", "export", "--file", path]).await.ok();

    let text = std::fs::read_to_string(&file).unwrap();
    let kept: Vec<&str> = text
        .lines()
        .enumerate()
        .filter(|(i, _)| *i != 1)
        .map(|(_, l)| l)
        .collect();
    std::fs::write(&file, kept.join("\n")).unwrap();

    let out = app.cli(&["audit", "verify", "--file", path]).await;
    assert!(!out.success);
    assert!(out.stderr.contains("event 2 is missing"), "{}", out.stderr);
}
