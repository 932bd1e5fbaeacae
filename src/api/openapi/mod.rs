//! The OpenAPI 3.1 document of the admin API, served at `/api/openapi.json`. Written by hand; a test
//! checks that it describes every route in [`super::ROUTES`] and nothing else.

mod bulk;
mod paths;
mod schemas;
mod webhooks;

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::state::AppState;

pub async fn document_get(State(state): State<AppState>) -> Json<Value> {
    Json(document(state.config.issuer.as_str()))
}

pub fn document(issuer: &str) -> Value {
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "tapid admin API",
            "version": "1",
            "description": "Users, groups, sign-in methods, Temporary Access Passes, clients, the pass policy and \
                the audit trail. Authenticate with a bearer access token issued by tapid: a confidential client \
                using client_credentials, acting with the roles it was granted, or a person signed in at acr phr, \
                acting with their roles. `admin` may do everything but act on their own roles, account or pass. \
                `helpdesk` reads users, groups, methods, passes, the policy and the audit trail, and changes only \
                users who hold no role (details, memberships, methods, passes); never roles, groups, clients or \
                the policy. Nobody issues a pass for themselves; never for a disabled user or one outside the \
                policy's scope. Every change is an audit event naming the caller."
        },
        "servers": [ { "url": issuer } ],
        "security": [ { "bearer": [] } ],
        "paths": merged(merged(paths::paths(), webhooks::paths()), bulk::paths()),
        "components": {
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer", "bearerFormat": "JWT" }
            },
            "schemas": merged(merged(schemas::schemas(), webhooks::schemas()), bulk::schemas())
        }
    })
}

/// Two objects as one.
fn merged(mut all: Value, more: Value) -> Value {
    if let (Some(all), Value::Object(more)) = (all.as_object_mut(), more) {
        all.extend(more);
    }
    all
}

/// A response whose body is the API's error.
fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } }
    })
}

fn schema_ref(schema: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{schema}") })
}
