//! The admin API for passes: bearer tokens from tapid's own `client_credentials` clients, roles
//! enforced with a reason, JSON errors throughout.

use reqwest::StatusCode;
use serde_json::{Value, json};
use tapid::directory::Role;

use crate::helpers::spawn_app;

const PASS: &str = "/api/v1/users/{id}/temporary-access-pass";

fn pass_path(user_id: &str) -> String {
    PASS.replace("{id}", user_id)
}

#[tokio::test]
async fn an_admin_client_issues_reads_and_revokes_a_pass() {
    let app = spawn_app().await;
    let bob = app.add_user("bob", &[], &[]).await;
    let token = app.api_token("ops", Role::Admin).await;

    let issued = app
        .api(reqwest::Method::POST, &pass_path(&bob.id), &token)
        .json(&json!({ "lifetime_minutes": 120, "one_time": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(issued.status(), StatusCode::CREATED);
    assert_eq!(issued.headers()["cache-control"], "no-store");
    let issued: Value = issued.json().await.unwrap();
    let code = issued["passcode"].as_str().unwrap().to_string();
    assert_eq!(issued["one_time"], true);
    assert_eq!(issued["created_by"]["kind"], "client");
    assert_eq!(issued["created_by"]["id"], "ops");

    let shown: Value = app
        .api(reqwest::Method::GET, &pass_path(&bob.id), &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(shown["usable"], true);
    assert_eq!(shown["reason"], "EnabledByPolicy");
    assert!(shown.get("passcode").is_none());
    assert!(!shown.to_string().contains(&code.replace('-', "")));

    let revoked = app
        .api(reqwest::Method::DELETE, &pass_path(&bob.id), &token)
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), StatusCode::OK);
    let revoked: Value = revoked.json().await.unwrap();
    assert_eq!(revoked["revoked"], true);
    assert_eq!(
        app.pass_state("bob").await.reason,
        tapid::tap::Reason::Revoked
    );
    let event = &app.events("tap.revoked").await[0];
    assert_eq!(event.actor_kind, "client");
    assert_eq!(event.address.as_deref(), Some("127.0.0.1"));
}

#[tokio::test]
async fn a_helpdesk_client_is_refused_a_pass_for_an_admin_with_a_reason() {
    let app = spawn_app().await;
    let ann = app.add_user("ann", &[Role::Admin], &[]).await;
    let token = app.api_token("desk", Role::Helpdesk).await;

    let response = app
        .api(reqwest::Method::POST, &pass_path(&ann.id), &token)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "forbidden");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("only for users who hold no role"),
        "{body}"
    );
    assert!(
        app.events("tap.issued").await.len() == 1,
        "only the bootstrap pass"
    );
}

#[tokio::test]
async fn a_client_without_a_role_may_not_touch_passes() {
    let app = spawn_app().await;
    let bob = app.add_user("bob", &[], &[]).await;
    let client = app
        .add_client(
            "norole",
            &["--grant", "client_credentials", "--scope", "tapid:admin"],
        )
        .await;
    let token = app.client_credentials_token(&client).await;

    for method in [
        reqwest::Method::POST,
        reqwest::Method::GET,
        reqwest::Method::DELETE,
    ] {
        let response = app
            .api(method.clone(), &pass_path(&bob.id), &token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{method}");
        let body: Value = response.json().await.unwrap();
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("admin or helpdesk"),
            "{body}"
        );
    }
}

#[tokio::test]
async fn a_missing_or_invalid_bearer_token_is_a_json_401_with_a_challenge() {
    let app = spawn_app().await;
    let bob = app.add_user("bob", &[], &[]).await;

    let missing = app
        .client
        .get(app.url(&pass_path(&bob.id)))
        .send()
        .await
        .unwrap();
    let forged = app
        .api(
            reqwest::Method::GET,
            &pass_path(&bob.id),
            "eyJhbGciOiJub25lIn0.e30.",
        )
        .send()
        .await
        .unwrap();

    for response in [missing, forged] {
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert!(
            response.headers()["www-authenticate"]
                .to_str()
                .unwrap()
                .starts_with("Bearer")
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "unauthenticated");
    }
}

#[tokio::test]
async fn bad_input_is_a_json_error_naming_the_problem() {
    let app = spawn_app().await;
    let bob = app.add_user("bob", &[], &[]).await;
    let token = app.api_token("ops", Role::Admin).await;
    let cases = [
        (
            json!({ "lifetime_minutes": 5 }),
            422,
            "lifetime must be between",
        ),
        (
            json!({ "lifetime_minutes": "long" }),
            422,
            "invalid request body",
        ),
        (json!({ "colour": "blue" }), 422, "unknown field `colour`"),
        (json!({ "start": "tomorrow" }), 422, "invalid request body"),
        (
            json!({ "one_time": false, "length": 4 }),
            422,
            "length must be between",
        ),
    ];

    for (body, status, expected) in cases {
        let response = app
            .api(reqwest::Method::POST, &pass_path(&bob.id), &token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), status, "{body}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"], "invalid_request");
        assert!(
            error["message"].as_str().unwrap().contains(expected),
            "{error}"
        );
    }
    let unknown = app
        .api(reqwest::Method::GET, &pass_path("no-such-user"), &token)
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let no_pass = app
        .api(reqwest::Method::GET, &pass_path(&bob.id), &token)
        .send()
        .await
        .unwrap();
    assert_eq!(no_pass.status(), StatusCode::NOT_FOUND);
    let error: Value = no_pass.json().await.unwrap();
    assert_eq!(error["error"], "not_found");
}

#[tokio::test]
async fn a_pass_issued_through_the_api_signs_in() {
    let app = spawn_app().await;
    let bob = app.add_user("bob", &[], &[]).await;
    let token = app.api_token("desk", Role::Helpdesk).await;

    let issued: Value = app
        .api(reqwest::Method::POST, &pass_path(&bob.id), &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    let code = issued["passcode"].as_str().unwrap();
    assert!(app.check_pass("bob", code).await.is_ok());
}

#[tokio::test]
async fn a_signed_in_admin_acts_with_their_roles_but_never_for_themselves() {
    let app = spawn_app().await;
    let ann = app.add_user("ann", &[Role::Admin], &[]).await;
    let bob = app.add_user("bob", &[], &[]).await;
    let token = app.user_api_token(&ann, "phr").await;

    let for_bob = app
        .api(reqwest::Method::POST, &pass_path(&bob.id), &token)
        .send()
        .await
        .unwrap();
    let for_self = app
        .api(reqwest::Method::POST, &pass_path(&ann.id), &token)
        .send()
        .await
        .unwrap();

    assert_eq!(for_bob.status(), StatusCode::CREATED);
    let issued: Value = for_bob.json().await.unwrap();
    assert_eq!(issued["created_by"]["kind"], "user");
    assert_eq!(issued["created_by"]["name"], "ann");
    assert_eq!(for_self.status(), StatusCode::FORBIDDEN);
    let body: Value = for_self.json().await.unwrap();
    assert!(
        body["message"].as_str().unwrap().contains("for themselves"),
        "{body}"
    );
}

#[tokio::test]
async fn a_person_below_a_phishing_resistant_sign_in_may_not_use_the_api() {
    let app = spawn_app().await;
    let ann = app.add_user("ann", &[Role::Admin], &[]).await;
    let bob = app.add_user("bob", &[], &[]).await;
    let token = app.user_api_token(&ann, "1fa").await;

    let response = app
        .api(reqwest::Method::POST, &pass_path(&bob.id), &token)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("phishing-resistant"),
        "{body}"
    );
}
