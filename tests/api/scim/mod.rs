//! SCIM 2.0 at `/scim/v2`: provisioning from an HR system, by a client with the `scim` scope and a
//! role, through the same service functions (and audit trail) as the console and the API.

mod access;
mod discovery;
mod groups;
mod lists;
mod start_pass;
mod users;

use reqwest::Method;
use serde_json::Value;

use crate::helpers::TestApp;
use crate::helpers::admin::ApiAnswer;

pub const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const TAPID: &str = "urn:ietf:params:scim:schemas:extension:tapid:2.0:User";
pub const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

impl TestApp {
    /// A `client_credentials` token of a provisioning client with the `scim` scope and `role`.
    pub async fn scim_token(&self, id: &str, role: &str) -> String {
        let client = self
            .add_client(
                id,
                &[
                    "--grant",
                    "client_credentials",
                    "--scope",
                    "scim",
                    "--role",
                    role,
                ],
            )
            .await;
        self.client_credentials_token(&client).await
    }

    /// A SCIM request with a JSON body sent as `application/scim+json`.
    pub async fn scim(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> ApiAnswer {
        self.scim_with(method, path, token, body, None).await
    }

    pub async fn scim_with(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
        if_match: Option<&str>,
    ) -> ApiAnswer {
        let mut request = self.api(method, &format!("/scim/v2{path}"), token);
        if let Some(body) = body {
            request = request
                .header("content-type", "application/scim+json")
                .body(body.to_string());
        }
        if let Some(tag) = if_match {
            request = request.header("if-match", tag);
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"))
        };
        ApiAnswer {
            status,
            headers,
            body,
        }
    }

    /// Audit events about `target_id` as (action, actor kind, actor id).
    pub async fn events_about(&self, target_id: &str) -> Vec<(String, String, Option<String>)> {
        sqlx::query_as(
            "SELECT action, actor_kind, actor_id FROM audit_events WHERE target_id = $1 ORDER BY seq",
        )
        .bind(target_id)
        .fetch_all(self.db.pool())
        .await
        .unwrap()
    }
}

/// Asserts a SCIM error document with this status and `scimType`.
pub fn scim_error(answer: ApiAnswer, status: u16, scim_type: Option<&str>) -> Value {
    assert_eq!(answer.status.as_u16(), status, "{}", answer.body);
    let body = answer.body;
    assert_eq!(
        body["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:Error",
        "{body}"
    );
    assert_eq!(body["status"], status.to_string(), "{body}");
    if let Some(kind) = scim_type {
        assert_eq!(body["scimType"], kind, "{body}");
    }
    body
}

/// A minimal User body.
pub fn new_user(name: &str) -> Value {
    serde_json::json!({
        "schemas": [USER, ENTERPRISE],
        "userName": name,
        "externalId": format!("hr-{name}"),
        "name": { "givenName": "Given", "familyName": name },
        "displayName": format!("Display {name}"),
        "emails": [{ "value": format!("{name}@example.com"), "type": "work", "primary": true }],
        "active": true,
        ENTERPRISE: { "employeeNumber": format!("E{}", name.len()), "department": "Sales" },
    })
}
