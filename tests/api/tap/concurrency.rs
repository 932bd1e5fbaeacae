//! A one-time pass under many simultaneous sign-ins: exactly one succeeds, also across two instances
//! (two connection pools) on one database.

use tapid::db::Db;
use tapid::tap::IssueRequest;

use crate::helpers::spawn_app;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_one_time_pass_signs_in_exactly_once_under_concurrent_attempts() {
    let app = spawn_app().await;
    app.add_user("alice", &[], &[]).await;
    let issued = app
        .issue_pass(
            "alice",
            IssueRequest {
                one_time: Some(true),
                ..Default::default()
            },
        )
        .await;
    let second_instance = Db::open(&app.database_url).await.unwrap();
    let code = issued.passcode.grouped();

    let attempts: Vec<_> = (0..16)
        .map(|i| {
            let db = if i % 2 == 0 {
                app.db.clone()
            } else {
                second_instance.clone()
            };
            let code = code.clone();
            tokio::spawn(async move {
                tapid::tap::check_passcode(&db, "alice", &code, Some(format!("192.0.2.{i}"))).await
            })
        })
        .collect();
    let mut successes = 0;
    for attempt in attempts {
        match attempt.await.unwrap() {
            Ok(_) => successes += 1,
            // The losers typed the right passcode: they may be told the pass is taken.
            Err(tapid::tap::TapRefused::Refused | tapid::tap::TapRefused::Told(_)) => {}
            Err(e) => panic!("an attempt failed instead of being refused: {e}"),
        }
    }

    assert_eq!(successes, 1);
    assert_eq!(app.events("tap.used").await.len(), 1);
    assert_eq!(app.events("tap.failed").await.len(), 15);
    second_instance.close().await;
}
