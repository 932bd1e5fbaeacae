//! The admin API while the database is away: a token that cannot be checked is not a bad token. The
//! caller is told to come back (503 with `Retry-After`), as every other endpoint tells it.

use reqwest::Method;
use tapid::directory::Role;

use crate::helpers::spawn_app;

#[tokio::test]
async fn a_database_outage_during_token_verification_is_503_with_retry_after_not_invalid_token() {
    let app = spawn_app().await;
    let token = app.api_token("svc", Role::Admin).await;
    let before = app
        .api(Method::GET, "/api/v1/users", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(before.status(), 200);

    app.db.close().await;
    let during = app
        .api(Method::GET, "/api/v1/users", &token)
        .send()
        .await
        .unwrap();

    assert_eq!(during.status(), 503);
    assert_eq!(during.headers()["retry-after"], "5");
    assert!(during.headers().get("www-authenticate").is_none());
    let body: serde_json::Value = during.json().await.unwrap();
    assert_eq!(body["error"], "unavailable");
}
