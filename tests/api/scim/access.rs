//! Who may provision: only a client's `client_credentials` token with the `scim` scope and a role.

use reqwest::Method;

use super::scim_error;
use crate::helpers::spawn_app;

#[tokio::test]
async fn scim_needs_a_client_token_with_the_scim_scope_and_a_role() {
    let app = spawn_app().await;
    let without_scope = app.api_token("ops", tapid::directory::Role::Admin).await;
    let without_role = {
        let client = app
            .add_client(
                "bare",
                &["--grant", "client_credentials", "--scope", "scim"],
            )
            .await;
        app.client_credentials_token(&client).await
    };

    let none = app.scim(Method::GET, "/Users", "", None).await;
    let www = none.headers.get("www-authenticate").cloned();
    scim_error(none, 401, None);
    assert!(www.is_some());
    scim_error(
        app.scim(Method::GET, "/Users", "not-a-token", None).await,
        401,
        None,
    );
    scim_error(
        app.scim(Method::GET, "/Users", &without_scope, None).await,
        401,
        None,
    );
    scim_error(
        app.scim(Method::GET, "/Users", &without_role, None).await,
        403,
        None,
    );
    let token = app.scim_token("hr", "helpdesk").await;
    let claims = crate::helpers::oidc::jwt_claims(&token);
    assert_eq!(claims["aud"], format!("{}/scim", app.issuer));
    let api = app.call(Method::GET, "/api/v1/users", &token, None).await;
    assert_eq!(api.status, 401, "a SCIM token does not open the admin API");
    let listed = app.scim(Method::GET, "/Users", &token, None).await;
    assert_eq!(listed.status, 200);
    assert_eq!(
        listed.headers["content-type"].to_str().unwrap(),
        "application/scim+json"
    );
}

#[tokio::test]
async fn a_database_outage_during_scim_token_verification_is_503_with_retry_after_not_401() {
    let app = spawn_app().await;
    let token = app.scim_token("hr", "admin").await;
    assert_eq!(
        app.scim(Method::GET, "/Users", &token, None).await.status,
        200
    );

    app.db.close().await;
    let during = app.scim(Method::GET, "/Users", &token, None).await;

    assert_eq!(during.headers["retry-after"], "5");
    assert!(during.headers.get("www-authenticate").is_none());
    scim_error(during, 503, None);
}
