use serde_json::Value;

use crate::helpers::oidc::{jwt_claims, jwt_header};
use crate::helpers::spawn_app;

#[tokio::test]
async fn client_credentials_issue_an_rfc9068_access_token_for_the_client_itself() {
    let app = spawn_app().await;
    let service = app.service_client("svc", "tapid:admin").await;

    let response = app
        .post_client_form(
            "/token",
            &[
                ("grant_type", "client_credentials"),
                ("scope", "tapid:admin"),
            ],
            Some((&service.id, service.secret.as_deref().unwrap())),
        )
        .await;

    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], "tapid:admin");
    assert!(body.get("id_token").is_none());
    assert!(body.get("refresh_token").is_none());
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(jwt_header(token)["typ"], "at+jwt");
    let claims = jwt_claims(token);
    assert_eq!(claims["sub"], "svc");
    assert_eq!(claims["client_id"], "svc");
    assert_eq!(claims["iss"], app.issuer);
    assert!(claims["jti"].as_str().is_some());
}

#[tokio::test]
async fn client_secret_post_works_as_well_as_basic() {
    let app = spawn_app().await;
    let service = app.service_client("svc", "tapid:admin").await;

    let response = app
        .post_client_form(
            "/token",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", "svc"),
                ("client_secret", service.secret.as_deref().unwrap()),
            ],
            None,
        )
        .await;

    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn verify_access_token_accepts_a_fresh_token_and_refuses_a_revoked_one() {
    let app = spawn_app().await;
    let service = app.service_client("svc", "tapid:admin").await;
    let token = app.client_credentials_token(&service).await;
    let state = tapid::AppState::new(
        app.db.clone(),
        app.config.clone(),
        tapid::secrets::Sealer::from_config(&app.config).unwrap(),
    );
    let claims = tapid::oidc::tokens::verify_access_token(
        &state.oidc,
        &token,
        tapid::oidc::audience::Accept::AdminApi,
    )
    .await
    .unwrap()
    .claims;
    assert_eq!(claims.client_id, "svc");
    assert!(claims.has_scope("tapid:admin"));

    let revoked = app
        .post_client_form(
            "/revoke",
            &[("token", &token)],
            Some((&service.id, service.secret.as_deref().unwrap())),
        )
        .await;

    assert_eq!(revoked.status(), 200);
    assert!(
        tapid::oidc::tokens::verify_access_token(
            &state.oidc,
            &token,
            tapid::oidc::audience::Accept::AdminApi
        )
        .await
        .is_err()
    );
    let info: Value = app
        .post_client_form(
            "/introspect",
            &[("token", &token)],
            Some((&service.id, service.secret.as_deref().unwrap())),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(info, serde_json::json!({"active": false}));
}

#[tokio::test]
async fn a_scope_beyond_what_the_client_may_have_is_invalid_scope() {
    let app = spawn_app().await;
    let service = app.service_client("svc", "tapid:admin").await;

    let response = app
        .post_client_form(
            "/token",
            &[
                ("grant_type", "client_credentials"),
                ("scope", "tapid:admin email"),
            ],
            Some((&service.id, service.secret.as_deref().unwrap())),
        )
        .await;

    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_scope");
}

#[tokio::test]
async fn a_client_not_allowed_the_grant_is_unauthorized_client() {
    let app = spawn_app().await;
    let web = app.web_client("webapp").await;

    let response = app
        .post_client_form(
            "/token",
            &[("grant_type", "client_credentials")],
            Some((&web.id, web.secret.as_deref().unwrap())),
        )
        .await;

    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "unauthorized_client");
}

#[tokio::test]
async fn a_client_token_gets_no_userinfo() {
    let app = spawn_app().await;
    let service = app.service_client("svc", "tapid:admin").await;
    let api_token = app.client_credentials_token(&service).await;
    let own = app.service_client("own", "email").await;
    let token = app.client_credentials_token(&own).await;

    // A token for the admin API is not for userinfo at all.
    let for_the_api = app
        .client
        .get(app.url("/userinfo"))
        .bearer_auth(&api_token)
        .send()
        .await
        .unwrap();
    let response = app
        .client
        .get(app.url("/userinfo"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();

    assert_eq!(for_the_api.status(), 401);
    assert_eq!(response.status(), 403);
    assert!(
        response.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("insufficient_scope")
    );
}

#[tokio::test]
async fn every_successful_grant_is_recorded_in_the_audit_trail() {
    let app = spawn_app().await;
    let service = app.service_client("svc", "tapid:admin").await;

    app.client_credentials_token(&service).await;

    let events = app
        .cli(&["audit", "list", "--json", "--action", "token.issued"])
        .await
        .json();
    let events = events.as_array().unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["details"]["grant_type"], "client_credentials");
    assert_eq!(events[0]["details"]["client_id"], "svc");
}

/// `client_credentials` grants are written by group commit: many requests share one transaction, yet every
/// grant answered 200 has its own token row and `token.issued` event, and the audit chain stays intact —
/// also with two instances (two writers) appending to the same chain at once.
#[tokio::test]
async fn concurrent_grants_on_two_instances_are_each_recorded_and_chained() {
    let app = spawn_app().await;
    let other = app.second_instance().await;
    let service = app.service_client("svc", "tapid:admin").await;
    let secret = service.secret.clone().unwrap();

    let mut grants = tokio::task::JoinSet::new();
    for i in 0..96 {
        let instance = if i % 2 == 0 {
            app.new_browser()
        } else {
            other.new_browser()
        };
        let secret = secret.clone();
        grants.spawn(async move {
            let response = instance
                .post_client_form(
                    "/token",
                    &[("grant_type", "client_credentials")],
                    Some(("svc", &secret)),
                )
                .await;
            assert_eq!(response.status(), 200);
            let body: Value = response.json().await.unwrap();
            jwt_claims(body["access_token"].as_str().unwrap())["jti"]
                .as_str()
                .unwrap()
                .to_string()
        });
    }
    let jtis: Vec<String> = grants.join_all().await;

    for jti in &jtis {
        let row = tapid::db::tokens::find_by_id(app.db.pool(), jti)
            .await
            .unwrap();
        assert!(row.is_some(), "access token {jti} was recorded");
    }
    let all = tapid::db::audit::AuditFilter {
        limit: 100_000,
        ..Default::default()
    };
    let events = tapid::db::audit::list(app.db.pool(), &all).await.unwrap();
    let issued = events.iter().filter(|e| e.action == "token.issued").count();
    assert_eq!(issued, jtis.len());
    assert_eq!(
        tapid::audit::verify(&app.db).await.unwrap(),
        tapid::audit::Verdict::Intact {
            events: events.len() as i64
        }
    );
}
