//! `/ServiceProviderConfig`, `/ResourceTypes` and `/Schemas` (RFC 7644 §4). They describe the
//! service, so RFC 7644 lets them be read without authentication.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::error::ScimError;
use super::list::{ListQuery, MAX_RESULTS};
use super::respond;
use super::{ENTERPRISE_SCHEMA, GROUP_SCHEMA, TAPID_SCHEMA, USER_SCHEMA, base_url, schemas};
use crate::state::AppState;

pub async fn service_provider_config(State(state): State<AppState>) -> Response {
    let base = base_url(&state);
    let body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "documentationUri": state.config.issuer.url("/scim/v2"),
        "patch": { "supported": true },
        "bulk": { "supported": false, "maxOperations": 0, "maxPayloadSize": 0 },
        "filter": { "supported": true, "maxResults": MAX_RESULTS },
        "changePassword": { "supported": false },
        "sort": { "supported": true },
        "etag": { "supported": true },
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "OAuth Bearer Token",
            "description": "An access token from tapid's /token (client_credentials) for a client granted the `scim` scope and a role",
            "primary": true,
        }],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": format!("{base}/ServiceProviderConfig"),
        },
    });
    respond::document(StatusCode::OK, &body)
}

fn resource_types(base: &str) -> Vec<Value> {
    vec![
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
            "id": "User",
            "name": "User",
            "endpoint": "/Users",
            "description": "People",
            "schema": USER_SCHEMA,
            "schemaExtensions": [
                { "schema": ENTERPRISE_SCHEMA, "required": false },
                { "schema": TAPID_SCHEMA, "required": false },
            ],
            "meta": { "resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/User") },
        }),
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
            "id": "Group",
            "name": "Group",
            "endpoint": "/Groups",
            "description": "Groups of people",
            "schema": GROUP_SCHEMA,
            "schemaExtensions": [],
            "meta": { "resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/Group") },
        }),
    ]
}

fn listed(all: Vec<Value>, query: &HashMap<String, String>) -> Result<Response, ScimError> {
    let query = ListQuery::from_query(query)?;
    Ok(respond::document(StatusCode::OK, &query.respond(all)))
}

fn one(all: Vec<Value>, id: &str, what: &str) -> Result<Response, ScimError> {
    all.into_iter()
        .find(|r| r["id"].as_str().is_some_and(|i| i.eq_ignore_ascii_case(id)))
        .map(|r| respond::document(StatusCode::OK, &r))
        .ok_or_else(|| ScimError::not_found(format!("{what} {id}")))
}

pub async fn resource_types_get(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ScimError> {
    listed(resource_types(&base_url(&state)), &query)
}

pub async fn resource_type_get(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ScimError> {
    one(resource_types(&base_url(&state)), &id, "ResourceType")
}

pub async fn schemas_get(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ScimError> {
    listed(schemas::all(&base_url(&state)), &query)
}

pub async fn schema_get(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ScimError> {
    one(schemas::all(&base_url(&state)), &id, "Schema")
}
