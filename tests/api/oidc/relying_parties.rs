//! What relying-party libraries trip on (found by the interop suite): each answer here is what the
//! specifications say and what those libraries need.

use serde_json::Value;

use crate::helpers::oidc::{pkce_pair, query_of};
use crate::helpers::signin::location;
use crate::helpers::spawn_app;

#[tokio::test]
async fn discovery_advertises_only_what_tapid_does_and_rfc_8414_metadata_is_served() {
    let app = spawn_app().await;

    let oidc: Value = app
        .get("/.well-known/openid-configuration")
        .await
        .json()
        .await
        .unwrap();
    let oauth = app.get("/.well-known/oauth-authorization-server").await;

    assert!(
        oidc.get("userinfo_signing_alg_values_supported").is_none(),
        "userinfo is never a JWT"
    );
    assert_eq!(
        oidc["response_modes_supported"],
        serde_json::json!(["query", "form_post"])
    );
    for key in [
        "backchannel_logout_supported",
        "backchannel_logout_session_supported",
        "frontchannel_logout_supported",
        "frontchannel_logout_session_supported",
    ] {
        assert_eq!(oidc[key], true, "{key}");
    }
    assert_eq!(oauth.status(), 200);
    let oauth: Value = oauth.json().await.unwrap();
    assert_eq!(
        oauth["issuer"], app.issuer,
        "RFC 8414 §3.3: the same issuer"
    );
    assert_eq!(oauth["token_endpoint"], oidc["token_endpoint"]);
}

#[tokio::test]
async fn userinfo_without_any_token_challenges_without_an_error_code() {
    let app = spawn_app().await;

    let bare = app.get("/userinfo").await;
    let bad = app
        .client
        .get(app.url("/userinfo"))
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();

    assert_eq!(bare.status(), 401);
    assert_eq!(
        bare.headers()["www-authenticate"],
        "Bearer realm=\"tapid\"",
        "RFC 6750 §3.1"
    );
    assert_eq!(bad.status(), 401);
    let challenge = bad.headers()["www-authenticate"].to_str().unwrap();
    assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
}

