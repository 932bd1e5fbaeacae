//! A client's require-PAR and require-DPoP flags, and its own keys (`private_key_jwt`), on the console's
//! forms (registering and editing) and in the admin API.

use reqwest::Method;
use serde_json::json;
use tapid::directory::Role;

use crate::helpers::admin::text_of;
use crate::helpers::spawn_app;

#[tokio::test]
async fn the_client_page_shows_and_edits_require_par_and_require_dpop() {
    let app = spawn_app().await;
    app.web_client("web").await;
    let root = app.add_user("root", &[Role::Admin], &[]).await;
    let console = app.console_as(&root, "phr").await;
    let (_, page) = console.page("/admin/clients/web").await;
    assert!(
        text_of(&page, "#require-par")
            .unwrap()
            .starts_with("accepted, not required")
    );
    assert!(
        text_of(&page, "#require-dpop")
            .unwrap()
            .starts_with("accepted, not required")
    );
    assert!(!page.contains(r#"aria-describedby="dpop-hint" checked>"#));

    let uris = "https://rp.example.com/cb";
    let edited = console
        .post(
            "/admin/clients/web",
            &[
                ("redirect_uris", uris),
                ("flags", "1"),
                ("require_pushed_authorization_requests", "1"),
                ("dpop_bound_access_tokens", "1"),
            ],
        )
        .await;
    assert_eq!(edited.status(), 303);
    let (_, page) = console.page("/admin/clients/web").await;
    assert!(
        text_of(&page, "#require-par")
            .unwrap()
            .starts_with("required")
    );
    assert!(
        text_of(&page, "#require-dpop")
            .unwrap()
            .starts_with("required")
    );
    assert!(
        page.contains(r#"aria-describedby="dpop-hint" checked>"#),
        "the box shows it"
    );
    let web = tapid::oidc::clients::get(&app.db, "web").await.unwrap();
    assert!(web.require_pushed_authorization_requests && web.dpop_bound_access_tokens);

    // The form's boxes left empty turn both off again.
    let cleared = console
        .post(
            "/admin/clients/web",
            &[("redirect_uris", uris), ("flags", "1")],
        )
        .await;
    assert_eq!(cleared.status(), 303);
    let web = tapid::oidc::clients::get(&app.db, "web").await.unwrap();
    assert!(!web.require_pushed_authorization_requests && !web.dpop_bound_access_tokens);

    // A form without the boxes (`flags` absent) leaves them as they are.
    app.cli(&["client", "update", "web", "--require-dpop"])
        .await
        .ok();
    console
        .post("/admin/clients/web", &[("redirect_uris", uris)])
        .await;
    let web = tapid::oidc::clients::get(&app.db, "web").await.unwrap();
    assert!(web.dpop_bound_access_tokens);
}

#[tokio::test]
async fn the_api_sets_and_clears_dpop_bound_access_tokens() {
    let app = spawn_app().await;
    let (admin, _) = app.admin_and_helpdesk_tokens().await;
    let created = app
        .call(
            Method::POST,
            "/api/v1/clients",
            &admin,
            Some(json!({ "id": "svc", "grant_types": ["client_credentials"], "dpop_bound_access_tokens": true })),
        )
        .await
        .expect(201);
    assert_eq!(created["dpop_bound_access_tokens"], true, "{created}");
    let changed = app
        .call(
            Method::PATCH,
            "/api/v1/clients/svc",
            &admin,
            Some(json!({ "dpop_bound_access_tokens": false })),
        )
        .await
        .expect(200);
    assert_eq!(changed["dpop_bound_access_tokens"], false, "{changed}");
    let audit = app.cli(&["audit", "list", "--json"]).await;
    assert!(audit.ok().contains("dpop_bound_access_tokens"));
}

/// The response's `Location`.
fn location(response: &reqwest::Response) -> String {
    response.headers()["location"].to_str().unwrap().to_string()
}

#[tokio::test]
async fn the_new_client_form_registers_require_par_and_require_dpop() {
    let app = spawn_app().await;
    let root = app.add_user("root", &[Role::Admin], &[]).await;
    let console = app.console_as(&root, "phr").await;
    let (_, form) = console.page("/admin/clients").await;
    for name in [
        "require_pushed_authorization_requests",
        "dpop_bound_access_tokens",
    ] {
        assert!(
            form.contains(&format!(r#"name="{name}" value="1""#)),
            "the form has the {name} box"
        );
    }

    let uris = "https://bank.example.com/cb";
    let created = console
        .post(
            "/admin/clients",
            &[
                ("id", "bank"),
                ("redirect_uris", uris),
                ("require_pushed_authorization_requests", "1"),
                ("dpop_bound_access_tokens", "1"),
            ],
        )
        .await;
    assert_eq!(created.status(), 303);
    assert!(location(&created).starts_with("/admin/clients/bank/secret"));
    let bank = tapid::oidc::clients::get(&app.db, "bank").await.unwrap();
    assert!(bank.require_pushed_authorization_requests);
    assert!(bank.dpop_bound_access_tokens);
    let (_, page) = console.page("/admin/clients/bank").await;
    assert!(
        text_of(&page, "#require-par")
            .unwrap()
            .starts_with("required")
    );
    assert!(
        text_of(&page, "#require-dpop")
            .unwrap()
            .starts_with("required")
    );

    // Boxes left empty: neither.
    console
        .post(
            "/admin/clients",
            &[("id", "plain"), ("redirect_uris", uris)],
        )
        .await;
    let plain = tapid::oidc::clients::get(&app.db, "plain").await.unwrap();
    assert!(!plain.require_pushed_authorization_requests && !plain.dpop_bound_access_tokens);

    // A public client may require DPoP but not pushed requests; the refused form comes back as sent.
    let refused = console
        .post(
            "/admin/clients",
            &[
                ("id", "spa"),
                ("public", "1"),
                ("redirect_uris", "http://localhost:5173/cb"),
                ("require_pushed_authorization_requests", "1"),
                ("dpop_bound_access_tokens", "1"),
            ],
        )
        .await;
    assert_eq!(refused.status(), 422);
    let page = refused.text().await.unwrap();
    assert!(
        text_of(&page, "#form-error")
            .unwrap()
            .contains("confidential")
    );
    assert!(page.contains(
        r#"name="dpop_bound_access_tokens" value="1" aria-describedby="dpop-hint" checked>"#
    ));
    assert!(
        tapid::oidc::clients::find(&app.db, "spa")
            .await
            .unwrap()
            .is_none()
    );
    console
        .post(
            "/admin/clients",
            &[
                ("id", "spa"),
                ("public", "1"),
                ("redirect_uris", "http://localhost:5173/cb"),
                ("dpop_bound_access_tokens", "1"),
            ],
        )
        .await;
    let spa = tapid::oidc::clients::get(&app.db, "spa").await.unwrap();
    assert!(spa.public && spa.dpop_bound_access_tokens);
}

/// An EC P-256 key pair: the public JWK Set and the key that signs assertions.
fn client_key() -> (serde_json::Value, jsonwebtoken::EncodingKey) {
    use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
    let pkcs8 = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING)
        .and_then(|k| k.to_pkcs8v1())
        .unwrap();
    let encoding = jsonwebtoken::EncodingKey::from_ec_der(pkcs8.as_ref());
    let mut jwk = serde_json::to_value(
        jsonwebtoken::jwk::Jwk::from_encoding_key(&encoding, jsonwebtoken::Algorithm::ES256)
            .unwrap(),
    )
    .unwrap();
    jwk["kid"] = json!("k1");
    (json!({ "keys": [jwk] }), encoding)
}

#[tokio::test]
async fn the_new_client_form_registers_a_private_key_jwt_client_by_jwk_set_or_jwks_uri() {
    let app = spawn_app().await;
    let root = app.add_user("root", &[Role::Admin], &[]).await;
    let console = app.console_as(&root, "phr").await;
    let (set, key) = client_key();

    let created = console
        .post(
            "/admin/clients",
            &[
                ("id", "batch"),
                ("grant", "client_credentials"),
                ("jwks", &set.to_string()),
            ],
        )
        .await;
    assert_eq!(created.status(), 303);
    // No secret to show: straight to the client's page.
    assert_eq!(location(&created), "/admin/clients/batch?done=created");
    let batch = tapid::oidc::clients::get(&app.db, "batch").await.unwrap();
    assert_eq!(batch.auth_method(), "private_key_jwt");
    assert!(batch.jwks.is_some() && batch.jwks_uri.is_none());
    let (_, page) = console.page("/admin/clients/batch").await;
    assert!(
        text_of(&page, "#auth-method")
            .unwrap()
            .contains("private_key_jwt")
    );

    // The client so registered authenticates with an assertion signed by its key.
    let now = tapid::db::ts(tapid::db::now());
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
    header.kid = Some("k1".into());
    let claims = json!({
        "iss": "batch", "sub": "batch", "aud": format!("{}/token", app.issuer),
        "iat": now, "exp": now + 60, "jti": uuid::Uuid::new_v4().to_string(),
    });
    let assertion = jsonwebtoken::encode(&header, &claims, &key).unwrap();
    let granted = app
        .post_client_form(
            "/token",
            &[
                ("grant_type", "client_credentials"),
                (
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                ),
                ("client_assertion", &assertion),
            ],
            None,
        )
        .await;
    assert_eq!(granted.status(), 200, "{}", granted.text().await.unwrap());

    let created = console
        .post(
            "/admin/clients",
            &[
                ("id", "partner"),
                ("grant", "client_credentials"),
                ("jwks_uri", "https://partner.example.com/jwks.json"),
            ],
        )
        .await;
    assert_eq!(location(&created), "/admin/clients/partner?done=created");
    let partner = tapid::oidc::clients::get(&app.db, "partner").await.unwrap();
    assert_eq!(
        partner.jwks_uri.as_deref(),
        Some("https://partner.example.com/jwks.json")
    );
    let (_, page) = console.page("/admin/clients/partner").await;
    assert!(
        text_of(&page, "#auth-method")
            .unwrap()
            .contains("https://partner.example.com/jwks.json")
    );
}

#[tokio::test]
async fn the_new_client_form_refuses_bad_keys_and_shows_the_form_again() {
    let app = spawn_app().await;
    let root = app.add_user("root", &[Role::Admin], &[]).await;
    let console = app.console_as(&root, "phr").await;
    let (set, _) = client_key();
    let mut private = set.clone();
    private["keys"][0]["d"] = json!("jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI");
    let set = set.to_string();
    let private = private.to_string();
    for (fields, words) in [
        (vec![("jwks", "{not json")], "not JSON"),
        (vec![("jwks", private.as_str())], "private"),
        (
            vec![
                ("jwks", set.as_str()),
                ("jwks_uri", "https://partner.example.com/jwks.json"),
            ],
            "not both",
        ),
        (
            vec![("jwks_uri", "http://partner.example.com/jwks")],
            "https",
        ),
        (vec![("jwks", set.as_str()), ("public", "1")], "public"),
    ] {
        let mut form = vec![("id", "batch"), ("grant", "device_code")];
        form.extend(fields.iter().copied());
        let refused = console.post("/admin/clients", &form).await;
        assert_eq!(refused.status(), 422, "{fields:?}");
        let page = refused.text().await.unwrap();
        let error = text_of(&page, "#form-error").unwrap();
        assert!(error.contains(words), "{words}: {error}");
        if let Some((_, uri)) = fields.iter().find(|(k, _)| *k == "jwks_uri") {
            assert!(page.contains(&format!(r#"value="{uri}""#)), "kept: {uri}");
        }
        assert!(
            tapid::oidc::clients::find(&app.db, "batch")
                .await
                .unwrap()
                .is_none()
        );
    }
}
