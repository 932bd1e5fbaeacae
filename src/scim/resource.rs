//! Users and groups as SCIM resources (RFC 7643 §4, the enterprise extension §4.3), and the input a
//! POST, PUT or PATCH result is read back from. `meta.version` is a weak ETag over the resource's
//! content, so a change made anywhere (console, API, CLI) changes it.

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use time::format_description::well_known::Rfc3339;

use super::error::ScimError;
use super::records::{GroupRecord, UserRecord};
use super::{ENTERPRISE_SCHEMA, GROUP_SCHEMA, TAPID_SCHEMA, USER_SCHEMA};
use crate::db;
use crate::directory::profiles::UserProfile;

fn rfc3339(ts: i64) -> String {
    db::from_ts(ts).format(&Rfc3339).unwrap_or_default()
}

fn put(object: &mut Map<String, Value>, key: &str, value: &Option<String>) {
    if let Some(value) = value {
        object.insert(key.into(), json!(value));
    }
}

/// Adds `meta` (with the ETag computed over everything else) to a resource.
fn finish(mut resource: Value, kind: &str, created: i64, modified: i64, location: String) -> Value {
    let version = etag_of(&resource);
    resource["meta"] = json!({
        "resourceType": kind,
        "created": rfc3339(created),
        "lastModified": rfc3339(modified.max(created)),
        "location": location,
        "version": version,
    });
    resource
}

fn etag_of(resource: &Value) -> String {
    let digest = Sha256::digest(resource.to_string().as_bytes());
    format!("W/\"{}\"", hex::encode(&digest[..12]))
}

/// The resource's ETag, as in `meta.version`.
pub fn version(resource: &Value) -> String {
    resource["meta"]["version"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

pub fn user_json(record: &UserRecord, base: &str) -> Value {
    let user = &record.user;
    let profile = &record.profile;
    let mut object = Map::new();
    let mut schemas = vec![json!(USER_SCHEMA)];
    object.insert("id".into(), json!(user.id));
    put(&mut object, "externalId", &profile.external_id);
    object.insert("userName".into(), json!(user.username));
    let mut name = Map::new();
    put(&mut name, "givenName", &profile.given_name);
    put(&mut name, "familyName", &profile.family_name);
    if !name.is_empty() {
        object.insert("name".into(), Value::Object(name));
    }
    put(&mut object, "displayName", &user.display_name);
    object.insert("active".into(), json!(user.enabled));
    if let Some(email) = &user.email {
        let mut entry = json!({ "value": email });
        if let Some(primary) = profile.email_primary {
            entry["primary"] = json!(primary);
        }
        if let Some(kind) = &profile.email_type {
            entry["type"] = json!(kind);
        }
        object.insert("emails".into(), json!([entry]));
    }
    put(&mut object, "timezone", &profile.time_zone);
    if !record.groups.is_empty() {
        let groups: Vec<Value> = record
            .groups
            .iter()
            .map(|(id, name)| {
                json!({ "value": id, "display": name, "$ref": format!("{base}/Groups/{id}"), "type": "direct" })
            })
            .collect();
        object.insert("groups".into(), json!(groups));
    }
    let mut enterprise = Map::new();
    put(&mut enterprise, "employeeNumber", &profile.employee_number);
    put(&mut enterprise, "department", &profile.department);
    if let Some(manager) = &profile.manager_id {
        enterprise.insert(
            "manager".into(),
            json!({ "value": manager, "$ref": format!("{base}/Users/{manager}") }),
        );
    }
    if !enterprise.is_empty() {
        schemas.push(json!(ENTERPRISE_SCHEMA));
        object.insert(ENTERPRISE_SCHEMA.into(), Value::Object(enterprise));
    }
    if let Some(start) = &profile.start_date {
        schemas.push(json!(TAPID_SCHEMA));
        object.insert(TAPID_SCHEMA.into(), json!({ "startDate": start }));
    }
    object.insert("schemas".into(), json!(schemas));
    let modified = db::ts(user.updated_at).max(record.profile_at.unwrap_or(0));
    finish(
        Value::Object(object),
        "User",
        db::ts(user.created_at),
        modified,
        format!("{base}/Users/{}", user.id),
    )
}

pub fn group_json(record: &GroupRecord, base: &str) -> Value {
    let group = &record.group;
    let mut object = Map::new();
    object.insert("schemas".into(), json!([GROUP_SCHEMA]));
    object.insert("id".into(), json!(group.id));
    put(&mut object, "externalId", &record.external_id);
    object.insert("displayName".into(), json!(group.name));
    let members: Vec<Value> = record
        .members
        .iter()
        .map(|(id, _)| json!({ "value": id, "$ref": format!("{base}/Users/{id}") }))
        .collect();
    if !members.is_empty() {
        object.insert("members".into(), json!(members));
    }
    let created = db::ts(group.created_at);
    finish(
        Value::Object(object),
        "Group",
        created,
        record.profile_at.unwrap_or(created),
        format!("{base}/Groups/{}", group.id),
    )
}

/// A key of an object, compared case-insensitively.
pub fn get_ci<'a>(object: &'a Value, name: &str) -> Option<&'a Value> {
    object
        .as_object()?
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value)
        .filter(|v| !v.is_null())
}

