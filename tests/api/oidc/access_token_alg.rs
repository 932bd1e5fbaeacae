//! A client's access tokens are signed with its `access_token_alg` (RS256 by default, ES256 or EdDSA),
//! and every place tapid checks an access token takes the key by `kid` and the algorithm from that
//! key, whatever it is.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::Method;
use serde_json::Value;
use tapid::directory::Role;

use crate::helpers::oidc::{RegisteredClient, jwt_header};
use crate::helpers::{TestApp, spawn_app};

/// A service client with the helpdesk role and this access-token algorithm (none: the default).
async fn service_client(app: &TestApp, id: &str, alg: Option<&str>) -> RegisteredClient {
    let mut args = vec![
        "--grant",
        "client_credentials",
        "--scope",
        "tapid:admin",
        "--role",
        "helpdesk",
    ];
    if let Some(alg) = alg {
        args.extend(["--access-token-alg", alg]);
    }
    app.add_client(id, &args).await
}

/// Verifies `token` against the key `/jwks` publishes under its `kid`, with `alg` only.
async fn verify_with_jwks(app: &TestApp, token: &str, alg: Algorithm) -> Value {
    let jwks: JwkSet = app.get("/jwks").await.json().await.unwrap();
    let kid = jwt_header(token)["kid"].as_str().unwrap().to_string();
    let jwk = jwks.find(&kid).expect("the kid is published");
    let key = DecodingKey::from_jwk(jwk).unwrap();
    let mut validation = Validation::new(alg);
    validation.set_issuer(&[&app.issuer]);
    validation.set_audience(&[format!("{}/api", app.issuer)]);
    jsonwebtoken::decode::<Value>(token, &key, &validation)
        .expect("the signature verifies against /jwks")
        .claims
}

async fn introspect(app: &TestApp, client: &RegisteredClient, token: &str) -> Value {
    app.post_client_form(
        "/introspect",
        &[("token", token)],
        Some((&client.id, client.secret.as_deref().unwrap())),
    )
    .await
    .json()
    .await
    .unwrap()
}

/// The status of an admin API call made with `token`.
async fn admin_api_status(app: &TestApp, token: &str) -> u16 {
    app.call(Method::GET, "/api/v1/users", token, None)
        .await
        .status
        .as_u16()
}

async fn client_credentials_token_is_signed_with(name: &str, alg: Algorithm) {
    let app = spawn_app().await;
    let service = service_client(&app, "svc", Some(name)).await;

    let token = app.client_credentials_token(&service).await;

    let header = jwt_header(&token);
    assert_eq!(header["alg"], name);
    assert_eq!(header["typ"], "at+jwt");
    let claims = verify_with_jwks(&app, &token, alg).await;
    assert_eq!(claims["client_id"], "svc");
    assert_eq!(introspect(&app, &service, &token).await["active"], true);
    assert_eq!(admin_api_status(&app, &token).await, 200);

    let revoked = app
        .post_client_form(
            "/revoke",
            &[("token", &token)],
            Some((&service.id, service.secret.as_deref().unwrap())),
        )
        .await;
    assert_eq!(revoked.status(), 200);
    assert_eq!(introspect(&app, &service, &token).await["active"], false);
    assert_eq!(admin_api_status(&app, &token).await, 401);
}

#[tokio::test]
async fn an_es256_client_gets_es256_access_tokens_that_verify_against_the_jwks_and_work_everywhere()
{
    client_credentials_token_is_signed_with("ES256", Algorithm::ES256).await;
}

#[tokio::test]
async fn an_eddsa_client_gets_eddsa_access_tokens_that_verify_against_the_jwks_and_work_everywhere()
{
    client_credentials_token_is_signed_with("EdDSA", Algorithm::EdDSA).await;
}

