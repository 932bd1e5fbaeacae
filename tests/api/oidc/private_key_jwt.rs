//! `private_key_jwt` client authentication (RFC 7523, OpenID Connect Core §9): a client registered
//! with its public keys proves itself with a short-lived JWT it signed; each refusal has its test.

use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair};
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

const TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// A client's key pair: the private half signs assertions, the public JWK is registered.
struct ClientKey {
    kid: String,
    alg: Algorithm,
    encoding: EncodingKey,
    jwk: Value,
}

impl ClientKey {
    fn es256(kid: &str) -> Self {
        let pkcs8 = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING)
            .and_then(|k| k.to_pkcs8v1())
            .unwrap();
        Self::from(
            kid,
            Algorithm::ES256,
            EncodingKey::from_ec_der(pkcs8.as_ref()),
        )
    }

    fn eddsa(kid: &str) -> Self {
        let pkcs8 = Ed25519KeyPair::generate()
            .and_then(|k| k.to_pkcs8v1())
            .unwrap();
        Self::from(
            kid,
            Algorithm::EdDSA,
            EncodingKey::from_ed_der(pkcs8.as_ref()),
        )
    }

    fn from(kid: &str, alg: Algorithm, encoding: EncodingKey) -> Self {
        let mut jwk =
            serde_json::to_value(Jwk::from_encoding_key(&encoding, alg).unwrap()).unwrap();
        jwk["kid"] = json!(kid);
        Self {
            kid: kid.into(),
            alg,
            encoding,
            jwk,
        }
    }

    fn sign(&self, claims: &Value) -> String {
        let mut header = Header::new(self.alg);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding).unwrap()
    }
}

fn now() -> i64 {
    tapid::db::ts(tapid::db::now())
}

/// The claims of a good assertion by `client` for `app`'s token endpoint.
fn claims(app: &TestApp, client: &str) -> Value {
    json!({
        "iss": client,
        "sub": client,
        "aud": format!("{}/token", app.issuer),
        "iat": now(),
        "exp": now() + 60,
        "jti": uuid::Uuid::new_v4().to_string(),
    })
}

/// Registers `id` for client_credentials with `keys` as an inline JWK Set (a file given to the CLI).
async fn register(app: &TestApp, id: &str, keys: &[&ClientKey]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jwks.json");
    let set = json!({ "keys": keys.iter().map(|k| k.jwk.clone()).collect::<Vec<_>>() });
    std::fs::write(&path, set.to_string()).unwrap();
    let out = app
        .cli(&[
            "client",
            "add",
            id,
            "--grant",
            "client_credentials",
            "--jwks",
            path.to_str().unwrap(),
            "--json",
        ])
        .await;
    out.ok();
    out.json()
}

async fn token_with(app: &TestApp, assertion: &str) -> (u16, Value) {
    let response = app
        .client
        .post(app.url("/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_assertion_type", TYPE),
            ("client_assertion", assertion),
        ])
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// An app with client `svc` registered with one ES256 key; its key.
async fn app_with_client() -> (TestApp, ClientKey) {
    let app = spawn_app().await;
    let key = ClientKey::es256("k1");
    register(&app, "svc", &[&key]).await;
    (app, key)
}

/// The assertion is refused with `invalid_client`, saying `why`.
async fn refused(app: &TestApp, assertion: &str, why: &str) {
    let (status, body) = token_with(app, assertion).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"], "invalid_client", "{body}");
    let said = body["error_description"].as_str().unwrap_or_default();
    assert!(said.contains(why), "expected `{why}` in {said:?}");
}

