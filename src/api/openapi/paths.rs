//! The paths of the document.

use serde_json::{Map, Value, json};

use super::{error_response, schema_ref};

fn body(schema: Value) -> Value {
    json!({ "required": true, "content": { "application/json": { "schema": schema } } })
}

/// An operation: its id, summary, success status and body schema, and the errors it may answer.
pub(super) fn op(
    id: &str,
    summary: &str,
    status: &str,
    success: Value,
    request: Option<Value>,
) -> Value {
    let mut responses = Map::new();
    responses.insert(
        status.into(),
        json!({
            "description": "Success.",
            "content": { "application/json": { "schema": success } }
        }),
    );
    for (code, text) in [
        (
            "401",
            "No valid bearer access token (with a `WWW-Authenticate: Bearer` challenge).",
        ),
        ("403", "The caller may not do this; the message says why."),
        ("404", "Nothing with that id."),
        ("405", "The route does not serve this method."),
        (
            "409",
            "It conflicts with what exists (a name taken, a pass already revoked).",
        ),
        (
            "422",
            "The request is malformed or breaks a rule; the message says which.",
        ),
    ] {
        responses.insert(code.into(), error_response(text));
    }
    let mut operation = json!({ "operationId": id, "summary": summary, "responses": responses });
    if let Some(request) = request {
        operation["requestBody"] = body(request);
    }
    operation
}

pub(super) fn path_param(name: &str, description: &str) -> Value {
    json!({ "name": name, "in": "path", "required": true, "description": description, "schema": { "type": "string" } })
}

fn query_param(name: &str, description: &str, schema: Value) -> Value {
    json!({ "name": name, "in": "query", "required": false, "description": description, "schema": schema })
}

pub(super) fn list_of(schema: &str) -> Value {
    json!({ "type": "array", "items": schema_ref(schema) })
}

fn page_of(schema: &str) -> Value {
    json!({
        "type": "object",
        "required": ["items", "next"],
        "properties": {
            "items": list_of(schema),
            "next": { "type": ["string", "null"], "description": "Pass as `offset` (users) or `cursor` (events) for the next page; null on the last." }
        }
    })
}

fn user_page() -> Value {
    let mut page = page_of("ListedUser");
    page["required"] = json!(["items", "next", "total"]);
    page["properties"]["total"] =
        json!({ "type": "integer", "description": "How many users match, on every page." });
    page
}

fn with_params(parameters: Value, mut operation: Value) -> Value {
    operation["parameters"] = parameters;
    operation
}