fn text(object: &Value, name: &str, what: &str) -> Result<Option<String>, ScimError> {
    match get_ci(object, name) {
        None => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim().to_string())),
        Some(_) => Err(ScimError::invalid_value(format!("{what} must be a string"))),
    }
}

/// A user as a request body describes it.
#[derive(Clone, Debug)]
pub struct UserInput {
    pub user_name: String,
    pub display_name: Option<String>,
    pub email: Option<String>,
    /// `None`: not said (keep as it is).
    pub active: Option<bool>,
    pub profile: UserProfile,
}

pub fn parse_user(body: &Value) -> Result<UserInput, ScimError> {
    if !body.is_object() {
        return Err(ScimError::invalid_syntax("a User is a JSON object"));
    }
    let user_name = text(body, "userName", "userName")?
        .ok_or_else(|| ScimError::invalid_value("userName is required"))?;
    // Absent: the account stays as it is (a new one is active). Some HR systems send strings.
    let active = match get_ci(body, "active") {
        None => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Some(true),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Some(false),
        Some(_) => return Err(ScimError::invalid_value("active must be true or false")),
    };
    let (email, email_type, email_primary) = match get_ci(body, "emails") {
        None => (None, None, None),
        Some(Value::Array(items)) => {
            let chosen = items
                .iter()
                .find(|e| get_ci(e, "primary") == Some(&Value::Bool(true)))
                .or_else(|| items.first());
            match chosen {
                Some(entry) => (
                    text(entry, "value", "emails.value")?,
                    text(entry, "type", "emails.type")?,
                    get_ci(entry, "primary").and_then(Value::as_bool),
                ),
                None => (None, None, None),
            }
        }
        Some(_) => return Err(ScimError::invalid_value("emails must be a list")),
    };
    let name = get_ci(body, "name").cloned().unwrap_or(Value::Null);
    let enterprise = get_ci(body, ENTERPRISE_SCHEMA)
        .cloned()
        .unwrap_or(Value::Null);
    let manager_id = match get_ci(&enterprise, "manager") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(entry @ Value::Object(_)) => text(entry, "value", "manager.value")?,
        Some(_) => return Err(ScimError::invalid_value("manager must be an object")),
    };
    let tapid = get_ci(body, TAPID_SCHEMA).cloned().unwrap_or(Value::Null);
    let start_date = text(&tapid, "startDate", "startDate")?;
    if let Some(start) = &start_date {
        crate::tap::StartDate::parse(start).map_err(ScimError::invalid_value)?;
    }
    let profile = UserProfile {
        external_id: text(body, "externalId", "externalId")?,
        given_name: text(&name, "givenName", "name.givenName")?,
        family_name: text(&name, "familyName", "name.familyName")?,
        employee_number: text(&enterprise, "employeeNumber", "employeeNumber")?,
        department: text(&enterprise, "department", "department")?,
        manager_id: manager_id.filter(|m| !m.trim().is_empty()),
        time_zone: text(body, "timezone", "timezone")?,
        email_type: email_type.filter(|_| email.is_some()),
        email_primary: email_primary.filter(|_| email.is_some()),
        start_date,
    };
    Ok(UserInput {
        user_name,
        display_name: text(body, "displayName", "displayName")?,
        email,
        active,
        profile,
    })
}

/// A group as a request body describes it.
#[derive(Clone, Debug)]
pub struct GroupInput {
    pub display_name: String,
    pub external_id: Option<String>,
    /// Member user ids.
    pub members: Vec<String>,
}

pub fn parse_group(body: &Value) -> Result<GroupInput, ScimError> {
    if !body.is_object() {
        return Err(ScimError::invalid_syntax("a Group is a JSON object"));
    }
    let display_name = text(body, "displayName", "displayName")?
        .ok_or_else(|| ScimError::invalid_value("displayName is required"))?;
    let mut members = Vec::new();
    match get_ci(body, "members") {
        None => {}
        Some(Value::Array(items)) => {
            for item in items {
                let id = text(item, "value", "members.value")?.ok_or_else(|| {
                    ScimError::invalid_value("each member needs a value (a user id)")
                })?;
                if !members.contains(&id) {
                    members.push(id);
                }
            }
        }
        Some(_) => return Err(ScimError::invalid_value("members must be a list")),
    }
    Ok(GroupInput {
        display_name,
        external_id: text(body, "externalId", "externalId")?,
        members,
    })
}