#[tokio::test]
async fn es256_and_eddsa_assertions_authenticate_a_client_with_no_secret() {
    let app = spawn_app().await;
    let (ec, ed) = (ClientKey::es256("ec"), ClientKey::eddsa("ed"));
    let registered = register(&app, "svc", &[&ec, &ed]).await;
    assert!(registered.get("client_secret").is_none(), "{registered}");
    assert_eq!(registered["public"], false);

    for key in [&ec, &ed] {
        let (status, body) = token_with(&app, &key.sign(&claims(&app, "svc"))).await;
        assert_eq!(status, 200, "{:?}: {body}", key.alg);
        assert!(body["access_token"].is_string());
    }
    // The issuer itself is an accepted audience too (OpenID Connect and FAPI clients send it).
    let mut to_issuer = claims(&app, "svc");
    to_issuer["aud"] = json!(app.issuer);
    assert_eq!(token_with(&app, &ec.sign(&to_issuer)).await.0, 200);
}

#[tokio::test]
async fn discovery_publishes_private_key_jwt_and_its_algorithms() {
    let app = spawn_app().await;
    let doc: Value = app
        .get("/.well-known/openid-configuration")
        .await
        .json()
        .await
        .unwrap();
    for endpoint in ["token", "introspection", "revocation"] {
        let methods = &doc[format!("{endpoint}_endpoint_auth_methods_supported")];
        assert!(
            methods
                .as_array()
                .unwrap()
                .contains(&json!("private_key_jwt")),
            "{endpoint}"
        );
        assert_eq!(
            doc[format!("{endpoint}_endpoint_auth_signing_alg_values_supported")],
            json!(["RS256", "ES256", "EdDSA", "Ed25519"])
        );
    }
}

/// An assertion signed by an Ed25519 key and labelled `alg: Ed25519` (RFC 9864's fully specified name,
/// as openid-client and jose write it), which the JWT library tapid uses cannot sign.
fn sign_ed25519(pair: &Ed25519KeyPair, kid: &str, claims: &Value) -> String {
    use base64::Engine;
    let b64 = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let message = format!(
        "{}.{}",
        b64(&json!({ "alg": "Ed25519", "typ": "JWT", "kid": kid })),
        b64(claims)
    );
    let signature = pair.sign(message.as_bytes());
    format!(
        "{message}.{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(signature.as_ref())
    )
}

#[tokio::test]
async fn an_assertion_labelled_alg_ed25519_authenticates_and_meets_every_rule_of_the_others() {
    use aws_lc_rs::signature::KeyPair;
    use base64::Engine;
    let app = spawn_app().await;
    let pair = Ed25519KeyPair::generate().unwrap();
    let x = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(pair.public_key().as_ref());
    // Registered as jose exports it, with the fully specified algorithm name.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jwks.json");
    let set = json!({ "keys": [{ "kty": "OKP", "crv": "Ed25519", "x": x, "kid": "ed", "alg": "Ed25519", "use": "sig" }] });
    std::fs::write(&path, set.to_string()).unwrap();
    app.cli(&[
        "client",
        "add",
        "edsvc",
        "--grant",
        "client_credentials",
        "--jwks",
        path.to_str().unwrap(),
    ])
    .await
    .ok();

    let good = claims(&app, "edsvc");
    let assertion = sign_ed25519(&pair, "ed", &good);
    let (status, body) = token_with(&app, &assertion).await;
    assert_eq!(status, 200, "{body}");
    refused(&app, &assertion, "jti was already used").await;

    let other = Ed25519KeyPair::generate().unwrap();
    let forged = sign_ed25519(&other, "ed", &claims(&app, "edsvc"));
    refused(&app, &forged, "does not verify").await;
    let mut tampered = assertion.clone();
    tampered.replace_range(tampered.len() - 4.., "AAAA");
    refused(&app, &tampered, "does not verify").await;
    let cases = [
        ("aud", json!("https://other.example.com/token"), "aud"),
        ("exp", json!(now() - 120), "expired"),
        ("nbf", json!(now() + 300), "not valid yet"),
        ("iss", json!("someone-else"), "iss must be the client id"),
        ("exp", json!(now() + 3600), "lives too long"),
    ];
    for (claim, value, why) in cases {
        let mut c = claims(&app, "edsvc");
        c[claim] = value;
        refused(&app, &sign_ed25519(&pair, "ed", &c), why).await;
    }
    let mut no_jti = claims(&app, "edsvc");
    no_jti.as_object_mut().unwrap().remove("jti");
    refused(&app, &sign_ed25519(&pair, "ed", &no_jti), "jti").await;
    refused(
        &app,
        &sign_ed25519(&pair, "nope", &claims(&app, "edsvc")),
        "kid",
    )
    .await;
}

