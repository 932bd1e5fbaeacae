//! Listing: `filter` (eq, co, sw, pr, and, or, not, value filters), `sortBy`, `startIndex`/`count`,
//! `attributes`, and `POST /.search`; bad filters are `invalidFilter`.

use reqwest::Method;
use serde_json::{Value, json};

use super::{new_user, scim_error};
use crate::helpers::{TestApp, spawn_app};

fn names(list: &Value) -> Vec<String> {
    list["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["userName"].as_str().unwrap_or_default().to_string())
        .collect()
}

async fn filtered(app: &TestApp, token: &str, filter: &str) -> Vec<String> {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("filter", filter)
        .append_pair("sortBy", "userName")
        .finish();
    let list = app
        .scim(Method::GET, &format!("/Users?{query}"), token, None)
        .await
        .expect(200);
    names(&list)
}

#[tokio::test]
async fn filters_select_users_by_the_attributes_an_hr_system_uses() {
    let app = spawn_app().await;
    let token = app.scim_token("hr", "helpdesk").await;
    for name in ["mia", "mike", "bea"] {
        app.scim(Method::POST, "/Users", &token, Some(new_user(name)))
            .await
            .expect(201);
    }
    app.add_user("plain", &[], &[]).await;

    assert_eq!(
        filtered(&app, &token, r#"userName eq "MIA""#).await,
        ["mia"]
    );
    assert_eq!(
        filtered(&app, &token, r#"userName sw "mi""#).await,
        ["mia", "mike"]
    );
    assert_eq!(filtered(&app, &token, r#"emails co "ke@""#).await, ["mike"]);
    assert_eq!(
        filtered(&app, &token, r#"emails[type eq "work" and value sw "bea"]"#).await,
        ["bea"]
    );
    assert_eq!(
        filtered(&app, &token, r#"externalId eq "hr-bea""#).await,
        ["bea"]
    );
    assert_eq!(
        filtered(&app, &token, r#"externalId eq "HR-BEA""#).await,
        Vec::<String>::new()
    );
    assert_eq!(
        filtered(&app, &token, r#"displayName co "ike" or userName eq "bea""#).await,
        ["bea", "mike"]
    );
    assert_eq!(
        filtered(&app, &token, "externalId pr").await,
        ["bea", "mia", "mike"]
    );
    assert_eq!(
        filtered(&app, &token, "not (externalId pr)").await,
        ["admin", "plain"]
    );
    assert_eq!(
        filtered(
            &app,
            &token,
            r#"meta.lastModified gt "2000-01-01T00:00:00Z" and userName sw "p""#
        )
        .await,
        ["plain"]
    );
    assert_eq!(
        filtered(
            &app,
            &token,
            r#"meta.lastModified lt "2000-01-01T00:00:00Z""#
        )
        .await,
        Vec::<String>::new()
    );
    assert_eq!(
        filtered(
            &app,
            &token,
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "E4""#
        )
        .await,
        ["mike"]
    );
}

#[tokio::test]
async fn lists_sort_page_and_project_attributes() {
    let app = spawn_app().await;
    let token = app.scim_token("hr", "helpdesk").await;
    for name in ["dan", "cy", "eve", "bo"] {
        app.scim(Method::POST, "/Users", &token, Some(new_user(name)))
            .await
            .expect(201);
    }

    let page = app
        .scim(
            Method::GET,
            "/Users?sortBy=userName&sortOrder=descending&startIndex=2&count=2",
            &token,
            None,
        )
        .await
        .expect(200);
    assert_eq!(
        page["totalResults"], 5,
        "four provisioned and the first-run admin"
    );
    assert_eq!(page["startIndex"], 2);
    assert_eq!(page["itemsPerPage"], 2);
    assert_eq!(names(&page), ["dan", "cy"]);
    let projected = app
        .scim(
            Method::GET,
            "/Users?attributes=userName,name.givenName&startIndex=2&count=1&sortBy=userName",
            &token,
            None,
        )
        .await
        .expect(200);
    let first = &projected["Resources"][0];
    assert_eq!(first["userName"], "bo");
    assert_eq!(first["name"], json!({ "givenName": "Given" }));
    assert!(
        first.get("emails").is_none() && first.get("id").is_some(),
        "{first}"
    );
    let without = app
        .scim(
            Method::GET,
            "/Users?excludedAttributes=emails&count=1",
            &token,
            None,
        )
        .await
        .expect(200);
    assert!(without["Resources"][0].get("emails").is_none());
    let searched = app
        .scim(
            Method::POST,
            "/Users/.search",
            &token,
            Some(json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                "filter": "userName eq \"eve\"", "attributes": ["userName"]
            })),
        )
        .await
        .expect(200);
    assert_eq!(names(&searched), ["eve"]);
    let none = app
        .scim(Method::GET, "/Users?count=0", &token, None)
        .await
        .expect(200);
    assert_eq!(none["totalResults"], 5);
    assert_eq!(none["Resources"], json!([]));
}

#[tokio::test]
async fn bad_and_pathological_filters_are_refused_as_invalid_filter() {
    let app = spawn_app().await;
    let token = app.scim_token("hr", "helpdesk").await;
    let deep = format!("{}userName pr{}", "(".repeat(500), ")".repeat(500));
    let wide = vec!["userName pr"; 150].join(" or ");
    for filter in [
        "userName",
        "userName zz \"a\"",
        "userName eq \"open",
        "(userName pr",
        deep.as_str(),
        wide.as_str(),
    ] {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("filter", filter)
            .finish();
        let answer = app
            .scim(Method::GET, &format!("/Users?{query}"), &token, None)
            .await;
        scim_error(answer, 400, Some("invalidFilter"));
    }
    scim_error(
        app.scim(Method::GET, "/Users?startIndex=x", &token, None)
            .await,
        400,
        Some("invalidValue"),
    );
}

#[tokio::test]
async fn generated_filters_and_patches_never_cause_a_server_error() {
    let app = spawn_app().await;
    let token = app.scim_token("hr", "admin").await;
    let user = app
        .scim(Method::POST, "/Users", &token, Some(new_user("zed")))
        .await
        .expect(201);
    let path = format!("/Users/{}", user["id"].as_str().unwrap());
    let words = [
        "userName",
        "emails",
        "emails.value",
        "meta.lastModified",
        "urn:x:y",
        "eq",
        "co",
        "sw",
        "pr",
        "gt",
        "and",
        "or",
        "not",
        "(",
        ")",
        "[",
        "]",
        "\"z\"",
        "\"\\u0000\"",
        "true",
        "null",
        "1e309",
        "-1",
        "\"",
        "\\",
        ".",
        "members[value eq \"x\"]",
        "name.givenName",
        "é",
        "$ref",
    ];
    let mut seed: u64 = 0x5C1A_F11E_0000_0001;
    let mut next = |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    for _ in 0..150 {
        let len = 1 + next(8);
        let text: Vec<&str> = (0..len).map(|_| words[next(words.len())]).collect();
        let text = text.join(if next(2) == 0 { " " } else { "" });
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("filter", &text)
            .append_pair("sortBy", words[next(words.len())])
            .finish();
        let listed = app
            .scim(Method::GET, &format!("/Users?{query}"), &token, None)
            .await;
        assert!(listed.status.as_u16() < 500, "{text}: {}", listed.body);
        let ops = ["add", "replace", "remove"];
        let patch = json!({
            "schemas": [super::PATCH],
            "Operations": [{ "op": ops[next(3)], "path": text, "value": words[next(words.len())] }]
        });
        let patched = app.scim(Method::PATCH, &path, &token, Some(patch)).await;
        assert!(patched.status.as_u16() < 500, "{text}: {}", patched.body);
    }
}
