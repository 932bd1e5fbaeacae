//! The webhook paths and schemas of the document.

use serde_json::{Value, json};

use super::paths::{list_of, op, path_param};
use super::schema_ref;

pub fn paths() -> Value {
    json!({
        "/api/v1/webhooks": {
            "get": op("listWebhooks", "Webhook endpoints with their delivery state (admin only).", "200", list_of("Webhook"), None),
            "post": op("createWebhook", "Register an endpoint (admin only). Its signing secret is in this response only.", "201", schema_ref("WebhookWithSecret"), Some(schema_ref("NewWebhook")))
        },
        "/api/v1/webhooks/{id}": {
            "parameters": [ path_param("id", "The endpoint's id.") ],
            "get": op("getWebhook", "An endpoint and its delivery state (admin only).", "200", schema_ref("Webhook"), None),
            "delete": op("removeWebhook", "Remove an endpoint and its undelivered messages (admin only).", "200", schema_ref("Webhook"), None)
        }
    })
}

pub fn schemas() -> Value {
    let types = json!({
        "type": "array", "items": { "type": "string" },
        "description": "Actions (`tap.locked`), families (`tap.*`) or `*` for every event."
    });
    json!({
        "Webhook": {
            "type": "object",
            "required": ["id", "url", "description", "event_types", "high_only", "created_at", "pending", "delivered", "failures"],
            "properties": {
                "id": { "type": "string" }, "url": { "type": "string" }, "description": { "type": "string" },
                "event_types": types.clone(),
                "high_only": { "type": "boolean", "description": "Only events of high severity." },
                "created_at": { "type": "string", "format": "date-time" },
                "pending": { "type": "integer", "description": "Messages waiting for delivery." },
                "delivered": { "type": "integer" },
                "failures": { "type": "integer", "description": "Consecutive failed attempts." },
                "last_attempt_at": { "type": ["string", "null"], "format": "date-time" },
                "last_success_at": { "type": ["string", "null"], "format": "date-time" },
                "last_status": { "type": ["string", "null"], "description": "HTTP status of the last attempt, or `timeout`, `connect`, `error`." },
                "last_error": { "type": ["string", "null"] }
            }
        },
        "WebhookWithSecret": {
            "allOf": [
                schema_ref("Webhook"),
                { "type": "object", "required": ["secret"], "properties": { "secret": { "type": "string", "description": "The Standard Webhooks signing secret (`whsec_…`); shown once." } } }
            ]
        },
        "NewWebhook": {
            "type": "object",
            "additionalProperties": false,
            "required": ["url", "event_types"],
            "properties": {
                "url": { "type": "string", "description": "An absolute http or https URL." },
                "event_types": types,
                "high_only": { "type": "boolean" },
                "description": { "type": "string" }
            }
        }
    })
}
