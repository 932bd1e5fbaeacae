//! The OpenAPI document is self-consistent: every `$ref` names a schema it defines, and every
//! operation has a unique id.

use std::collections::HashSet;

use serde_json::Value;

use crate::helpers::spawn_app;

fn refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r.clone()),
                    _ => refs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn every_reference_in_the_openapi_document_resolves() {
    let app = spawn_app().await;
    let doc: Value = app.get("/api/openapi.json").await.json().await.unwrap();

    let mut found = Vec::new();
    refs(&doc, &mut found);

    let schemas = doc["components"]["schemas"].as_object().unwrap();
    assert!(!found.is_empty());
    for r in found {
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("{r}"));
        assert!(schemas.contains_key(name), "{r} is not defined");
    }
    let mut ids = HashSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if let Some(id) = op.get("operationId") {
                assert!(
                    ids.insert(id.as_str().unwrap().to_string()),
                    "{method} {path}: duplicate id"
                );
            }
        }
    }
}

/// The names of an object's fields, sorted.
fn keys(value: &Value) -> Vec<String> {
    let mut names: Vec<String> = value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value}"))
        .keys()
        .cloned()
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn the_method_schema_names_exactly_the_fields_the_api_returns() {
    let app = spawn_app().await;
    let (admin, _) = app.admin_and_helpdesk_tokens().await;
    app.arrange_user_with_totp("bob").await;
    let bob = app.user("bob").await;
    let doc: Value = app.get("/api/openapi.json").await.json().await.unwrap();

    let methods = app
        .call(
            reqwest::Method::GET,
            &format!("/api/v1/users/{}/methods", bob.id),
            &admin,
            None,
        )
        .await
        .expect(200);

    let schema = &doc["components"]["schemas"]["Method"];
    assert_eq!(keys(&methods[0]), keys(&schema["properties"]));
    for required in schema["required"].as_array().unwrap() {
        assert!(methods[0].get(required.as_str().unwrap()).is_some());
    }
}

#[tokio::test]
async fn the_client_schema_names_exactly_the_fields_the_api_returns() {
    let app = spawn_app().await;
    let (admin, _) = app.admin_and_helpdesk_tokens().await;
    let doc: Value = app.get("/api/openapi.json").await.json().await.unwrap();

    let client = app
        .call(reqwest::Method::GET, "/api/v1/clients/ops", &admin, None)
        .await
        .expect(200);

    let schema = &doc["components"]["schemas"]["Client"];
    assert_eq!(keys(&client), keys(&schema["properties"]));
    for required in schema["required"].as_array().unwrap() {
        assert!(client.get(required.as_str().unwrap()).is_some());
    }
    for body in ["NewClient", "ClientChanges"] {
        let properties = &doc["components"]["schemas"][body]["properties"];
        assert!(properties.get("access_token_alg").is_some(), "{body}");
    }
}
