use serde_json::Value;

use crate::helpers::oidc::jwt_header;
use crate::helpers::spawn_app;

async fn published_kids(app: &crate::helpers::TestApp) -> Vec<(String, String)> {
    let jwks: Value = app.get("/jwks").await.json().await.unwrap();
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["kid"].as_str().unwrap().to_string(),
                k["alg"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn jwks_publishes_one_key_per_algorithm_with_kid_use_and_alg() {
    let app = spawn_app().await;

    let response = app.get("/jwks").await;

    assert_eq!(response.status(), 200);
    let jwks: Value = response.json().await.unwrap();
    let keys = jwks["keys"].as_array().unwrap();
    let mut algs: Vec<&str> = keys.iter().map(|k| k["alg"].as_str().unwrap()).collect();
    algs.sort();
    assert_eq!(algs, ["ES256", "EdDSA", "RS256"]);
    for key in keys {
        assert_eq!(key["use"], "sig");
        assert!(key["kid"].as_str().is_some_and(|k| !k.is_empty()));
        for private in ["d", "p", "q", "dp", "dq", "qi"] {
            assert!(
                key.get(private).is_none(),
                "private part {private} published"
            );
        }
    }
}

#[tokio::test]
async fn signing_keys_are_stored_sealed_never_in_clear() {
    let app = spawn_app().await;
    app.get("/jwks").await;

    let rows: Vec<(String,)> = sqlx::query_as("SELECT private_key FROM signing_keys")
        .fetch_all(app.db.pool())
        .await
        .unwrap();

    assert_eq!(rows.len(), 3);
    for (sealed,) in rows {
        assert!(sealed.starts_with("v1:"), "private keys are sealed");
    }
}

#[tokio::test]
async fn rotation_adds_new_keys_and_keeps_the_old_ones_published() {
    let app = spawn_app().await;
    let service = app.service_client("svc", "tapid:admin").await;
    let before = published_kids(&app).await;
    let old_token = app.client_credentials_token(&service).await;

    let out = app.cli(&["keys", "rotate", "--json"]).await;

    out.ok();
    // The set is read again once the copy this instance served is older than `FRESH`.
    tokio::time::sleep(tapid::oidc::jwks::FRESH).await;
    let after = published_kids(&app).await;
    assert_eq!(
        after.len(),
        6,
        "three new keys beside three in their grace period"
    );
    for kid in &before {
        assert!(after.contains(kid), "old key {kid:?} still published");
    }
    // A token signed before the rotation still works.
    let info = app
        .post_client_form(
            "/introspect",
            &[("token", &old_token)],
            Some((&service.id, service.secret.as_deref().unwrap())),
        )
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(info["active"], true);
    let events = app
        .cli(&["audit", "list", "--json", "--action", "keys.rotated"])
        .await
        .json();
    assert_eq!(events.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn an_instance_that_never_saw_the_keys_signs_with_the_rotated_active_one() {
    let app = spawn_app().await;
    app.get("/jwks").await;
    let rotation = app.cli(&["keys", "rotate", "--json"]).await.json();
    let new_kids: Vec<String> = rotation["new_kids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap().to_string())
        .collect();

    // A second instance on the same database.
    let state = tapid::AppState::new(
        app.db.clone(),
        app.config.clone(),
        tapid::secrets::Sealer::from_config(&app.config).unwrap(),
    );
    let key = state
        .oidc
        .keys
        .signing_key(
            &state.db,
            &state.sealer,
            tapid::oidc::keys::SigningAlg::RS256,
        )
        .await
        .unwrap();

    assert!(new_kids.contains(&key.kid));
}

#[tokio::test]
async fn a_token_signed_by_another_instance_with_a_new_key_verifies_here() {
    let app = spawn_app().await;
    let service = app.service_client("svc", "tapid:admin").await;
    app.client_credentials_token(&service).await;
    app.cli(&["keys", "rotate"]).await.ok();
    let other = tapid::AppState::new(
        app.db.clone(),
        app.config.clone(),
        tapid::secrets::Sealer::from_config(&app.config).unwrap(),
    );
    let fresh_key = other
        .oidc
        .keys
        .signing_key(
            &other.db,
            &other.sealer,
            tapid::oidc::keys::SigningAlg::RS256,
        )
        .await
        .unwrap();
    // The other instance mints with its (new) key; this one has the old set cached.
    let client = tapid::oidc::clients::get(&other.db, &service.id)
        .await
        .unwrap();
    tapid::oidc::tokens::warm_keys(&other.oidc, &client)
        .await
        .unwrap();
    let mut tx = other.db.begin().await.unwrap();
    let grant = tapid::oidc::tokens::Grant {
        resource: None,
        client,
        user: None,
        scope: tapid::oidc::scope::Scope::parse("tapid:admin").unwrap(),
        refresh_scope: Default::default(),
        family_id: "f".into(),
        sid: None,
        acr: None,
        amr: Default::default(),
        auth_time: None,
        tap_id: None,
        nonce: None,
        cap_at: None,
        dpop_jkt: None,
        refresh_jkt: None,
    };
    let issued = tapid::oidc::tokens::issue(&other.oidc, &mut tx, &grant, false, false)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        jwt_header(&issued.access_token)["kid"],
        fresh_key.kid.as_str()
    );

    let info: Value = app
        .post_client_form(
            "/introspect",
            &[("token", &issued.access_token)],
            Some((&service.id, service.secret.as_deref().unwrap())),
        )
        .await
        .json()
        .await
        .unwrap();

    assert_eq!(info["active"], true);
}
