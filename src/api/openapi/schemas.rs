//! The schemas of the document.

use serde_json::{Value, json};

use super::schema_ref;

fn string() -> Value {
    json!({ "type": "string" })
}
fn nullable_string() -> Value {
    json!({ "type": ["string", "null"] })
}
fn time() -> Value {
    json!({ "type": "string", "format": "date-time" })
}
fn nullable_time() -> Value {
    json!({ "type": ["string", "null"], "format": "date-time" })
}
fn strings() -> Value {
    json!({ "type": "array", "items": { "type": "string" } })
}
fn roles() -> Value {
    json!({ "type": "array", "items": schema_ref("Role") })
}
fn minutes(description: &str) -> Value {
    json!({ "type": "integer", "minimum": 0, "description": description })
}

pub fn schemas() -> Value {
    let mut all = directory();
    let merge = |all: &mut Value, more: Value| {
        if let (Some(a), Value::Object(m)) = (all.as_object_mut(), more) {
            a.extend(m);
        }
    };
    merge(&mut all, passes());
    merge(&mut all, clients_policy_audit());
    all
}

fn directory() -> Value {
    json!({
        "Error": {
            "type": "object",
            "required": ["error", "message"],
            "properties": {
                "error": { "type": "string", "description": "A stable code: invalid_request, not_found, conflict, forbidden, unauthenticated, method_not_allowed, …" },
                "message": { "type": "string", "description": "What went wrong, for people." }
            }
        },
        "Role": { "type": "string", "enum": ["admin", "helpdesk"] },
        "User": {
            "type": "object",
            "required": ["id", "username", "enabled", "roles", "created_at", "updated_at"],
            "properties": {
                "id": string(), "username": string(), "display_name": nullable_string(), "email": nullable_string(),
                "email_verified": { "type": "boolean", "description": "An administrator checked the address; sent as the email_verified claim." },
                "enabled": { "type": "boolean" }, "roles": roles(), "created_at": time(), "updated_at": time()
            }
        },
        "ListedUser": {
            "allOf": [
                schema_ref("User"),
                {
                    "type": "object",
                    "required": ["method_count", "pass"],
                    "properties": {
                        "method_count": { "type": "integer", "description": "How many sign-in methods the user has." },
                        "pass": { "oneOf": [ schema_ref("Pass"), { "type": "null" } ] }
                    }
                }
            ]
        },
        "NewUser": {
            "type": "object",
            "additionalProperties": false,
            "required": ["username"],
            "properties": {
                "username": { "type": "string", "description": "1-64 letters, digits, '.', '_', '-' or '@'." },
                "display_name": nullable_string(), "email": nullable_string(),
                "email_verified": { "type": "boolean", "description": "Admin only." },
                "roles": roles(), "groups": { "type": "array", "items": { "type": "string" }, "description": "Group names." }
            }
        },
        "UserChanges": {
            "type": "object",
            "additionalProperties": false,
            "description": "Absent fields stay as they are; null clears a name or email.",
            "properties": {
                "display_name": nullable_string(), "email": nullable_string(), "roles": roles(),
                "email_verified": { "type": "boolean", "description": "Admin only. A changed email is unverified unless this says otherwise." },
                "groups": { "type": "array", "items": { "type": "string" }, "description": "The complete set of group names." },
                "enabled": { "type": "boolean" }
            }
        },
        "Method": {
            "type": "object",
            "required": ["id", "user_id", "kind", "name", "backed_up", "registered_with_tap", "tap_id", "created_at"],
            "properties": {
                "id": string(), "user_id": string(), "kind": { "type": "string", "enum": ["passkey", "totp"] },
                "name": string(), "backed_up": { "type": "boolean" },
                "registered_with_tap": { "type": "boolean", "description": "Registered in a session that began with a pass." },
                "tap_id": { "type": ["string", "null"], "description": "The id of that pass (see Pass.id and the pass_id of tap.* audit events); null when registered without a pass, or with one before tapid recorded which." },
                "created_at": time(), "last_used_at": nullable_time()
            }
        },
        "SignedOut": {
            "type": "object", "required": ["sessions_ended", "tokens_revoked"],
            "properties": { "sessions_ended": { "type": "integer" }, "tokens_revoked": { "type": "integer" } }
        },
        "RemovedMethods": {
            "type": "object", "required": ["removed"],
            "properties": { "removed": { "type": "array", "items": schema_ref("Method") } }
        },
        "UserDetail": {
            "allOf": [
                schema_ref("User"),
                {
                    "type": "object",
                    "required": ["groups", "methods", "pass", "recent_sign_ins"],
                    "properties": {
                        "groups": strings(),
                        "methods": { "type": "array", "items": schema_ref("Method") },
                        "pass": { "oneOf": [ schema_ref("Pass"), { "type": "null" } ] },
                        "recent_sign_ins": { "type": "array", "items": schema_ref("AuditEvent") }
                    }
                }
            ]
        },
        "Group": {
            "type": "object",
            "required": ["id", "name", "members", "created_at"],
            "properties": { "id": string(), "name": string(), "members": { "type": "integer", "description": "How many." }, "created_at": time() }
        },
        "NewGroup": {
            "type": "object", "additionalProperties": false, "required": ["name"],
            "properties": { "name": string() }
        },
        "GroupDetail": {
            "allOf": [
                schema_ref("Group"),
                {
                    "type": "object", "required": ["member_list"],
                    "properties": { "member_list": { "type": "array", "items": {
                        "type": "object", "required": ["id", "username"],
                        "properties": { "id": string(), "username": string() }
                    } } }
                }
            ]
        },
        "Membership": {
            "type": "object",
            "required": ["group_id", "user_id", "member", "changed"],
            "properties": { "group_id": string(), "user_id": string(), "member": { "type": "boolean" }, "changed": { "type": "boolean" } }
        }
    })
}

