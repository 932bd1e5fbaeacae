//! Listing and searching (RFC 7644 §3.4.2 and §3.4.3): `filter`, `sortBy`/`sortOrder`,
//! `startIndex`/`count` and `attributes`/`excludedAttributes`, over resources' JSON representations.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::LIST_SCHEMA;
use super::error::ScimError;
use super::filter::{self, AttrPath, Filter};
use super::resource::get_ci;

/// Largest page returned (advertised as `filter.maxResults`).
pub const MAX_RESULTS: usize = 200;

/// What a list asks for, from the query string or a `/.search` body.
#[derive(Clone, Debug, Default)]
pub struct ListQuery {
    pub filter: Option<Filter>,
    pub sort_by: Option<AttrPath>,
    pub descending: bool,
    /// 1-based.
    pub start_index: usize,
    pub count: Option<usize>,
    pub projection: Projection,
}

/// `attributes` / `excludedAttributes`, for lists and single resources alike.
#[derive(Clone, Debug, Default)]
pub struct Projection {
    pub attributes: Vec<AttrPath>,
    pub excluded: Vec<AttrPath>,
}

fn paths(list: Option<&str>) -> Result<Vec<AttrPath>, ScimError> {
    let Some(list) = list else {
        return Ok(Vec::new());
    };
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .take(64)
        .map(|name| match filter::parse_path(name) {
            Ok(path) if path.filter.is_none() => Ok(path.attr),
            _ => Err(ScimError::invalid_value(format!(
                "`{name}` is not an attribute name"
            ))),
        })
        .collect()
}

impl Projection {
    pub fn parse(attributes: Option<&str>, excluded: Option<&str>) -> Result<Self, ScimError> {
        Ok(Self {
            attributes: paths(attributes)?,
            excluded: paths(excluded)?,
        })
    }

    pub fn from_query(query: &HashMap<String, String>) -> Result<Self, ScimError> {
        Self::parse(
            query_value(query, "attributes"),
            query_value(query, "excludedAttributes"),
        )
    }

    /// Applies the projection to one resource; `id`, `schemas` and `meta` are always returned.
    pub fn apply(&self, resource: Value) -> Value {
        let Value::Object(mut object) = resource else {
            return resource;
        };
        if !self.attributes.is_empty() {
            let mut kept = Map::new();
            for (key, value) in object.iter() {
                if matches!(key.as_str(), "id" | "schemas" | "meta") {
                    kept.insert(key.clone(), value.clone());
                    continue;
                }
                let wanted: Vec<&AttrPath> = self
                    .attributes
                    .iter()
                    .filter(|p| names_key(p, key))
                    .collect();
                if wanted.is_empty() {
                    continue;
                }
                kept.insert(key.clone(), narrow(value, &wanted, key));
            }
            object = kept;
        }
        for path in &self.excluded {
            remove_path(&mut object, path);
        }
        Value::Object(object)
    }
}

/// Whether `path` names the top-level `key` (an attribute or an extension's object).
fn names_key(path: &AttrPath, key: &str) -> bool {
    match &path.schema {
        Some(schema) if key.starts_with("urn:") => {
            key.eq_ignore_ascii_case(schema)
                || key.eq_ignore_ascii_case(&format!("{schema}:{}", path.attr))
        }
        _ => key.eq_ignore_ascii_case(&path.attr),
    }
}