#[tokio::test]
async fn a_replayed_jti_is_refused() {
    let (app, key) = app_with_client().await;
    let assertion = key.sign(&claims(&app, "svc"));
    assert_eq!(token_with(&app, &assertion).await.0, 200);
    refused(&app, &assertion, "jti was already used").await;
}

#[tokio::test]
async fn an_assertion_for_another_audience_is_refused() {
    let (app, key) = app_with_client().await;
    let mut c = claims(&app, "svc");
    c["aud"] = json!("https://other.example.com/token");
    refused(&app, &key.sign(&c), "aud").await;
}

#[tokio::test]
async fn an_expired_assertion_is_refused() {
    let (app, key) = app_with_client().await;
    let mut c = claims(&app, "svc");
    c["iat"] = json!(now() - 600);
    c["exp"] = json!(now() - 120);
    refused(&app, &key.sign(&c), "expired").await;
}

#[tokio::test]
async fn a_not_yet_valid_assertion_is_refused() {
    let (app, key) = app_with_client().await;
    let mut c = claims(&app, "svc");
    c["nbf"] = json!(now() + 300);
    refused(&app, &key.sign(&c), "not valid yet").await;
}

#[tokio::test]
async fn an_assertion_issued_in_the_future_or_living_too_long_is_refused() {
    let (app, key) = app_with_client().await;
    let mut future = claims(&app, "svc");
    future["iat"] = json!(now() + 300);
    refused(&app, &key.sign(&future), "future").await;
    let mut long = claims(&app, "svc");
    long["exp"] = json!(now() + 3600);
    refused(&app, &key.sign(&long), "too long").await;
}

#[tokio::test]
async fn an_assertion_naming_an_unknown_kid_is_refused() {
    let (app, _) = app_with_client().await;
    let stranger = ClientKey::es256("k2");
    refused(&app, &stranger.sign(&claims(&app, "svc")), "kid").await;
}

#[tokio::test]
async fn an_assertion_signed_by_another_key_under_the_registered_kid_is_refused() {
    let (app, _) = app_with_client().await;
    let impostor = ClientKey::es256("k1");
    refused(&app, &impostor.sign(&claims(&app, "svc")), "signature").await;
}

