//! `/api/openapi.json` describes every route of the API router, and nothing it lacks.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::spawn_app;

#[tokio::test]
async fn the_openapi_document_describes_every_api_route() {
    let app = spawn_app().await;

    let response = app.get("/api/openapi.json").await;

    assert_eq!(response.status(), StatusCode::OK);
    let doc: Value = response.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    for (path, methods) in tapid::api::ROUTES {
        let described = paths
            .get(*path)
            .unwrap_or_else(|| panic!("{path} is not in the document"));
        for method in *methods {
            assert!(
                described.get(*method).is_some(),
                "{method} {path} is not described"
            );
        }
    }
    assert_eq!(
        paths.len(),
        tapid::api::ROUTES.len(),
        "no route described that is not served"
    );
    for schema in ["Pass", "IssuedPass", "IssueRequest", "Error", "Reason"] {
        assert!(
            doc["components"]["schemas"].get(schema).is_some(),
            "{schema}"
        );
    }
}

#[tokio::test]
async fn the_router_serves_exactly_the_listed_methods() {
    let app = spawn_app().await;
    let all = ["get", "post", "put", "patch", "delete"];

    for (path, methods) in tapid::api::ROUTES {
        let url = app.url(&path.replace("{id}", "someone"));
        for method in all {
            let response = app
                .client
                .request(method.to_uppercase().parse().unwrap(), &url)
                .send()
                .await
                .unwrap();
            let served = response.status() != StatusCode::METHOD_NOT_ALLOWED
                && response.status() != StatusCode::NOT_FOUND;
            assert_eq!(
                served,
                methods.contains(&method),
                "{method} {path}: {}",
                response.status()
            );
        }
    }
}