/// Keeps only the sub-attributes asked for, unless one path asked for the whole attribute.
fn narrow(value: &Value, wanted: &[&AttrPath], key: &str) -> Value {
    if key.starts_with("urn:") {
        let whole = wanted.iter().any(|p| {
            key.eq_ignore_ascii_case(&format!(
                "{}:{}",
                p.schema.clone().unwrap_or_default(),
                p.attr
            ))
        });
        if whole {
            return value.clone();
        }
        let mut kept = Map::new();
        if let Value::Object(inner) = value {
            for (k, v) in inner {
                if wanted.iter().any(|p| p.attr.eq_ignore_ascii_case(k)) {
                    kept.insert(k.clone(), v.clone());
                }
            }
        }
        return Value::Object(kept);
    }
    let subs: Vec<&str> = match wanted
        .iter()
        .map(|p| p.sub.as_deref())
        .collect::<Option<Vec<_>>>()
    {
        Some(subs) => subs,
        None => return value.clone(),
    };
    let keep = |item: &Value| match item {
        Value::Object(inner) => Value::Object(
            inner
                .iter()
                .filter(|(k, _)| subs.iter().any(|s| s.eq_ignore_ascii_case(k)))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        other => other.clone(),
    };
    match value {
        Value::Array(items) => Value::Array(items.iter().map(keep).collect()),
        other => keep(other),
    }
}

fn remove_path(object: &mut Map<String, Value>, path: &AttrPath) {
    let keys: Vec<String> = object.keys().cloned().collect();
    for key in keys {
        if matches!(key.as_str(), "id" | "schemas" | "meta") || !names_key(path, &key) {
            continue;
        }
        let whole_extension = key.starts_with("urn:")
            && path
                .schema
                .as_deref()
                .is_some_and(|s| key.eq_ignore_ascii_case(&format!("{s}:{}", path.attr)));
        match (&path.sub, key.starts_with("urn:") && !whole_extension) {
            (_, true) => {
                if let Some(Value::Object(inner)) = object.get_mut(&key) {
                    inner.retain(|k, _| !k.eq_ignore_ascii_case(&path.attr));
                }
            }
            (None, false) => {
                object.remove(&key);
            }
            (Some(sub), false) => {
                let strip = |item: &mut Value| {
                    if let Value::Object(inner) = item {
                        inner.retain(|k, _| !k.eq_ignore_ascii_case(sub));
                    }
                };
                match object.get_mut(&key) {
                    Some(Value::Array(items)) => items.iter_mut().for_each(strip),
                    Some(item) => strip(item),
                    None => {}
                }
            }
        }
    }
}

/// A query parameter, its name compared case-insensitively.
pub fn query_value<'a>(query: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    query
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn number(value: Option<&str>, name: &str) -> Result<Option<i64>, ScimError> {
    value
        .map(|v| {
            v.trim()
                .parse::<i64>()
                .map_err(|_| ScimError::invalid_value(format!("{name} must be an integer")))
        })
        .transpose()
}

impl ListQuery {
    fn build(
        filter: Option<&str>,
        sort_by: Option<&str>,
        sort_order: Option<&str>,
        start_index: Option<i64>,
        count: Option<i64>,
        projection: Projection,
    ) -> Result<Self, ScimError> {
        let filter = filter
            .filter(|f| !f.trim().is_empty())
            .map(|f| filter::parse_filter(f).map_err(|e| ScimError::invalid_filter(e.0)))
            .transpose()?;
        let sort_by = match sort_by.filter(|s| !s.trim().is_empty()) {
            Some(name) => match filter::parse_path(name) {
                Ok(path) if path.filter.is_none() => Some(path.attr),
                _ => return Err(ScimError::invalid_value("sortBy must name an attribute")),
            },
            None => None,
        };
        let descending = match sort_order.map(str::to_ascii_lowercase).as_deref() {
            None | Some("ascending") => false,
            Some("descending") => true,
            Some(_) => {
                return Err(ScimError::invalid_value(
                    "sortOrder is ascending or descending",
                ));
            }
        };
        Ok(Self {
            filter,
            sort_by,
            descending,
            // RFC 7644 §3.4.2.4: values below 1 are read as 1, negative counts as 0.
            start_index: start_index.unwrap_or(1).max(1) as usize,
            count: count.map(|c| c.clamp(0, MAX_RESULTS as i64) as usize),
            projection,
        })
    }

    pub fn from_query(query: &HashMap<String, String>) -> Result<Self, ScimError> {
        let get = |name| query_value(query, name);
        Self::build(
            get("filter"),
            get("sortBy"),
            get("sortOrder"),
            number(get("startIndex"), "startIndex")?,
            number(get("count"), "count")?,
            Projection::from_query(query)?,
        )
    }

    /// From a `POST …/.search` body (RFC 7644 §3.4.3).
    pub fn from_body(body: &Value) -> Result<Self, ScimError> {
        let text = |name| get_ci(body, name).and_then(Value::as_str);
        let int = |name| get_ci(body, name).and_then(Value::as_i64);
        let joined = |name| match get_ci(body, name) {
            Some(Value::Array(items)) => Some(
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            Some(Value::String(s)) => Some(s.clone()),
            _ => None,
        };
        let projection = Projection::parse(
            joined("attributes").as_deref(),
            joined("excludedAttributes").as_deref(),
        )?;
        Self::build(
            text("filter"),
            text("sortBy"),
            text("sortOrder"),
            int("startIndex"),
            int("count"),
            projection,
        )
    }

    /// Filters, sorts and pages `resources` into a `ListResponse`.
    pub fn respond(&self, resources: Vec<Value>) -> Value {
        let mut matching: Vec<Value> = match &self.filter {
            Some(f) => resources
                .into_iter()
                .filter(|r| filter::matches(f, r))
                .collect(),
            None => resources,
        };
        if let Some(path) = &self.sort_by {
            let exact = path.sub.is_none() && matches!(path.attr.as_str(), "id" | "externalid");
            let key = |r: &Value| filter::values_at(r, path).first().map(|v| (*v).clone());
            matching.sort_by(|a, b| {
                let order = filter::compare_values(
                    &key(a).unwrap_or(Value::Null),
                    &key(b).unwrap_or(Value::Null),
                    exact,
                );
                if self.descending {
                    order.reverse()
                } else {
                    order
                }
            });
        }
        let total = matching.len();
        let count = self.count.unwrap_or(MAX_RESULTS);
        let page: Vec<Value> = matching
            .into_iter()
            .skip(self.start_index - 1)
            .take(count)
            .map(|r| self.projection.apply(r))
            .collect();
        json!({
            "schemas": [LIST_SCHEMA],
            "totalResults": total,
            "startIndex": self.start_index,
            "itemsPerPage": page.len(),
            "Resources": page,
        })
    }
}