#[tokio::test]
async fn unsigned_and_symmetric_assertions_are_refused() {
    let (app, _) = app_with_client().await;
    let b64 = |v: &Value| {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    let c = claims(&app, "svc");
    let none = format!("{}.{}.", b64(&json!({"alg": "none", "kid": "k1"})), b64(&c));
    refused(&app, &none, "RS256, ES256 or EdDSA").await;
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some("k1".into());
    let hs256 = jsonwebtoken::encode(
        &header,
        &c,
        &EncodingKey::from_secret(b"guessable").unwrap(),
    )
    .unwrap();
    refused(&app, &hs256, "RS256, ES256 or EdDSA").await;
}

#[tokio::test]
async fn iss_and_sub_must_both_be_the_client_and_a_jti_is_required() {
    let (app, key) = app_with_client().await;
    let mut wrong_iss = claims(&app, "svc");
    wrong_iss["iss"] = json!("someone-else");
    refused(&app, &key.sign(&wrong_iss), "iss").await;
    let mut no_jti = claims(&app, "svc");
    no_jti.as_object_mut().unwrap().remove("jti");
    refused(&app, &key.sign(&no_jti), "jti").await;
}

#[tokio::test]
async fn a_client_with_a_secret_cannot_use_an_assertion_and_a_key_client_cannot_use_a_secret() {
    let (app, key) = app_with_client().await;
    let secret_client = app
        .add_client("classic", &["--grant", "client_credentials"])
        .await;
    let mut c = claims(&app, "classic");
    c["iss"] = json!("classic");
    refused(&app, &key.sign(&c), "not registered with keys").await;
    let with_secret = app
        .post_client_form(
            "/token",
            &[("grant_type", "client_credentials")],
            Some(("svc", "any-secret")),
        )
        .await;
    assert_eq!(with_secret.status(), 401);
    assert!(secret_client.secret.is_some());
}

#[tokio::test]
async fn an_assertion_also_authenticates_at_introspection_with_the_issuer_as_audience() {
    let (app, key) = app_with_client().await;
    let (_, issued) = token_with(&app, &key.sign(&claims(&app, "svc"))).await;
    let mut c = claims(&app, "svc");
    c["aud"] = json!(app.issuer);
    let response = app
        .client
        .post(app.url("/introspect"))
        .form(&[
            ("token", issued["access_token"].as_str().unwrap()),
            ("client_assertion_type", TYPE),
            ("client_assertion", &key.sign(&c)),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["active"], true, "{body}");
}

#[tokio::test]
async fn registering_private_or_symmetric_keys_is_refused() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jwks.json");
    std::fs::write(
        &path,
        r#"{"keys":[{"kty":"oct","k":"c2VjcmV0","kid":"s"}]}"#,
    )
    .unwrap();
    let out = app
        .cli(&[
            "client",
            "add",
            "bad",
            "--grant",
            "client_credentials",
            "--jwks",
            path.to_str().unwrap(),
        ])
        .await;
    assert!(!out.success);
    assert!(out.stderr.contains("public keys only"), "{}", out.stderr);
}

#[tokio::test]
async fn keys_published_at_a_jwks_uri_are_fetched_and_an_oversized_set_is_refused() {
    use axum::Router;
    use axum::routing::get;

    let app = spawn_app().await;
    let key = ClientKey::eddsa("published");
    let set = json!({ "keys": [key.jwk.clone()] }).to_string();
    let oversized = json!({ "keys": [key.jwk.clone()], "padding": "x".repeat(20_000) }).to_string();
    let site = Router::new()
        .route("/jwks", get(move || async move { set }))
        .route("/big", get(move || async move { oversized }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, site).await.unwrap() });
    for (id, path) in [("svc", "/jwks"), ("huge", "/big")] {
        let uri = format!("{base}{path}");
        app.cli(&[
            "client",
            "add",
            id,
            "--grant",
            "client_credentials",
            "--jwks-uri",
            &uri,
        ])
        .await
        .ok();
    }

    let (status, body) = token_with(&app, &key.sign(&claims(&app, "svc"))).await;
    assert_eq!(status, 200, "{body}");
    let mut huge = claims(&app, "huge");
    huge["iss"] = json!("huge");
    refused(&app, &key.sign(&huge), "16 KiB").await;
}

#[tokio::test]
async fn the_admin_api_registers_a_key_client_that_then_authenticates_with_no_secret() {
    let app = spawn_app().await;
    let admin = app.api_token("ops", tapid::directory::Role::Admin).await;
    let key = ClientKey::es256("api-key");
    let created = app
        .call(
            reqwest::Method::POST,
            "/api/v1/clients",
            &admin,
            Some(json!({
                "id": "via-api",
                "grant_types": ["client_credentials"],
                "jwks": { "keys": [key.jwk.clone()] },
            })),
        )
        .await
        .expect(201);
    assert!(created.get("client_secret").is_none(), "{created}");
    assert_eq!(created["jwks"]["keys"][0]["kid"], "api-key");

    let mut c = claims(&app, "via-api");
    c["iss"] = json!("via-api");
    let (status, body) = token_with(&app, &key.sign(&c)).await;
    assert_eq!(status, 200, "{body}");
}