fn passes() -> Value {
    json!({
        "IssueRequest": {
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "lifetime_minutes": { "type": "integer", "minimum": 0, "description": "Within the policy's bounds; default the policy's." },
                "start": { "type": "string", "format": "date-time", "description": "Now (default) or up to 30 days ahead." },
                "start_local": { "type": "string", "description": "Instead of `start`: the person's local date (the start of that day) or date and time, no offset, e.g. `2026-12-07T08:30`; needs `time_zone`." },
                "time_zone": { "type": "string", "description": "IANA time zone name for `start_local`, e.g. `Europe/Berlin`." },
                "one_time": { "type": "boolean", "description": "Default: what the policy requires (false unless it requires one-time passes)." },
                "length": { "type": "integer", "minimum": 8, "maximum": 48, "description": "At least the policy's length." },
                "send_to": { "type": "string", "enum": ["manager", "person"], "description": "With `deliver: reveal_link`: mail the link (through `smtp.*`) to the person's manager or to the person instead of returning it; the response then names `reveal_link.sent_to` and has no `url`." },
                "deliver": { "type": "string", "enum": ["passcode", "reveal_link"], "description": "`passcode` (default) in the response, or `reveal_link`: a one-time link (`reveal_link` in the response) that shows it once after the confirmation `reveal.confirm` names." }
            }
        },
        "Reason": {
            "type": "string",
            "enum": ["EnabledByPolicy", "DisabledByPolicy", "NotInScope", "NotYetValid", "Expired", "OneTimeUsed", "Locked", "Revoked", "UserDisabled", "InUse"]
        },
        "CreatedBy": {
            "type": "object",
            "required": ["kind"],
            "properties": {
                "kind": { "type": "string", "enum": ["user", "client", "cli", "system"] },
                "id": nullable_string(), "name": nullable_string()
            }
        },
        "Pass": {
            "type": "object",
            "required": ["id", "user_id", "username", "start", "end", "one_time", "created_by", "created_at", "failed_attempts", "usable", "reason"],
            "properties": {
                "id": string(), "user_id": string(), "username": string(), "start": time(), "end": time(),
                "one_time": { "type": "boolean" }, "created_by": schema_ref("CreatedBy"), "created_at": time(),
                "last_used": nullable_time(), "failed_attempts": { "type": "integer" }, "usable": { "type": "boolean" },
                "reason": schema_ref("Reason"), "revoked_at": nullable_time()
            }
        },
        "IssuedPass": {
            "allOf": [
                schema_ref("Pass"),
                {
                    "type": "object",
                    "properties": {
                        "passcode": { "type": "string", "description": "Shown once, grouped by four (K7QF-M2XP); entry ignores case, spaces and dashes. Absent with `deliver: reveal_link`." },
                        "reveal_link": { "$ref": "#/components/schemas/RevealLink" }
                    }
                }
            ]
        },
        "Revoked": {
            "type": "object",
            "required": ["revoked", "sessions_ended", "tokens_revoked"],
            "properties": {
                "revoked": { "type": "boolean" }, "sessions_ended": { "type": "integer" }, "tokens_revoked": { "type": "integer" }
            }
        }
    })
}

