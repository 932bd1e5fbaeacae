//! PATCH (RFC 7644 §3.5.2): `add`, `replace` and `remove`, with or without a path, including value
//! filters (`members[value eq "…"]`, `emails[type eq "work"].value`). Operations apply to the
//! resource's JSON representation in order; the result is then read back exactly as a PUT body, so
//! PATCH and PUT share every rule.

use serde_json::{Map, Value};

use super::error::ScimError;
use super::filter::{self, PatchPath};
use super::resource::get_ci;
use super::{CORE_PREFIX, PATCH_SCHEMA, USER_EXTENSIONS};

/// Most operations in one request.
pub const MAX_OPERATIONS: usize = 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Add,
    Replace,
    Remove,
}

/// Applies a PatchOp body to `resource`.
pub fn apply(resource: &mut Value, body: &Value) -> Result<(), ScimError> {
    let schemas_ok = get_ci(body, "schemas")
        .and_then(Value::as_array)
        .is_some_and(|s| s.iter().any(|s| s.as_str() == Some(PATCH_SCHEMA)));
    if !schemas_ok {
        return Err(ScimError::invalid_syntax(format!(
            "a PATCH body has schemas [\"{PATCH_SCHEMA}\"]"
        )));
    }
    let operations = get_ci(body, "Operations")
        .and_then(Value::as_array)
        .ok_or_else(|| ScimError::invalid_syntax("a PATCH body has a list of Operations"))?;
    if operations.len() > MAX_OPERATIONS {
        return Err(ScimError::new(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            Some("tooMany"),
            format!("at most {MAX_OPERATIONS} operations per request"),
        ));
    }
    if let Some(meta) = resource.as_object_mut() {
        meta.remove("meta");
    }
    for operation in operations {
        let op = match get_ci(operation, "op")
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase)
        {
            Some(op) if op == "add" => Op::Add,
            Some(op) if op == "replace" => Op::Replace,
            Some(op) if op == "remove" => Op::Remove,
            _ => return Err(ScimError::invalid_syntax("op is add, replace or remove")),
        };
        let path = match get_ci(operation, "path").and_then(Value::as_str) {
            Some(text) if !text.trim().is_empty() => {
                Some(filter::parse_path(text).map_err(|e| ScimError::invalid_path(e.0))?)
            }
            _ => None,
        };
        let value = get_ci(operation, "value").cloned();
        match (op, path, value) {
            (Op::Remove, None, _) => return Err(ScimError::no_target("remove needs a path")),
            (Op::Remove, Some(path), _) => remove(resource, &path)?,
            (_, _, None) => return Err(ScimError::invalid_syntax("add and replace need a value")),
            (op, None, Some(Value::Object(values))) => {
                for (key, value) in values {
                    let path =
                        filter::parse_path(&key).map_err(|e| ScimError::invalid_path(e.0))?;
                    set(resource, &path, value, op)?;
                }
            }
            (_, None, Some(_)) => {
                return Err(ScimError::invalid_value(
                    "without a path the value is an object",
                ));
            }
            (op, Some(path), Some(value)) => set(resource, &path, value, op)?,
        }
    }
    Ok(())
}

fn read_only(path: &PatchPath) -> Result<(), ScimError> {
    if path.attr.schema.is_none() && matches!(path.attr.attr.as_str(), "id" | "meta" | "groups") {
        return Err(ScimError::mutability(format!(
            "{} is read-only",
            path.attr.attr
        )));
    }
    Ok(())
}

/// What a path names in the object it lives in.
enum Key {
    /// An attribute, by its key there.
    Attr(String),
    /// A whole extension (its URN), in the resource.
    Extension(&'static str),
}

/// An object an attribute lives in, and what the path names there.
type Target<'a> = (&'a mut Map<String, Value>, Key);

/// The object the path's attribute lives in (the resource or an extension's object), and the key
/// of that attribute in it; `None` as key when the path names a whole extension.
fn container<'a>(
    resource: &'a mut Value,
    path: &PatchPath,
    create: bool,
) -> Result<Option<Target<'a>>, ScimError> {
    let root = resource
        .as_object_mut()
        .ok_or_else(|| ScimError::invalid_syntax("the resource is not an object"))?;
    let Some(schema) = path
        .attr
        .schema
        .as_deref()
        .filter(|s| !s.starts_with(CORE_PREFIX))
    else {
        let key = existing_key(root, &path.attr.attr);
        return Ok(Some((root, Key::Attr(key))));
    };
    let whole = format!("{schema}:{}", path.attr.attr);
    if let Some(urn) = USER_EXTENSIONS
        .into_iter()
        .find(|urn| whole.eq_ignore_ascii_case(urn))
    {
        return Ok(Some((root, Key::Extension(urn))));
    }
    let Some(urn) = USER_EXTENSIONS
        .into_iter()
        .find(|urn| schema.eq_ignore_ascii_case(urn))
    else {
        return Err(ScimError::invalid_path(format!(
            "unknown schema `{schema}`"
        )));
    };
    let attr = path.attr.attr.clone();
    let urn_key = existing_key(root, urn);
    if !root.contains_key(&urn_key) {
        if !create {
            return Ok(None);
        }
        root.insert(urn_key.clone(), Value::Object(Map::new()));
    }
    match root.get_mut(&urn_key) {
        Some(Value::Object(inner)) => {
            let key = existing_key(inner, &attr);
            Ok(Some((inner, Key::Attr(key))))
        }
        _ => Err(ScimError::invalid_value(format!("{urn} must be an object"))),
    }
}

