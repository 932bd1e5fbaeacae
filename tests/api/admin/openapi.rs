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
