//! Two instances on one database: a flow begun on one finishes on the other.

use std::net::SocketAddr;

use serde_json::Value;
use tokio::net::TcpListener;

use crate::helpers::spawn_app;

/// Serves the same database and configuration on another port; returns its address.
async fn second_instance(app: &crate::helpers::TestApp) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = tapid::AppState::new(
        app.db.clone(),
        app.config.clone(),
        tapid::secrets::Sealer::from_config(&app.config).unwrap(),
    );
    let router = tapid::app(state);
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    addr
}

#[tokio::test]
async fn a_code_from_one_instance_is_redeemed_and_verified_on_another() {
    let app = spawn_app().await;
    let rp = app.web_client("webapp").await;
    let totp = app.arrange_user_with_totp("alice").await;
    let authorized = app.authorize_with_totp(&rp, "alice", &totp, &[]).await;
    let other = second_instance(&app).await;
    let to_other = |path: &str| format!("http://127.0.0.1:{}{path}", other.port());
    let http = reqwest::Client::new();

    let tokens: Value = http
        .post(to_other("/token"))
        .basic_auth(&rp.id, rp.secret.as_deref())
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &authorized.code),
            ("redirect_uri", "https://rp.example.com/cb"),
            ("code_verifier", &authorized.verifier),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let access = tokens["access_token"]
        .as_str()
        .expect("tokens from the other instance");

    // The first instance accepts what the second signed; both publish the same keys.
    let userinfo = app
        .client
        .get(app.url("/userinfo"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(userinfo.status(), 200);
    let here: Value = app.get("/jwks").await.json().await.unwrap();
    let there: Value = http
        .get(to_other("/jwks"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(here, there);
    // And a replay on the first instance is caught.
    let replay = app
        .redeem(&rp, &authorized.code, Some(&authorized.verifier))
        .await;
    assert_eq!(replay.status(), 400);
}
