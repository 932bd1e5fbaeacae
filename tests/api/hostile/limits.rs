use crate::helpers::spawn_app;

#[tokio::test]
async fn an_oversized_body_is_refused_with_413() {
    let app = spawn_app().await;

    let response = app
        .client
        .post(app.url("/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "grant_type=client_credentials&scope={}",
            "a".repeat(200 * 1024)
        ))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 413);
}

#[tokio::test]
async fn an_overlong_request_target_is_refused_with_414() {
    let app = spawn_app().await;

    let response = app
        .get(&format!("/authorize?state={}", "a".repeat(9 * 1024)))
        .await;

    assert_eq!(response.status(), 414);
}

#[tokio::test]
async fn an_oversized_header_block_is_refused_with_431() {
    let app = spawn_app().await;

    let response = app
        .client
        .get(app.url("/healthz"))
        .header("x-padding", "a".repeat(20 * 1024))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 431);
}
