//! The passcode is never stored or logged in clear: after a pass's whole life, no text column of
//! any table and no captured log line contains it in any form.

use std::io::Write;
use std::sync::{Arc, Mutex};

use tapid::db::Db;
use tapid::tap::{Authority, IssueRequest};

use crate::helpers::{is_postgres, spawn_app};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Every value of every column of every table, as text.
async fn every_stored_text(db: &Db) -> Vec<String> {
    let tables: Vec<(String,)> = if is_postgres() {
        sqlx::query_as(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public'",
        )
        .fetch_all(db.pool())
        .await
        .unwrap()
    } else {
        sqlx::query_as("SELECT name FROM sqlite_master WHERE type = 'table'")
            .fetch_all(db.pool())
            .await
            .unwrap()
    };
    assert!(tables.iter().any(|(t,)| t == "passes"));
    let mut values = Vec::new();
    // sqlx's own bookkeeping holds migration checksums (binary), nothing tapid wrote.
    for (table,) in tables.into_iter().filter(|(t,)| !t.starts_with("_sqlx")) {
        let columns: Vec<(String,)> = if is_postgres() {
            sqlx::query_as(
                "SELECT column_name::text FROM information_schema.columns \
                 WHERE table_schema = 'public' AND table_name = $1",
            )
            .bind(&table)
            .fetch_all(db.pool())
            .await
            .unwrap()
        } else {
            sqlx::query_as("SELECT name FROM pragma_table_info($1)")
                .bind(&table)
                .fetch_all(db.pool())
                .await
                .unwrap()
        };
        for (column,) in columns {
            let rows: Vec<(Option<String>,)> =
                sqlx::query_as(&format!("SELECT CAST({column} AS TEXT) FROM {table}"))
                    .fetch_all(db.pool())
                    .await
                    .unwrap();
            values.extend(rows.into_iter().filter_map(|(v,)| v));
        }
    }
    values
}

#[tokio::test]
async fn the_passcode_is_never_stored_or_logged_in_clear() {
    let logs = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(logs.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let app = spawn_app().await;
    let alice = app.add_user("alice", &[], &[]).await;
    let issued = app
        .issue_pass(
            "alice",
            IssueRequest {
                one_time: Some(true),
                ..Default::default()
            },
        )
        .await;

    let code = issued.passcode.expose().to_string();
    let _ = app.check_pass("alice", &code.to_lowercase()[..6]).await;
    app.check_pass("alice", &issued.passcode.grouped())
        .await
        .unwrap();
    let _ = app.check_pass("alice", &code).await;
    app.pass_state("alice").await;
    app.get("/healthz").await;
    tapid::tap::revoke(&app.db, &Authority::Operator, &alice, None)
        .await
        .unwrap();

    let forms = [
        code.clone(),
        code.to_lowercase(),
        issued.passcode.grouped(),
        issued.passcode.grouped().to_lowercase(),
    ];
    let stored = every_stored_text(&app.db).await;
    assert!(
        stored.iter().any(|v| v.starts_with("$argon2id$")),
        "the hash is stored"
    );
    for value in &stored {
        for form in &forms {
            assert!(!value.contains(form.as_str()), "stored in clear: {value}");
        }
    }
    let logged = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(!logged.is_empty(), "logs were captured");
    for form in &forms {
        assert!(!logged.contains(form.as_str()), "logged in clear");
    }
}