fn clients_policy_audit() -> Value {
    let grants = json!({ "type": "array", "items": { "enum": ["authorization_code", "refresh_token", "client_credentials", "urn:ietf:params:oauth:grant-type:device_code", "device_code"] } });
    let alg = json!({ "enum": ["RS256", "ES256", "EdDSA"] });
    let access_alg = json!({
        "enum": ["RS256", "ES256", "EdDSA"],
        "description": "What the client's access tokens (RFC 9068 JWTs) are signed with; default RS256. ES256 costs a fraction of RS256 to sign. tapid's endpoints accept tokens signed with any of its published keys."
    });
    let policy_groups = json!({ "type": "array", "items": schema_ref("PolicyGroup") });
    json!({
        "Client": {
            "type": "object",
            "required": ["id", "public", "redirect_uris", "post_logout_redirect_uris", "grant_types", "scopes", "id_token_alg", "access_token_alg", "roles", "created_at", "updated_at"],
            "properties": {
                "id": string(), "name": { "type": ["string", "null"], "description": "The display name (OpenID client_name): the sign-in pages say \"Sign in to continue to\" it." }, "logo_uri": { "type": ["string", "null"], "description": "Shown beside the name on the sign-in pages: an absolute https URL (http only for localhost and loopback)." }, "public": { "type": "boolean" },
                "redirect_uris": strings(), "post_logout_redirect_uris": strings(), "grant_types": grants,
                "scopes": { "type": "string", "description": "Space-separated." }, "id_token_alg": alg,
                "access_token_alg": access_alg,
                "backchannel_logout_uri": nullable_string(), "backchannel_logout_session_required": { "type": "boolean" },
                "frontchannel_logout_uri": nullable_string(), "frontchannel_logout_session_required": { "type": "boolean" },
                "allowed_origins": strings(), "may_introspect": { "type": "boolean", "description": "A resource server: may introspect tokens whose audience includes it." }, "jwks": { "type": ["object", "null"], "description": "private_key_jwt: a JWK Set of the client's public keys (RSA 2048+, EC P-256, Ed25519); the client then has no secret." }, "jwks_uri": { "type": ["string", "null"], "description": "private_key_jwt: where the client publishes its JWK Set (https)." },
                "require_pushed_authorization_requests": { "type": "boolean", "description": "RFC 9126: its authorization requests must be pushed to /par first (confidential clients)." }, "dpop_bound_access_tokens": { "type": "boolean", "description": "RFC 9449: every token request must carry a DPoP proof, so every access token is bound to the client's key." },
                "roles": roles(), "created_at": time(), "updated_at": time()
            }
        },
        "ClientWithSecret": {
            "allOf": [
                schema_ref("Client"),
                { "type": "object", "properties": { "client_secret": { "type": "string", "description": "Present once: at registration of a confidential client, or when a new secret was asked for." } } }
            ]
        },
        "NewClient": {
            "type": "object",
            "additionalProperties": false,
            "required": ["id"],
            "properties": {
                "id": string(), "name": { "type": ["string", "null"], "description": "The display name (OpenID client_name; `client_name` is accepted too)." }, "logo_uri": { "type": ["string", "null"], "description": "Shown beside the name on the sign-in pages: an absolute https URL (http only for localhost and loopback)." }, "public": { "type": "boolean" },
                "redirect_uris": strings(), "post_logout_redirect_uris": strings(), "grant_types": grants,
                "scope": { "type": "string" }, "id_token_alg": alg, "access_token_alg": access_alg,
                "backchannel_logout_uri": nullable_string(), "backchannel_logout_session_required": { "type": "boolean" },
                "frontchannel_logout_uri": nullable_string(), "frontchannel_logout_session_required": { "type": "boolean" },
                "allowed_origins": strings(), "may_introspect": { "type": "boolean", "description": "A resource server: may introspect tokens whose audience includes it." }, "jwks": { "type": ["object", "null"], "description": "private_key_jwt: a JWK Set of the client's public keys (RSA 2048+, EC P-256, Ed25519); the client then has no secret." }, "jwks_uri": { "type": ["string", "null"], "description": "private_key_jwt: where the client publishes its JWK Set (https)." },
                "require_pushed_authorization_requests": { "type": "boolean", "description": "RFC 9126: its authorization requests must be pushed to /par first (confidential clients)." }, "dpop_bound_access_tokens": { "type": "boolean", "description": "RFC 9449: every token request must carry a DPoP proof, so every access token is bound to the client's key." }, "roles": roles()
            }
        },
        "ClientChanges": {
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "name": { "type": ["string", "null"], "description": "The display name (OpenID client_name; `client_name` is accepted too)." }, "logo_uri": { "type": ["string", "null"], "description": "Shown beside the name on the sign-in pages: an absolute https URL (http only for localhost and loopback); null removes it." }, "redirect_uris": strings(), "post_logout_redirect_uris": strings(),
                "grant_types": grants, "scope": { "type": "string" }, "id_token_alg": alg,
                "access_token_alg": access_alg, "roles": roles(),
                "backchannel_logout_uri": nullable_string(), "backchannel_logout_session_required": { "type": "boolean" },
                "frontchannel_logout_uri": nullable_string(), "frontchannel_logout_session_required": { "type": "boolean" },
                "allowed_origins": strings(), "may_introspect": { "type": "boolean", "description": "A resource server: may introspect tokens whose audience includes it." }, "jwks": { "type": ["object", "null"], "description": "private_key_jwt: a JWK Set of the client's public keys (RSA 2048+, EC P-256, Ed25519); the client then has no secret." }, "jwks_uri": { "type": ["string", "null"], "description": "private_key_jwt: where the client publishes its JWK Set (https)." },
                "require_pushed_authorization_requests": { "type": "boolean", "description": "RFC 9126: its authorization requests must be pushed to /par first (confidential clients)." }, "dpop_bound_access_tokens": { "type": "boolean", "description": "RFC 9449: every token request must carry a DPoP proof, so every access token is bound to the client's key." }, "new_secret": { "type": "boolean" }
            }
        },
        "PolicyGroup": {
            "type": "object", "required": ["id", "name"],
            "properties": { "id": string(), "name": string() }
        },
        "Policy": {
            "type": "object",
            "required": ["enabled", "all_users", "include_groups", "exclude_groups", "min_lifetime", "max_lifetime", "default_lifetime", "default_length", "one_time_required", "max_failed_attempts", "enrollment_window"],
            "properties": {
                "enabled": { "type": "boolean" }, "all_users": { "type": "boolean" },
                "include_groups": policy_groups.clone(), "exclude_groups": policy_groups,
                "min_lifetime": minutes("Minutes, 10-43200."), "max_lifetime": minutes("Minutes, 10-43200."),
                "default_lifetime": minutes("Minutes, between the minimum and the maximum."),
                "default_length": { "type": "integer", "minimum": 8, "maximum": 48 },
                "one_time_required": { "type": "boolean" },
                "max_failed_attempts": { "type": "integer", "minimum": 1, "maximum": 100 },
                "enrollment_window": minutes("Minutes a restricted session may last, 1-1440.")
            }
        },
        "PolicyChanges": {
            "type": "object",
            "additionalProperties": false,
            "description": "Absent fields stay as they are. `all_users: true` puts everyone in scope; `include_groups` limits the scope to those groups (names).",
            "properties": {
                "enabled": { "type": "boolean" }, "all_users": { "type": "boolean" },
                "include_groups": strings(), "exclude_groups": strings(),
                "min_lifetime": { "type": "integer" }, "max_lifetime": { "type": "integer" },
                "default_lifetime": { "type": "integer" }, "default_length": { "type": "integer" },
                "one_time_required": { "type": "boolean" }, "max_failed_attempts": { "type": "integer" },
                "enrollment_window": { "type": "integer" }
            }
        },
        "Party": {
            "type": "object", "required": ["kind"],
            "properties": { "kind": { "type": "string" }, "id": nullable_string(), "name": nullable_string() }
        },
        "AuditEvent": {
            "type": "object",
            "required": ["seq", "id", "at", "actor", "action", "outcome", "severity", "details"],
            "properties": {
                "seq": { "type": "integer" }, "id": string(), "at": time(), "actor": schema_ref("Party"),
                "action": string(), "target": { "oneOf": [ schema_ref("Party"), { "type": "null" } ] },
                "outcome": { "enum": ["success", "failure"] }, "severity": { "enum": ["info", "high"] },
                "address": nullable_string(), "details": { "type": "object" }
            }
        }
    })
}
