//! The passcode is never stored or logged in clear: after a pass's whole life, no text column of
//! any table and no captured log line contains it in any form.

use tapid::tap::{Authority, IssueRequest};

use crate::helpers::logs::Captured;
use crate::helpers::spawn_app;

#[tokio::test]
async fn the_passcode_is_never_stored_or_logged_in_clear() {
    let (logs, _guard) = Captured::install();
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
    let stored = app.every_stored_text().await;
    assert!(
        stored.iter().any(|v| v.starts_with("$argon2id$")),
        "the hash is stored"
    );
    for value in &stored {
        for form in &forms {
            assert!(!value.contains(form.as_str()), "stored in clear: {value}");
        }
    }
    let logged = logs.text();
    assert!(!logged.is_empty(), "logs were captured");
    for form in &forms {
        assert!(!logged.contains(form.as_str()), "logged in clear");
    }
}
