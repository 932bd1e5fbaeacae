//! Tokens and their audiences: an application's access token is for that application (`aud` = its
//! client id) and never opens tapid's admin API, which accepts only tokens issued for it (`aud` =
//! `<issuer>/api`, scope `tapid:admin`, from a client registered for that scope).

use reqwest::Method;
use serde_json::Value;
use tapid::directory::Role;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;

use crate::helpers::oidc::{RegisteredClient, jwt_claims, pkce_pair, query_of};
use crate::helpers::signin::location;
use crate::helpers::{TestApp, spawn_app};

const CB: &str = "https://rp.example.com/cb";

/// An administrator with a passkey (and an authenticator app), signed out.
async fn admin_with_passkey(app: &TestApp, name: &str) -> SoftPasskey {
    app.add_user(name, &[Role::Admin], &[]).await;
    let mut authenticator = SoftPasskey::new(true);
    app.arrange_user_with_passkey(name, &mut authenticator)
        .await;
    authenticator
}

/// The tokens `client` gets when `name` signs in with a passkey (`acr` phr) asking for `scope`.
async fn phr_tokens(
    app: &TestApp,
    client: &RegisteredClient,
    name: &str,
    authenticator: &mut SoftPasskey,
    scope: &str,
) -> Value {
    let (verifier, challenge) = pkce_pair();
    let start = app
        .authorize(&[
            ("response_type", "code"),
            ("client_id", &client.id),
            ("redirect_uri", CB),
            ("scope", scope),
            ("acr_values", "phr"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ])
        .await;
    let login = location(&start);
    let back = app
        .sign_in_with_passkey_from(&login, name, authenticator)
        .await;
    let to = location(&app.get(&back).await);
    let response = app
        .redeem(client, &query_of(&to)["code"], Some(&verifier))
        .await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn api_status(app: &TestApp, token: &str) -> u16 {
    app.call(Method::GET, "/api/v1/users", token, None)
        .await
        .status
        .as_u16()
}

async fn userinfo_status(app: &TestApp, token: &str) -> u16 {
    app.client
        .get(app.url("/userinfo"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn an_applications_access_token_for_an_admin_does_not_open_the_admin_api() {
    let app = spawn_app().await;
    let mut authenticator = admin_with_passkey(&app, "ann").await;
    let rp = app.web_client("webapp").await;

    // The application even asks for the admin scope; it is not registered for it.
    let tokens = phr_tokens(&app, &rp, "ann", &mut authenticator, "openid tapid:admin").await;
    let access = tokens["access_token"].as_str().unwrap();

    let claims = jwt_claims(access);
    assert_eq!(claims["acr"], "phr");
    assert_eq!(claims["aud"], "webapp");
    assert_eq!(claims["scope"], "openid");
    assert_eq!(api_status(&app, access).await, 401);
    let answer = app.call(Method::GET, "/api/v1/users", access, None).await;
    assert!(
        answer.headers["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("invalid_token")
    );
    assert_eq!(userinfo_status(&app, access).await, 200);
}

#[tokio::test]
async fn an_admin_api_token_opens_the_api_and_nothing_meant_for_applications() {
    let app = spawn_app().await;
    let mut authenticator = admin_with_passkey(&app, "ann").await;
    let console = app
        .add_client(
            "ops-console",
            &["--redirect-uri", CB, "--scope", "openid tapid:admin"],
        )
        .await;

    let tokens = phr_tokens(
        &app,
        &console,
        "ann",
        &mut authenticator,
        "openid tapid:admin",
    )
    .await;
    let access = tokens["access_token"].as_str().unwrap();

    let claims = jwt_claims(access);
    assert_eq!(claims["aud"], format!("{}/api", app.issuer));
    assert_eq!(api_status(&app, access).await, 200);
    // The API's token is not the application's: userinfo refuses it.
    assert_eq!(userinfo_status(&app, access).await, 401);
    // The ID token stays the client's.
    assert_eq!(
        jwt_claims(tokens["id_token"].as_str().unwrap())["aud"],
        "ops-console"
    );
}

#[tokio::test]
async fn a_client_with_a_role_but_without_the_admin_scope_gets_no_api_access() {
    let app = spawn_app().await;
    let robot = app
        .add_client(
            "robot",
            &["--grant", "client_credentials", "--role", "admin"],
        )
        .await;

    let token = app.client_credentials_token(&robot).await;
    let asked = app
        .post_client_form(
            "/token",
            &[
                ("grant_type", "client_credentials"),
                ("scope", "tapid:admin"),
            ],
            Some(("robot", robot.secret.as_deref().unwrap())),
        )
        .await;

    assert_eq!(jwt_claims(&token)["aud"], "robot");
    assert_eq!(api_status(&app, &token).await, 401);
    assert_eq!(asked.status(), 400);
    let body: Value = asked.json().await.unwrap();
    assert_eq!(body["error"], "invalid_scope");
}

#[tokio::test]
async fn removing_the_admin_scope_from_a_client_ends_its_live_api_tokens() {
    let app = spawn_app().await;
    let token = app.api_token("ops", Role::Admin).await;
    assert_eq!(api_status(&app, &token).await, 200);

    app.cli(&["client", "update", "ops", "--scope", "profile"])
        .await
        .ok();

    assert_eq!(api_status(&app, &token).await, 401);
}

#[tokio::test]
async fn only_a_token_for_the_api_audience_with_the_admin_scope_opens_the_api() {
    let app = spawn_app().await;
    let ann = app.add_user("ann", &[Role::Admin], &[]).await;

    // Whatever the scope says, only `aud` = the API and scope `tapid:admin` together open it.
    let application = app.user_access_token(&ann, "phr", "openid profile").await;
    let api = app.user_api_token(&ann, "phr").await;

    assert_eq!(jwt_claims(&application)["aud"], "rp");
    assert_eq!(api_status(&app, &application).await, 401);
    assert_eq!(api_status(&app, &api).await, 200);
    assert_eq!(userinfo_status(&app, &api).await, 401);
    assert_eq!(userinfo_status(&app, &application).await, 200);
}

#[tokio::test]
async fn a_resource_tapid_does_not_serve_is_an_invalid_target() {
    let app = spawn_app().await;
    let service = app.service_client("svc", "tapid:admin").await;
    let plain = app
        .add_client(
            "plain",
            &["--grant", "client_credentials", "--scope", "email"],
        )
        .await;
    let api = format!("{}/api", app.issuer);
    let ask = |client: &RegisteredClient, resource: String| {
        let client = client.clone();
        let app = &app;
        async move {
            let response = app
                .post_client_form(
                    "/token",
                    &[
                        ("grant_type", "client_credentials"),
                        ("resource", &resource),
                    ],
                    Some((&client.id, client.secret.as_deref().unwrap())),
                )
                .await;
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap();
            (status, body)
        }
    };

    let (elsewhere, elsewhere_body) = ask(&service, "https://other.example.com/".into()).await;
    let (unscoped, unscoped_body) = ask(&plain, api.clone()).await;
    let (granted, granted_body) = ask(&service, api.clone()).await;

    assert_eq!(elsewhere, 400);
    assert_eq!(elsewhere_body["error"], "invalid_target");
    assert_eq!(unscoped, 400);
    assert_eq!(unscoped_body["error"], "invalid_target");
    assert_eq!(granted, 200, "{granted_body}");
    let token = granted_body["access_token"].as_str().unwrap();
    assert_eq!(jwt_claims(token)["aud"], api);
}

#[tokio::test]
async fn introspection_states_each_tokens_own_audience() {
    let app = spawn_app().await;
    let service = app.service_client("svc", "tapid:admin").await;
    let plain = app
        .add_client(
            "plain",
            &["--grant", "client_credentials", "--scope", "email"],
        )
        .await;

    let mut answers = Vec::new();
    for client in [&service, &plain] {
        let token = app.client_credentials_token(client).await;
        let answer: Value = app
            .post_client_form(
                "/introspect",
                &[("token", &token)],
                Some((&client.id, client.secret.as_deref().unwrap())),
            )
            .await
            .json()
            .await
            .unwrap();
        answers.push(answer);
    }

    assert_eq!(answers[0]["active"], true);
    assert_eq!(answers[0]["aud"], format!("{}/api", app.issuer));
    assert_eq!(answers[1]["active"], true);
    assert_eq!(answers[1]["aud"], "plain");
}