pub fn paths() -> Value {
    let user_id = path_param("id", "The user's id (the `sub` of their ID tokens).");
    let limit = query_param(
        "limit",
        "Page size, 1-200 (default 50).",
        json!({ "type": "integer" }),
    );
    json!({
        "/api/v1/users": {
            "get": with_params(json!([
                    query_param("search", "Part of a username, name or email (case-insensitive).", json!({ "type": "string" })),
                    query_param("role", "Only users who hold this role, or (`none`) no role.", json!({ "type": "string", "enum": ["admin", "helpdesk", "none"] })),
                    query_param("enabled", "Only enabled (true) or disabled (false) accounts.", json!({ "type": "boolean" })),
                    query_param("usable_pass", "Only users whose pass is usable now (true), or who hold no usable pass (false).", json!({ "type": "boolean" })),
                    query_param("has_methods", "Only users with at least one sign-in method (true), or with none (false).", json!({ "type": "boolean" })),
                    limit,
                    query_param("offset", "Where the page starts (the previous page's `next`).", json!({ "type": "integer" }))
                ]), op("listUsers", "Users by username, a page at a time, each with their pass and method count, and how many match in all.", "200", user_page(), None)),
            "post": op("createUser", "Create a user. Granting roles needs the admin role.", "201", schema_ref("User"), Some(schema_ref("NewUser")))
        },
        "/api/v1/users/{id}": {
            "parameters": [ user_id.clone() ],
            "get": op("getUser", "A user with their groups, methods, pass and recent sign-ins.", "200", schema_ref("UserDetail"), None),
            "patch": op("updateUser", "Change a user. Roles: admin only, never one's own; enabling or disabling: never oneself. Disabling ends their sessions.", "200", schema_ref("User"), Some(schema_ref("UserChanges"))),
            "delete": op("removeUser", "Remove a user for good (admin only, never oneself).", "200", schema_ref("User"), None)
        },
        "/api/v1/users/{id}/methods": {
            "parameters": [ user_id.clone() ],
            "get": op("listMethods", "The user's sign-in methods (never their secrets).", "200", list_of("Method"), None),
            "delete": op("removeAllMethods", "Remove every method of the user and end their sessions (lost phone).", "200", schema_ref("RemovedMethods"), None)
        },
        "/api/v1/users/{id}/sessions": {
            "parameters": [ user_id.clone() ],
            "delete": op("signOutUser", "Sign the person out everywhere: their sessions end, the applications that got tokens in them are told (back-channel logout), their tokens are revoked.", "200", schema_ref("SignedOut"), None)
        },
        "/api/v1/users/{id}/methods/{method_id}": {
            "parameters": [ user_id.clone(), path_param("method_id", "The method's id.") ],
            "delete": op("removeMethod", "Remove one method of the user.", "200", schema_ref("Method"), None)
        },
        "/api/v1/users/{id}/temporary-access-pass": {
            "parameters": [ user_id ],
            "post": op("issuePass", "Issue a pass, replacing any the user has. The passcode is in this response only.", "201", schema_ref("IssuedPass"), Some(schema_ref("IssueRequest"))),
            "get": op("getPass", "The user's pass and whether it is usable now (never the passcode).", "200", schema_ref("Pass"), None),
            "delete": op("revokePass", "Revoke the user's pass, ending the sessions and tokens that began with it.", "200", schema_ref("Revoked"), None)
        },
        "/api/v1/groups": {
            "get": op("listGroups", "Every group with its number of members.", "200", list_of("Group"), None),
            "post": op("createGroup", "Create a group (admin only).", "201", schema_ref("Group"), Some(schema_ref("NewGroup")))
        },
        "/api/v1/groups/{id}": {
            "parameters": [ path_param("id", "The group's id.") ],
            "get": op("getGroup", "A group and its members.", "200", schema_ref("GroupDetail"), None),
            "delete": op("removeGroup", "Remove a group (admin only); memberships go with it.", "200", schema_ref("Group"), None)
        },
        "/api/v1/groups/{id}/members/{user_id}": {
            "parameters": [ path_param("id", "The group's id."), path_param("user_id", "The user's id.") ],
            "put": op("addMember", "Make the user a member (no change if they are one).", "200", schema_ref("Membership"), None),
            "delete": op("removeMember", "End the user's membership.", "200", schema_ref("Membership"), None)
        },
        "/api/v1/clients": {
            "get": op("listClients", "Registered clients (admin only).", "200", list_of("Client"), None),
            "post": op("createClient", "Register a client (admin only). A confidential client's secret is in this response only.", "201", schema_ref("ClientWithSecret"), Some(schema_ref("NewClient")))
        },
        "/api/v1/clients/{id}": {
            "parameters": [ path_param("id", "The client id.") ],
            "get": op("getClient", "A client (admin only).", "200", schema_ref("Client"), None),
            "patch": op("updateClient", "Change a client (admin only); `new_secret` replaces its secret, returned once.", "200", schema_ref("ClientWithSecret"), Some(schema_ref("ClientChanges"))),
            "delete": op("removeClient", "Remove a client and its codes and tokens (admin only).", "200", schema_ref("Client"), None)
        },
        "/api/v1/policy": {
            "get": op("getPolicy", "The Temporary Access Pass policy.", "200", schema_ref("Policy"), None),
            "patch": op("updatePolicy", "Change the policy (admin only); the result is validated as a whole.", "200", schema_ref("Policy"), Some(schema_ref("PolicyChanges")))
        },
        "/api/v1/audit-events": {
            "get": with_params(json!([
                    query_param("user_id", "Events by or about this user.", json!({ "type": "string" })),
                    query_param("action", "An action (`tap.issued`) or a family ending in a dot (`tap.`).", json!({ "type": "string" })),
                    query_param("severity", "Only events of this severity.", json!({ "enum": ["info", "high"] })),
                    query_param("since", "At or after this time.", json!({ "type": "string", "format": "date-time" })),
                    query_param("until", "At or before this time.", json!({ "type": "string", "format": "date-time" })),
                    query_param("cursor", "The previous page's `next`.", json!({ "type": "string" })),
                    query_param("limit", "Page size, 1-200 (default 50).", json!({ "type": "integer" }))
                ]), op("listAuditEvents", "Audit events, newest first, a page at a time.", "200", page_of("AuditEvent"), None))
        },
        "/api/openapi.json": {
            "get": {
                "operationId": "getOpenApi",
                "summary": "This document.",
                "security": [],
                "responses": { "200": { "description": "The OpenAPI document.", "content": { "application/json": {} } } }
            }
        }
    })
}
