use crate::helpers::spawn_app;

#[tokio::test]
async fn a_confidential_client_gets_a_secret_shown_once_and_stored_hashed() {
    let app = spawn_app().await;

    let client = app.web_client("webapp").await;

    let secret = client.secret.expect("a secret for a confidential client");
    let stored: (String,) = sqlx::query_as("SELECT secret_hash FROM oidc_clients WHERE id = $1")
        .bind("webapp")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_ne!(stored.0, secret);
    assert_eq!(stored.0, tapid::secrets::digest(&secret));
    let shown = app
        .cli(&["client", "show", "webapp", "--json"])
        .await
        .json();
    assert!(shown.get("client_secret").is_none());
    assert!(!shown.to_string().contains(&secret));
}

#[tokio::test]
async fn a_public_client_has_no_secret() {
    let app = spawn_app().await;

    let client = app
        .add_client(
            "spa",
            &["--public", "--redirect-uri", "http://localhost:5173/cb"],
        )
        .await;

    assert!(client.secret.is_none());
    let shown = app.cli(&["client", "show", "spa", "--json"]).await.json();
    assert_eq!(shown["public"], true);
}

#[tokio::test]
async fn http_redirect_uris_are_refused_unless_loopback() {
    let app = spawn_app().await;

    let out = app
        .cli(&[
            "client",
            "add",
            "bad",
            "--redirect-uri",
            "http://rp.example.com/cb",
        ])
        .await;

    assert!(!out.success);
    assert!(out.stderr.contains("http is allowed only for localhost"));
    assert_eq!(out.stderr.trim().lines().count(), 1);
}

#[tokio::test]
async fn client_changes_are_audited_and_removal_forgets_the_client() {
    let app = spawn_app().await;
    app.web_client("webapp").await;

    app.cli(&[
        "client",
        "update",
        "webapp",
        "--name",
        "Web App",
        "--id-token-alg",
        "ES256",
    ])
    .await
    .ok();
    app.cli(&["client", "remove", "webapp"]).await.ok();

    let events = app
        .cli(&["audit", "list", "--json", "--action", "client."])
        .await
        .json();
    let actions: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["client.removed", "client.updated", "client.created"]
    );
    let list = app.cli(&["client", "list", "--json"]).await.json();
    assert_eq!(list.as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn a_service_client_holds_roles_for_the_admin_api() {
    let app = spawn_app().await;

    app.service_client("svc", "tapid:admin").await;

    let client = tapid::oidc::clients::find(&app.db, "svc")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(client.roles, vec![tapid::directory::Role::Helpdesk]);
    assert!(client.allows_grant(tapid::oidc::clients::GrantType::ClientCredentials));
}

#[tokio::test]
async fn a_public_client_cannot_use_client_credentials() {
    let app = spawn_app().await;

    let out = app
        .cli(&[
            "client",
            "add",
            "x",
            "--public",
            "--grant",
            "client_credentials",
        ])
        .await;

    assert!(!out.success);
    assert!(
        out.stderr
            .contains("public client cannot use client_credentials")
    );
}

#[tokio::test]
async fn a_new_secret_replaces_the_old_one() {
    let app = spawn_app().await;
    let service = app.service_client("svc", "tapid:admin").await;

    let out = app
        .cli(&["client", "update", "svc", "--new-secret", "--json"])
        .await
        .json();

    let new_secret = out["client_secret"].as_str().unwrap();
    let old = app
        .post_client_form(
            "/token",
            &[("grant_type", "client_credentials")],
            Some(("svc", service.secret.as_deref().unwrap())),
        )
        .await;
    let new = app
        .post_client_form(
            "/token",
            &[("grant_type", "client_credentials")],
            Some(("svc", new_secret)),
        )
        .await;
    assert_eq!(old.status(), 401);
    assert_eq!(new.status(), 200);
}

#[tokio::test]
async fn keys_list_shows_one_active_key_per_algorithm() {
    let app = spawn_app().await;

    let keys = app.cli(&["keys", "list", "--json"]).await.json();

    let keys = keys.as_array().unwrap();
    assert_eq!(keys.len(), 3);
    assert!(keys.iter().all(|k| k["active"] == true));
}
