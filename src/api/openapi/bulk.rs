//! The batch-of-passes path and schemas of the document.

use serde_json::{Value, json};

use super::paths::op;
use super::schema_ref;

pub fn paths() -> Value {
    json!({
        "/api/v1/users/{id}/temporary-access-pass/reveal-link": {
            "parameters": [ super::paths::path_param("id", "The user's id.") ],
            "delete": op("revokeRevealLinks", "Revoke the user's unopened reveal links, destroying the sealed passcodes; the pass stays.", "200", schema_ref("RevokedLinks"), None)
        },
        "/api/v1/temporary-access-passes/bulk": {
            "post": op(
                "issuePassesInBulk",
                "Issue passes for a batch of people (new hires), each row checked against the policy and \
                 the caller's roles. All rows are issued in one transaction, or none: a refused row answers \
                 422 with the same row-by-row report. `dry_run` previews (200) without issuing. The \
                 passcodes are in the 201 response only.",
                "201",
                schema_ref("BulkReport"),
                Some(schema_ref("BulkRequest")),
            )
        }
    })
}

pub fn schemas() -> Value {
    let nullable_time = json!({ "type": ["string", "null"], "format": "date-time" });
    json!({
        "RevokedLinks": {
            "type": "object",
            "required": ["revoked"],
            "properties": { "revoked": { "type": "integer" } }
        },
        "RevealLink": {
            "type": "object",
            "required": ["id", "expires_at", "confirm"],
            "properties": {
                "id": { "type": "string" },
                "url": { "type": "string", "description": "Opens once; holds no passcode. A secret until opened. Absent when the link was sent." },
                "sent_to": { "type": "string", "description": "The address the link was mailed to." },
                "expires_at": { "type": "string", "format": "date-time" },
                "confirm": { "type": "string", "enum": ["manager_passkey", "employee_number"] }
            }
        },
        "BulkRequest": {
            "type": "object",
            "additionalProperties": false,
            "required": ["rows"],
            "properties": {
                "dry_run": { "type": "boolean", "description": "Check and report, issue nothing (default false)." },
                "rows": { "type": "array", "maxItems": 1000, "items": schema_ref("BulkRow") }
            }
        },
        "BulkRow": {
            "type": "object",
            "additionalProperties": false,
            "required": ["username"],
            "properties": {
                "username": { "type": "string" },
                "start": { "type": "string", "description": "The person's local date (`2026-12-07`, the start of that day) or date and time (`2026-12-07T08:30`), no offset; needs `time_zone`. Default now; at most 30 days ahead." },
                "time_zone": { "type": "string", "description": "IANA time zone name, e.g. `Europe/Berlin`." },
                "lifetime_minutes": { "type": "integer", "minimum": 0 },
                "one_time": { "type": "boolean" },
                "length": { "type": "integer", "minimum": 8, "maximum": 48 }
            }
        },
        "BulkReport": {
            "type": "object",
            "required": ["applied", "dry_run", "refused", "rows"],
            "properties": {
                "applied": { "type": "boolean" },
                "dry_run": { "type": "boolean" },
                "batch_id": { "type": "string", "description": "Carried by every `tap.issued` event of the batch." },
                "refused": { "type": "integer" },
                "rows": { "type": "array", "items": schema_ref("BulkRowReport") },
                "error": { "type": "string", "description": "On 422 only." },
                "message": { "type": "string", "description": "On 422 only." }
            }
        },
        "BulkRowReport": {
            "type": "object",
            "required": ["row", "username", "ok", "start", "end", "one_time", "replaces"],
            "properties": {
                "row": { "type": "integer", "description": "Position in `rows`, from 1." },
                "username": { "type": "string" },
                "ok": { "type": "boolean" },
                "error": { "type": "string", "description": "Why the row was refused." },
                "start": nullable_time.clone(),
                "end": nullable_time,
                "time_zone": { "type": "string" },
                "one_time": { "type": ["boolean", "null"] },
                "replaces": { "type": "boolean", "description": "The person has a pass this one replaces." },
                "passcode": { "type": "string", "description": "Applied batches only, shown once." }
            }
        }
    })
}