/// The key already used for `name` in `object` (any case), or `name` itself.
fn existing_key(object: &Map<String, Value>, name: &str) -> String {
    object
        .keys()
        .find(|k| k.eq_ignore_ascii_case(name))
        .cloned()
        .unwrap_or_else(|| name.to_string())
}

/// Merges (add) or sets (replace) a whole extension's attributes.
fn set_extension(
    object: &mut Map<String, Value>,
    urn: &str,
    value: Value,
    op: Op,
) -> Result<(), ScimError> {
    let urn = existing_key(object, urn);
    let Value::Object(values) = value else {
        return Err(ScimError::invalid_value(
            "an extension's value is an object",
        ));
    };
    let entry = object
        .entry(urn)
        .or_insert_with(|| Value::Object(Map::new()));
    if op == Op::Replace || !entry.is_object() {
        *entry = Value::Object(Map::new());
    }
    if let Value::Object(inner) = entry {
        for (k, v) in values {
            let k = existing_key(inner, &k);
            inner.insert(k, v);
        }
    }
    Ok(())
}

fn set(resource: &mut Value, path: &PatchPath, value: Value, op: Op) -> Result<(), ScimError> {
    read_only(path)?;
    let Some((object, key)) = container(resource, path, true)? else {
        return Ok(());
    };
    let key = match key {
        Key::Attr(key) => key,
        // The whole extension: merge (add) or set (replace) its attributes.
        Key::Extension(urn) => return set_extension(object, urn, value, op),
    };
    if let Some(filter) = &path.filter {
        let Some(Value::Array(items)) = object.get_mut(&key) else {
            return Err(ScimError::no_target(format!(
                "{key} has no values to match"
            )));
        };
        let mut matched = false;
        for item in items
            .iter_mut()
            .filter(|item| filter::matches(filter, item))
        {
            matched = true;
            match (&path.sub, item) {
                (Some(sub), Value::Object(inner)) => {
                    let k = existing_key(inner, sub);
                    inner.insert(k, value.clone());
                }
                (None, item) => *item = value.clone(),
                _ => {}
            }
        }
        if !matched {
            return Err(ScimError::no_target(format!(
                "no value of {key} matches the filter"
            )));
        }
        return Ok(());
    }
    match &path.attr.sub {
        Some(sub) => {
            let entry = object
                .entry(key)
                .or_insert_with(|| Value::Object(Map::new()));
            if !entry.is_object() {
                *entry = Value::Object(Map::new());
            }
            if let Value::Object(inner) = entry {
                let k = existing_key(inner, sub);
                inner.insert(k, value);
            }
        }
        None => {
            let multi = value.is_array() || matches!(object.get(&key), Some(Value::Array(_)));
            if op == Op::Add && multi {
                let new_items = match value {
                    Value::Array(items) => items,
                    other => vec![other],
                };
                let entry = object
                    .entry(key)
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(items) = entry {
                    for item in new_items {
                        let same = |existing: &Value| {
                            existing == &item
                                || (get_ci(existing, "value").is_some()
                                    && get_ci(existing, "value") == get_ci(&item, "value"))
                        };
                        if !items.iter().any(same) {
                            items.push(item);
                        }
                    }
                }
            } else if op == Op::Add
                && value.is_object()
                && object.get(&key).is_some_and(Value::is_object)
            {
                if let (Some(Value::Object(inner)), Value::Object(values)) =
                    (object.get_mut(&key), value)
                {
                    for (k, v) in values {
                        let k = existing_key(inner, &k);
                        inner.insert(k, v);
                    }
                }
            } else {
                object.insert(key, value);
            }
        }
    }
    Ok(())
}

fn remove(resource: &mut Value, path: &PatchPath) -> Result<(), ScimError> {
    read_only(path)?;
    let Some((object, key)) = container(resource, path, false)? else {
        return Ok(());
    };
    let key = match key {
        Key::Attr(key) => key,
        Key::Extension(urn) => {
            object.retain(|k, _| !k.eq_ignore_ascii_case(urn));
            return Ok(());
        }
    };
    if let Some(filter) = &path.filter {
        if let Some(Value::Array(items)) = object.get_mut(&key) {
            match &path.sub {
                None => items.retain(|item| !filter::matches(filter, item)),
                Some(sub) => {
                    for item in items
                        .iter_mut()
                        .filter(|item| filter::matches(filter, item))
                    {
                        if let Value::Object(inner) = item {
                            inner.retain(|k, _| !k.eq_ignore_ascii_case(sub));
                        }
                    }
                }
            }
        }
        return Ok(());
    }
    match &path.attr.sub {
        None => {
            object.remove(&key);
        }
        Some(sub) => match object.get_mut(&key) {
            Some(Value::Object(inner)) => inner.retain(|k, _| !k.eq_ignore_ascii_case(sub)),
            Some(Value::Array(items)) => {
                for item in items.iter_mut() {
                    if let Value::Object(inner) = item {
                        inner.retain(|k, _| !k.eq_ignore_ascii_case(sub));
                    }
                }
            }
            _ => {}
        },
    }
    Ok(())
}
