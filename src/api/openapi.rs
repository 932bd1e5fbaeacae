//! The OpenAPI 3.1 document of the admin API, served at `/api/openapi.json`. Written by hand: it is
//! small, and a test checks that it describes every route in [`super::ROUTES`].

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::state::AppState;

pub async fn document_get(State(state): State<AppState>) -> Json<Value> {
    Json(document(state.config.issuer.as_str()))
}

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } }
    })
}

fn json_response(description: &str, schema: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } }
    })
}

/// The responses of a pass route: its success and the errors every such route may answer.
fn responses(status: &str, success: Value) -> Value {
    json!({
        status: success,
        "401": error_response("No valid bearer access token (with a `WWW-Authenticate: Bearer` challenge)."),
        "403": error_response("The caller may not do this; the message says why."),
        "404": error_response("No such user, or the user has no pass."),
        "405": error_response("The route does not serve this method."),
        "409": error_response("The pass is already revoked."),
        "422": error_response("The request breaks a rule of the policy or is malformed; the message says which."),
    })
}

pub fn document(issuer: &str) -> Value {
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "tapid admin API",
            "version": "1",
            "description": "Temporary Access Passes. Authenticate with a bearer access token issued by tapid: a \
                confidential client using client_credentials, acting with the roles it was granted, or a person \
                signed in at acr phr, acting with their roles. `admin` may act for anyone but themselves; \
                `helpdesk` only for users who hold no role; nobody issues a pass for themselves; never for a \
                disabled user or one outside the policy's scope."
        },
        "servers": [ { "url": issuer } ],
        "security": [ { "bearer": [] } ],
        "paths": {
            "/api/v1/users/{id}/temporary-access-pass": {
                "parameters": [ {
                    "name": "id", "in": "path", "required": true,
                    "description": "The user's id (the `sub` of their ID tokens).",
                    "schema": { "type": "string" }
                } ],
                "post": {
                    "operationId": "issuePass",
                    "summary": "Issue a pass, replacing any the user has. The passcode is in this response only.",
                    "requestBody": {
                        "required": false,
                        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/IssueRequest" } } }
                    },
                    "responses": responses("201", json_response("The new pass and its passcode.", "IssuedPass"))
                },
                "get": {
                    "operationId": "getPass",
                    "summary": "The user's pass and whether it is usable now (never the passcode).",
                    "responses": responses("200", json_response("The pass.", "Pass"))
                },
                "delete": {
                    "operationId": "revokePass",
                    "summary": "Revoke the user's pass, ending the sessions and tokens that began with it.",
                    "responses": responses("200", json_response("What ended with it.", "Revoked"))
                }
            },
            "/api/openapi.json": {
                "get": {
                    "operationId": "getOpenApi",
                    "summary": "This document.",
                    "security": [],
                    "responses": { "200": { "description": "The OpenAPI document.", "content": { "application/json": {} } } }
                }
            }
        },
        "components": {
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer", "bearerFormat": "JWT" }
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error", "message"],
                    "properties": {
                        "error": { "type": "string", "description": "A stable code: invalid_request, not_found, conflict, forbidden, unauthenticated, method_not_allowed, …" },
                        "message": { "type": "string", "description": "What went wrong, for people." }
                    }
                },
                "IssueRequest": {
                    "type": "object",
                    "additionalProperties": false,
                    "properties": {
                        "lifetime_minutes": { "type": "integer", "minimum": 0, "description": "Within the policy's bounds; default the policy's." },
                        "start": { "type": "string", "format": "date-time", "description": "Now (default) or up to 30 days ahead." },
                        "one_time": { "type": "boolean", "description": "Default: what the policy requires (false unless it requires one-time passes)." },
                        "length": { "type": "integer", "minimum": 8, "maximum": 48, "description": "At least the policy's length." }
                    }
                },
                "Reason": {
                    "type": "string",
                    "enum": ["EnabledByPolicy", "DisabledByPolicy", "NotInScope", "NotYetValid", "Expired", "OneTimeUsed", "Locked", "Revoked"]
                },
                "CreatedBy": {
                    "type": "object",
                    "required": ["kind"],
                    "properties": {
                        "kind": { "type": "string", "enum": ["user", "client", "cli", "system"] },
                        "id": { "type": ["string", "null"] },
                        "name": { "type": ["string", "null"] }
                    }
                },
                "Pass": {
                    "type": "object",
                    "required": ["id", "user_id", "username", "start", "end", "one_time", "created_by", "created_at", "failed_attempts", "usable", "reason"],
                    "properties": {
                        "id": { "type": "string" },
                        "user_id": { "type": "string" },
                        "username": { "type": "string" },
                        "start": { "type": "string", "format": "date-time" },
                        "end": { "type": "string", "format": "date-time" },
                        "one_time": { "type": "boolean" },
                        "created_by": { "$ref": "#/components/schemas/CreatedBy" },
                        "created_at": { "type": "string", "format": "date-time" },
                        "last_used": { "type": ["string", "null"], "format": "date-time" },
                        "failed_attempts": { "type": "integer" },
                        "usable": { "type": "boolean" },
                        "reason": { "$ref": "#/components/schemas/Reason" },
                        "revoked_at": { "type": ["string", "null"], "format": "date-time" }
                    }
                },
                "IssuedPass": {
                    "allOf": [
                        { "$ref": "#/components/schemas/Pass" },
                        {
                            "type": "object",
                            "required": ["passcode"],
                            "properties": {
                                "passcode": { "type": "string", "description": "Shown once, grouped by four (K7QF-M2XP); entry ignores case, spaces and dashes." }
                            }
                        }
                    ]
                },
                "Revoked": {
                    "type": "object",
                    "required": ["revoked", "sessions_ended", "tokens_revoked"],
                    "properties": {
                        "revoked": { "type": "boolean" },
                        "sessions_ended": { "type": "integer" },
                        "tokens_revoked": { "type": "integer" }
                    }
                }
            }
        }
    })
}
