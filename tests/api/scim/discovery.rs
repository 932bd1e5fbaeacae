//! `/ServiceProviderConfig`, `/ResourceTypes`, `/Schemas`: what a SCIM client reads first.

use reqwest::Method;

use super::{ENTERPRISE, GROUP, USER, scim_error};
use crate::helpers::spawn_app;

#[tokio::test]
async fn discovery_describes_users_groups_the_enterprise_extension_and_the_features() {
    let app = spawn_app().await;

    let config = app
        .scim(Method::GET, "/ServiceProviderConfig", "", None)
        .await
        .expect(200);
    let types = app
        .scim(Method::GET, "/ResourceTypes", "", None)
        .await
        .expect(200);
    let schemas = app
        .scim(Method::GET, "/Schemas", "", None)
        .await
        .expect(200);

    for feature in ["patch", "filter", "sort", "etag"] {
        assert_eq!(config[feature]["supported"], true, "{feature}");
    }
    assert_eq!(config["bulk"]["supported"], false);
    assert_eq!(
        config["authenticationSchemes"][0]["type"],
        "oauthbearertoken"
    );
    assert_eq!(types["totalResults"], 2);
    assert_eq!(
        types["Resources"][0]["schemaExtensions"][0]["schema"],
        ENTERPRISE
    );
    let ids: Vec<&str> = schemas["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [USER, ENTERPRISE, super::TAPID, GROUP]);
    let user = app
        .scim(Method::GET, &format!("/Schemas/{USER}"), "", None)
        .await
        .expect(200);
    assert_eq!(user["attributes"][0]["name"], "userName");
    let group_type = app
        .scim(Method::GET, "/ResourceTypes/Group", "", None)
        .await
        .expect(200);
    assert_eq!(group_type["endpoint"], "/Groups");
    scim_error(
        app.scim(Method::GET, "/Schemas/urn:nope", "", None).await,
        404,
        None,
    );
    scim_error(app.scim(Method::GET, "/Nothing", "", None).await, 404, None);
}
