//! The schemas tapid serves (RFC 7643 §7): exactly the attributes it stores, so a client that reads
//! them (as `scim2-tester` does) writes nothing tapid would drop.

use serde_json::{Value, json};

use super::{ENTERPRISE_SCHEMA, GROUP_SCHEMA, TAPID_SCHEMA, USER_SCHEMA};

/// One attribute definition.
struct Attr {
    name: &'static str,
    kind: &'static str,
    multi: bool,
    required: bool,
    mutability: &'static str,
    case_exact: bool,
    uniqueness: &'static str,
    returned: &'static str,
    references: &'static [&'static str],
    subs: Vec<Attr>,
}

fn attr(name: &'static str, kind: &'static str) -> Attr {
    Attr {
        name,
        kind,
        multi: false,
        required: false,
        mutability: "readWrite",
        case_exact: false,
        uniqueness: "none",
        returned: "default",
        references: &[],
        subs: Vec::new(),
    }
}

impl Attr {
    fn multi(mut self) -> Self {
        self.multi = true;
        self
    }
    fn required(mut self) -> Self {
        self.required = true;
        self
    }
    fn mutability(mut self, m: &'static str) -> Self {
        self.mutability = m;
        self
    }
    fn unique(mut self) -> Self {
        self.uniqueness = "server";
        self
    }
    fn references(mut self, to: &'static [&'static str]) -> Self {
        self.references = to;
        self
    }
    fn subs(mut self, subs: Vec<Attr>) -> Self {
        self.subs = subs;
        self
    }

    fn json(&self) -> Value {
        let mut value = json!({
            "name": self.name,
            "type": self.kind,
            "multiValued": self.multi,
            "description": "",
            "required": self.required,
            "caseExact": self.case_exact,
            "mutability": self.mutability,
            "returned": self.returned,
            "uniqueness": self.uniqueness,
        });
        if !self.references.is_empty() {
            value["referenceTypes"] = json!(self.references);
        }
        if !self.subs.is_empty() {
            value["subAttributes"] = json!(self.subs.iter().map(Attr::json).collect::<Vec<_>>());
        }
        value
    }
}

fn schema(id: &str, name: &str, description: &str, attributes: Vec<Attr>, base: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": id,
        "name": name,
        "description": description,
        "attributes": attributes.iter().map(Attr::json).collect::<Vec<_>>(),
        "meta": { "resourceType": "Schema", "location": format!("{base}/Schemas/{id}") },
    })
}

fn user(base: &str) -> Value {
    schema(
        USER_SCHEMA,
        "User",
        "A person in tapid's directory",
        vec![
            attr("userName", "string")
                .required()
                .unique()
                .mutability("immutable"),
            attr("name", "complex").subs(vec![
                attr("givenName", "string"),
                attr("familyName", "string"),
            ]),
            attr("displayName", "string"),
            attr("timezone", "string"),
            // Required so that no client "removes" it: an account is always enabled or disabled.
            attr("active", "boolean").required(),
            attr("emails", "complex").multi().subs(vec![
                attr("value", "string"),
                attr("type", "string"),
                attr("primary", "boolean"),
            ]),
            attr("groups", "complex")
                .multi()
                .mutability("readOnly")
                .subs(vec![
                    attr("value", "string").mutability("readOnly"),
                    attr("$ref", "reference")
                        .references(&["Group"])
                        .mutability("readOnly"),
                    attr("display", "string").mutability("readOnly"),
                    attr("type", "string").mutability("readOnly"),
                ]),
        ],
        base,
    )
}

fn enterprise(base: &str) -> Value {
    schema(
        ENTERPRISE_SCHEMA,
        "EnterpriseUser",
        "Enterprise User",
        vec![
            attr("employeeNumber", "string"),
            attr("department", "string"),
            attr("manager", "complex").subs(vec![
                attr("value", "string"),
                attr("$ref", "reference").references(&["User"]),
            ]),
        ],
        base,
    )
}

fn tapid(base: &str) -> Value {
    schema(
        TAPID_SCHEMA,
        "TapidUser",
        "What tapid does for a new person: on startDate (the calendar date as written, in the person's \
         timezone) they get a Temporary Access Pass, its reveal link mailed to their manager or to them",
        vec![attr("startDate", "dateTime")],
        base,
    )
}

fn group(base: &str) -> Value {
    schema(
        GROUP_SCHEMA,
        "Group",
        "A group of people in tapid's directory",
        vec![
            attr("displayName", "string").required().unique(),
            attr("members", "complex").multi().subs(vec![
                attr("value", "string").mutability("immutable"),
                attr("$ref", "reference")
                    .references(&["User"])
                    .mutability("immutable"),
            ]),
        ],
        base,
    )
}

/// Every schema served (`id`, `externalId` and `meta` are the common attributes of RFC 7643 §3.1).
pub fn all(base: &str) -> Vec<Value> {
    vec![user(base), enterprise(base), tapid(base), group(base)]
}
