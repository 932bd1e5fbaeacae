//! Evaluating a parsed filter against a resource's JSON representation. Names compare
//! case-insensitively; string values too, except `id` and `externalId` (case-exact in RFC 7643).

use std::cmp::Ordering;

use serde_json::Value;

use super::{AttrPath, CompareOp, Filter, Literal};

const CORE_SCHEMA_PREFIX: &str = "urn:ietf:params:scim:schemas:core:2.0:";

fn get_ci<'a>(object: &'a Value, name: &str) -> Option<&'a Value> {
    object
        .as_object()?
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value)
}

/// The object an attribute path is looked up in: the resource itself for the core schema, the
/// extension's object for an extension URN.
fn scope_of<'a>(resource: &'a Value, path: &AttrPath) -> Option<&'a Value> {
    match &path.schema {
        Some(schema) if !schema.starts_with(CORE_SCHEMA_PREFIX) => get_ci(resource, schema),
        _ => Some(resource),
    }
}

/// Every value at `path`: multi-valued attributes contribute each element (or each element's
/// sub-attribute); a complex value without a sub-attribute contributes its `value`.
pub fn values_at<'a>(resource: &'a Value, path: &AttrPath) -> Vec<&'a Value> {
    let Some(top) = scope_of(resource, path).and_then(|scope| get_ci(scope, &path.attr)) else {
        return Vec::new();
    };
    let items: Vec<&Value> = match top {
        Value::Array(items) => items.iter().collect(),
        value => vec![value],
    };
    items
        .into_iter()
        .filter_map(|item| match &path.sub {
            Some(sub) => get_ci(item, sub),
            None if item.is_object() => get_ci(item, "value").or(Some(item)),
            None => Some(item),
        })
        .filter(|value| !value.is_null())
        .collect()
}

fn case_exact(path: &AttrPath) -> bool {
    path.sub.is_none() && matches!(path.attr.as_str(), "id" | "externalid")
}

/// Orders two stored values (numbers numerically, strings case-insensitively unless `exact`).
pub fn compare_values(a: &Value, b: &Value, exact: bool) -> Ordering {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
            x.partial_cmp(&y).unwrap_or(Ordering::Equal)
        }
        (Value::String(x), Value::String(y)) if exact => x.cmp(y),
        (Value::String(x), Value::String(y)) => x.to_lowercase().cmp(&y.to_lowercase()),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Greater,
        (_, Value::Null) => Ordering::Less,
        _ => Ordering::Equal,
    }
}

fn compare_one(value: &Value, op: CompareOp, literal: &Literal, exact: bool) -> bool {
    match (value, literal) {
        (Value::String(have), Literal::Str(want)) => {
            let (have, want) = if exact {
                (have.clone(), want.clone())
            } else {
                (have.to_lowercase(), want.to_lowercase())
            };
            match op {
                CompareOp::Eq => have == want,
                CompareOp::Ne => have != want,
                CompareOp::Co => have.contains(&want),
                CompareOp::Sw => have.starts_with(&want),
                CompareOp::Ew => have.ends_with(&want),
                CompareOp::Gt => have > want,
                CompareOp::Ge => have >= want,
                CompareOp::Lt => have < want,
                CompareOp::Le => have <= want,
            }
        }
        (Value::Number(have), Literal::Num(want)) => {
            let have = have.as_f64().unwrap_or(f64::NAN);
            match op {
                CompareOp::Eq => have == *want,
                CompareOp::Ne => have != *want,
                CompareOp::Gt => have > *want,
                CompareOp::Ge => have >= *want,
                CompareOp::Lt => have < *want,
                CompareOp::Le => have <= *want,
                CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
            }
        }
        (Value::Bool(have), Literal::Bool(want)) => match op {
            CompareOp::Eq => have == want,
            CompareOp::Ne => have != want,
            _ => false,
        },
        _ => matches!(op, CompareOp::Ne),
    }
}

/// Whether `resource` satisfies `filter`.
pub fn matches(filter: &Filter, resource: &Value) -> bool {
    match filter {
        Filter::Present(path) => values_at(resource, path).iter().any(|v| match v {
            Value::String(s) => !s.is_empty(),
            Value::Array(a) => !a.is_empty(),
            _ => true,
        }),
        Filter::Compare(path, op, Literal::Null) => {
            let none = values_at(resource, path).is_empty();
            match op {
                CompareOp::Eq => none,
                CompareOp::Ne => !none,
                _ => false,
            }
        }
        Filter::Compare(path, CompareOp::Ne, literal) => !values_at(resource, path)
            .iter()
            .any(|v| compare_one(v, CompareOp::Eq, literal, case_exact(path))),
        Filter::Compare(path, op, literal) => values_at(resource, path)
            .iter()
            .any(|v| compare_one(v, *op, literal, case_exact(path))),
        Filter::ValuePath(path, inner) => {
            let Some(top) = scope_of(resource, path).and_then(|s| get_ci(s, &path.attr)) else {
                return false;
            };
            match top {
                Value::Array(items) => items.iter().any(|item| matches(inner, item)),
                item => matches(inner, item),
            }
        }
        Filter::And(a, b) => matches(a, resource) && matches(b, resource),
        Filter::Or(a, b) => matches(a, resource) || matches(b, resource),
        Filter::Not(inner) => !matches(inner, resource),
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse_filter;
    use super::*;
    use serde_json::json;

    fn user() -> Value {
        json!({
            "id": "AbC", "userName": "Bjensen", "externalId": "E-1", "active": true,
            "name": {"givenName": "Barbara"},
            "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}],
            "meta": {"lastModified": "2026-12-01T10:00:00Z"},
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "701984"}
        })
    }

    fn check(filter: &str) -> bool {
        matches(&parse_filter(filter).unwrap(), &user())
    }

    #[test]
    fn operators_match_as_rfc_7644_says() {
        assert!(check(r#"userName eq "bjensen""#));
        assert!(check(r#"username sw "bje" and name.givenName co "arb""#));
        assert!(check(r#"emails co "example.com""#));
        assert!(check(r#"emails[type eq "work" and value ew ".com"]"#));
        assert!(check(r#"emails.value eq "BJENSEN@example.com""#));
        assert!(check(r#"meta.lastModified gt "2026-11-30T00:00:00Z""#));
        assert!(check(
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984""#
        ));
        assert!(check("title pr or active eq true"));
        assert!(!check("title pr"));
        assert!(!check(r#"not (userName eq "bjensen")"#));
        assert!(check(r#"title ne "x""#));
    }

    #[test]
    fn id_and_external_id_are_case_exact() {
        assert!(check(r#"externalId eq "E-1""#));
        assert!(!check(r#"externalId eq "e-1""#));
        assert!(!check(r#"id eq "abc""#));
    }
}