#[tokio::test]
async fn access_tokens_are_rs256_by_default_and_a_change_applies_from_the_next_token() {
    let app = spawn_app().await;
    let service = service_client(&app, "svc", None).await;
    let before = app.client_credentials_token(&service).await;

    let updated = app
        .cli(&[
            "client",
            "update",
            "svc",
            "--access-token-alg",
            "ES256",
            "--json",
        ])
        .await
        .json();
    let after = app.client_credentials_token(&service).await;

    assert_eq!(jwt_header(&before)["alg"], "RS256");
    assert_eq!(updated["access_token_alg"], "ES256");
    assert_eq!(jwt_header(&after)["alg"], "ES256");
    for token in [&before, &after] {
        assert_eq!(introspect(&app, &service, token).await["active"], true);
        assert_eq!(admin_api_status(&app, token).await, 200);
    }
    let event = &app.events("client.updated").await[0];
    assert!(event.details.contains(r#""access_token_alg":"ES256""#));
}

#[tokio::test]
async fn a_token_signed_by_a_retired_but_published_key_keeps_working() {
    let app = spawn_app().await;
    let service = service_client(&app, "svc", Some("ES256")).await;
    let old = app.client_credentials_token(&service).await;

    app.cli(&["keys", "rotate"]).await.ok();

    let keys = app.cli(&["keys", "list", "--json"]).await.json();
    let old_key = keys
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == jwt_header(&old)["kid"])
        .expect("the old key is still published");
    assert_eq!(old_key["active"], false, "and retired");
    verify_with_jwks(&app, &old, Algorithm::ES256).await;
    assert_eq!(introspect(&app, &service, &old).await["active"], true);
    assert_eq!(admin_api_status(&app, &old).await, 200);
}

/// `token` with its header's `alg` replaced (the signature left as it was).
fn with_header_alg(token: &str, alg: &str) -> String {
    let mut header = jwt_header(token);
    header["alg"] = alg.into();
    let rest = token.split_once('.').unwrap().1;
    format!(
        "{}.{rest}",
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header).unwrap())
    )
}

#[tokio::test]
async fn a_token_whose_header_names_another_algorithm_than_its_key_is_refused() {
    let app = spawn_app().await;
    let service = service_client(&app, "svc", Some("ES256")).await;
    let token = app.client_credentials_token(&service).await;

    for alg in ["RS256", "EdDSA", "HS256", "none"] {
        let forged = with_header_alg(&token, alg);

        assert_eq!(admin_api_status(&app, &forged).await, 401, "{alg}");
        assert_eq!(
            introspect(&app, &service, &forged).await["active"],
            false,
            "{alg}"
        );
    }
    assert_eq!(admin_api_status(&app, &token).await, 200);
}

#[tokio::test]
async fn a_persons_eddsa_access_token_works_at_the_admin_api() {
    let app = spawn_app().await;
    app.add_client(
        "rp",
        &[
            "--redirect-uri",
            "https://rp.example.com/cb",
            "--scope",
            "openid tapid:admin",
            "--access-token-alg",
            "EdDSA",
        ],
    )
    .await;
    let root = app.add_user("root", &[Role::Admin], &[]).await;

    let token = app.user_api_token(&root, "phr").await;

    assert_eq!(jwt_header(&token)["alg"], "EdDSA");
    verify_with_jwks(&app, &token, Algorithm::EdDSA).await;
    assert_eq!(admin_api_status(&app, &token).await, 200);
}

#[tokio::test]
async fn the_cli_shows_the_access_token_alg_and_refuses_an_unknown_one() {
    let app = spawn_app().await;
    service_client(&app, "svc", Some("EdDSA")).await;

    let shown = app.cli(&["client", "show", "svc"]).await;
    let listed = app.cli(&["client", "list"]).await;
    let listed_json = app.cli(&["client", "list", "--json"]).await.json();
    let bad_add = app
        .cli(&[
            "client",
            "add",
            "other",
            "--grant",
            "client_credentials",
            "--access-token-alg",
            "HS256",
        ])
        .await;
    let bad_update = app
        .cli(&["client", "update", "svc", "--access-token-alg", "none"])
        .await;

    assert!(shown.ok().contains("access token alg: EdDSA"));
    let line = listed.ok().lines().find(|l| l.starts_with("svc")).unwrap();
    assert!(line.contains("EdDSA"), "{line}");
    assert_eq!(listed_json[0]["access_token_alg"], "EdDSA");
    for refused in [&bad_add, &bad_update] {
        assert!(!refused.success);
        assert_eq!(
            refused.stderr.trim().lines().count(),
            1,
            "{}",
            refused.stderr
        );
        assert!(
            refused.stderr.contains("--access-token-alg"),
            "{}",
            refused.stderr
        );
    }
    assert!(
        tapid::oidc::clients::find(&app.db, "other")
            .await
            .unwrap()
            .is_none()
    );
    let svc = tapid::oidc::clients::get(&app.db, "svc").await.unwrap();
    assert_eq!(svc.access_token_alg.as_str(), "EdDSA");
}