#[tokio::test]
async fn an_okp_key_never_comes_first_in_the_jwk_set() {
    let app = spawn_app().await;
    // Rotation makes fresh keys of every algorithm; the newest would otherwise come first.
    for _ in 0..2 {
        app.cli(&["keys", "rotate"]).await.ok();
        let jwks: Value = app.get("/jwks").await.json().await.unwrap();
        let kinds: Vec<&str> = jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kty"].as_str().unwrap())
            .collect();
        assert!(kinds.contains(&"OKP"), "{kinds:?}");
        let first_okp = kinds.iter().position(|k| *k == "OKP").unwrap();
        assert!(
            kinds[first_okp..].iter().all(|k| *k == "OKP"),
            "OKP keys last: {kinds:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    }
}

#[tokio::test]
async fn a_public_client_may_send_basic_credentials_with_an_empty_password() {
    let app = spawn_app().await;
    let public = app
        .add_client(
            "cli-app",
            &["--public", "--redirect-uri", "http://127.0.0.1:9/cb"],
        )
        .await;
    let confidential = app.web_client("webapp").await;
    let totp = app.arrange_user_with_totp("alice").await;
    let authorized = app.authorize_with_totp(&public, "alice", &totp, &[]).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", authorized.code.as_str()),
        ("redirect_uri", "http://127.0.0.1:9/cb"),
        ("code_verifier", authorized.verifier.as_str()),
    ];

    // `Basic base64("cli-app:")`, as Go's x/oauth2 sends it.
    let public_answer = app
        .post_client_form("/token", &form, Some(("cli-app", "")))
        .await;
    let confidential_answer = app
        .post_client_form(
            "/token",
            &[("grant_type", "client_credentials")],
            Some((confidential.id.as_str(), "")),
        )
        .await;

    assert_eq!(
        public_answer.status(),
        200,
        "{}",
        public_answer.text().await.unwrap()
    );
    assert_eq!(
        confidential_answer.status(),
        401,
        "a confidential client still needs its secret"
    );
}

#[tokio::test]
async fn response_mode_form_post_answers_with_a_self_submitting_form_to_the_redirect_uri() {
    let app = spawn_app().await;
    let rp = app.web_client("webapp").await;
    let totp = app.arrange_user_with_totp("alice").await;
    app.authorize_with_totp(&rp, "alice", &totp, &[]).await;
    let (_, challenge) = pkce_pair();

    let answer = app
        .authorize(&[
            ("response_type", "code"),
            ("response_mode", "form_post"),
            ("client_id", "webapp"),
            ("redirect_uri", "https://rp.example.com/cb"),
            ("scope", "openid"),
            ("state", "st-fp"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ])
        .await;

    assert_eq!(answer.status(), 200);
    let csp = answer.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("form-action https://rp.example.com"), "{csp}");
    assert!(
        csp.contains("script-src 'sha256-"),
        "only the submitting script: {csp}"
    );
    assert_eq!(answer.headers()["cache-control"], "no-store");
    let html = answer.text().await.unwrap();
    let doc = scraper::Html::parse_document(&html);
    let form = doc
        .select(&scraper::Selector::parse("form").unwrap())
        .next()
        .unwrap();
    assert_eq!(form.value().attr("method"), Some("post"));
    assert_eq!(
        form.value().attr("action"),
        Some("https://rp.example.com/cb")
    );
    let fields: std::collections::HashMap<String, String> = doc
        .select(&scraper::Selector::parse("input[type=hidden]").unwrap())
        .map(|i| {
            (
                i.value().attr("name").unwrap().into(),
                i.value().attr("value").unwrap().into(),
            )
        })
        .collect();
    assert!(
        fields.get("code").is_some_and(|c| !c.is_empty()),
        "{fields:?}"
    );
    assert_eq!(fields["state"], "st-fp");
    assert_eq!(fields["iss"], app.issuer);
}

#[tokio::test]
async fn errors_for_a_form_post_request_are_posted_too_and_unknown_modes_are_refused() {
    let app = spawn_app().await;
    app.web_client("webapp").await;
    let (_, challenge) = pkce_pair();
    let base = [
        ("response_type", "code"),
        ("client_id", "webapp"),
        ("redirect_uri", "https://rp.example.com/cb"),
        ("state", "st-x"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];

    let mut no_openid = base.to_vec();
    no_openid.extend([("response_mode", "form_post"), ("scope", "profile")]);
    let posted = app.authorize(&no_openid).await;
    let mut fragment = base.to_vec();
    fragment.extend([("response_mode", "fragment"), ("scope", "openid")]);
    let refused = app.authorize(&fragment).await;

    assert_eq!(posted.status(), 200);
    let html = posted.text().await.unwrap();
    assert!(
        html.contains("name=\"error\" value=\"invalid_scope\""),
        "{html}"
    );
    assert_eq!(refused.status(), 303);
    assert_eq!(query_of(&location(&refused))["error"], "invalid_request");
}

#[tokio::test]
async fn email_verified_is_what_an_administrator_said_and_a_new_address_is_unverified() {
    let app = spawn_app().await;
    let rp = app.web_client("webapp").await;
    let totp = app.arrange_user_with_totp("alice").await;
    app.cli(&[
        "user",
        "update",
        "alice",
        "--email",
        "alice@example.com",
        "--email-verified",
    ])
    .await
    .ok();

    let (id_token, userinfo) = email_claims(&app, &rp, &totp).await;
    assert_eq!(id_token["email_verified"], true);
    assert_eq!(userinfo["email_verified"], true);

    app.cli(&[
        "user",
        "update",
        "alice",
        "--email",
        "alice@elsewhere.example",
    ])
    .await
    .ok();
    let (id_token, userinfo) = email_claims(&app, &rp, &totp).await;
    assert_eq!(id_token["email"], "alice@elsewhere.example");
    assert_eq!(
        id_token["email_verified"], false,
        "nobody checked the new address"
    );
    assert_eq!(userinfo["email_verified"], false);
}

#[tokio::test]
async fn a_resource_server_introspects_the_tokens_issued_for_it_and_nothing_else() {
    let app = spawn_app().await;
    let orders = app
        .add_client(
            "urn:example:orders",
            &["--grant", "client_credentials", "--introspection"],
        )
        .await;
    let other = app
        .add_client("reports", &["--grant", "client_credentials"])
        .await;
    let caller = app
        .add_client("shop-backend", &["--grant", "client_credentials"])
        .await;
    let token_for = |resource: Option<&'static str>| {
        let app = &app;
        let caller = &caller;
        async move {
            let mut form = vec![("grant_type", "client_credentials")];
            if let Some(r) = resource {
                form.push(("resource", r));
            }
            app.post_client_form(
                "/token",
                &form,
                Some((&caller.id, caller.secret.as_deref().unwrap())),
            )
            .await
        }
    };
    let introspect = |who: &crate::helpers::oidc::RegisteredClient, token: String| {
        let app = &app;
        let who = who.clone();
        // RFC 6749 §2.3.1: the id is form-encoded in Basic credentials (a URN has colons).
        let encoded: String = url::form_urlencoded::byte_serialize(who.id.as_bytes()).collect();
        async move {
            let body: Value = app
                .post_client_form(
                    "/introspect",
                    &[("token", &token)],
                    Some((&encoded, who.secret.as_deref().unwrap())),
                )
                .await
                .json()
                .await
                .unwrap();
            body
        }
    };

    let for_orders: Value = token_for(Some("urn:example:orders"))
        .await
        .json()
        .await
        .unwrap();
    let for_orders = for_orders["access_token"].as_str().unwrap().to_string();
    let for_itself: Value = token_for(None).await.json().await.unwrap();
    let for_itself = for_itself["access_token"].as_str().unwrap().to_string();
    let not_a_server = token_for(Some("reports")).await;

    assert_eq!(
        crate::helpers::oidc::jwt_claims(&for_orders)["aud"],
        "urn:example:orders"
    );
    let seen = introspect(&orders, for_orders.clone()).await;
    assert_eq!(seen["active"], true, "{seen}");
    assert_eq!(seen["aud"], "urn:example:orders");
    assert_eq!(seen["client_id"], "shop-backend");
    assert_eq!(
        introspect(&orders, for_itself).await["active"],
        false,
        "not its audience"
    );
    assert_eq!(
        introspect(&other, for_orders).await["active"],
        false,
        "not a resource server"
    );
    assert_eq!(not_a_server.status(), 400);
    let error: Value = not_a_server.json().await.unwrap();
    assert_eq!(error["error"], "invalid_target");
}

/// The ID token's and userinfo's claims of a sign-in with the `email` scope.
async fn email_claims(
    app: &crate::helpers::TestApp,
    rp: &crate::helpers::oidc::RegisteredClient,
    totp: &crate::helpers::signin::TotpSecret,
) -> (Value, Value) {
    let authorized = app
        .authorize_with_totp(rp, "alice", totp, &[("scope", "openid email")])
        .await;
    let tokens: Value = app
        .redeem(rp, &authorized.code, Some(&authorized.verifier))
        .await
        .json()
        .await
        .unwrap();
    let userinfo: Value = app
        .client
        .get(app.url("/userinfo"))
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (
        crate::helpers::oidc::jwt_claims(tokens["id_token"].as_str().unwrap()),
        userinfo,
    )
}
