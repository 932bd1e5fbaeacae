//! A NUL byte (or another control character) in an id, a search or a form never reaches the database
//! (PostgreSQL cannot store one in text and answered 500): it is refused at the edge, with a 404 when
//! the path names nothing and a 400 otherwise, each in the form of the part of tapid that was asked.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tapid::directory::Role;

use crate::helpers::spawn_app;

/// Paths and queries of the admin API, each with a NUL where an id or a search goes.
const API: &[(&str, &str, u16)] = &[
    ("GET", "/api/v1/users/%00", 404),
    ("GET", "/api/v1/users?search=%00", 400),
    ("GET", "/api/v1/users/a%00b/methods", 404),
    ("DELETE", "/api/v1/users/x/methods/%00", 404),
    ("GET", "/api/v1/users/%00/temporary-access-pass", 404),
    ("GET", "/api/v1/groups/%00", 404),
    ("PUT", "/api/v1/groups/g/members/%00", 404),
    ("GET", "/api/v1/clients/%00", 404),
    ("GET", "/api/v1/audit-events?user_id=%00", 400),
    ("GET", "/api/v1/audit-events?action=a%01", 400),
];

/// Console pages, the same way.
const CONSOLE: &[(&str, u16)] = &[
    ("/admin/users/%00", 404),
    ("/admin/users?q=%00", 400),
    ("/admin/users/%00/pass", 404),
    ("/admin/groups/%00", 404),
    ("/admin/clients/%00", 404),
    ("/admin/audit?user=%00", 400),
    ("/admin/audit/export?action=%1b", 400),
];

#[tokio::test]
async fn nul_in_an_id_or_a_search_is_refused_in_each_routes_own_form() {
    let app = spawn_app().await;
    let token = app.api_token("ops", Role::Admin).await;
    let ann = app.add_user("ann", &[Role::Admin], &[]).await;
    let console = app.console_as(&ann, "phr").await;

    for (method, path, status) in API {
        let method: Method = method.parse().unwrap();
        let answer = app.call(method.clone(), path, &token, None).await;
        assert_eq!(
            answer.status.as_u16(),
            *status,
            "{method} {path}: {}",
            answer.body
        );
        let expected = if *status == 404 {
            "not_found"
        } else {
            "invalid_request"
        };
        assert_eq!(answer.body["error"], expected, "{method} {path}");
        assert!(answer.body["message"].is_string(), "{method} {path}");
    }
    for (path, status) in CONSOLE {
        let (got, html) = console.page(path).await;
        assert_eq!(got.as_u16(), *status, "{path}");
        assert!(html.contains("<html"), "{path} answers a page");
    }
    // Bodies too: JSON for the API, forms for the console and the protocol.
    let created = app
        .call(
            Method::POST,
            "/api/v1/users",
            &token,
            Some(json!({ "username": "eve", "display_name": "Eve\u{0}" })),
        )
        .await;
    assert_eq!(created.status, StatusCode::BAD_REQUEST, "{}", created.body);
    assert!(
        tapid::directory::users::find_by_username(&app.db, "eve")
            .await
            .unwrap()
            .is_none()
    );
    let form = console.post("/admin/groups", &[("name", "staff\0")]).await;
    assert_eq!(form.status(), StatusCode::BAD_REQUEST);
    let token_request = app
        .post_client_form(
            "/token",
            &[("grant_type", "client_credentials"), ("scope", "a\0b")],
            None,
        )
        .await;
    assert_eq!(token_request.status(), StatusCode::BAD_REQUEST);
    let body: Value = token_request.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");
    let authorize = app.get("/authorize?client_id=%00&response_type=code").await;
    assert_eq!(authorize.status(), StatusCode::BAD_REQUEST);
    assert!(authorize.headers().get("location").is_none());
}

#[tokio::test]
async fn line_breaks_stay_allowed_where_a_list_is_typed_one_a_line() {
    let app = spawn_app().await;
    let ann = app.add_user("ann", &[Role::Admin], &[]).await;
    let console = app.console_as(&ann, "phr").await;

    let response = console
        .post(
            "/admin/clients",
            &[
                ("id", "lines"),
                (
                    "redirect_uris",
                    "https://a.example/cb\r\nhttps://b.example/cb",
                ),
            ],
        )
        .await;

    assert_ne!(response.status(), StatusCode::BAD_REQUEST);
    let client = tapid::oidc::clients::get(&app.db, "lines").await.unwrap();
    assert_eq!(client.redirect_uris.len(), 2);
}
