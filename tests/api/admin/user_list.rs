//! The list of users at scale: a directory of 10,000 people pages with a total and numbered links
//! that keep the filters, the search by fragment is served by an index, the pass and method filters
//! agree with each pass's own state, and bad input reads as words, never a 500.

use reqwest::Method;
use serde_json::Value;
use tapid::db::user_list::UserFilter;
use tapid::db::users::UserRow;
use tapid::directory::Role;
use tapid::tap::IssueRequest;
use tapid::tap::policy::PolicyChanges;

use crate::helpers::admin::{Console, text_of};
use crate::helpers::{TestApp, is_postgres, spawn_app};

const PEOPLE: usize = 10_000;

/// `person00001` … `person10000`: every tenth disabled, every hundredth holds the helpdesk role.
/// Inserted in bulk through `tapid::db` (a few statements, not 10,000 requests).
async fn seed_people(app: &TestApp) {
    let now = tapid::db::ts(tapid::db::now());
    let rows: Vec<UserRow> = (1..=PEOPLE)
        .map(|i| UserRow {
            id: uuid::Uuid::new_v4().to_string(),
            username: format!("person{i:05}"),
            display_name: Some(format!("Person Number{i}")),
            email: Some(format!("p{i}@mail{}.example", i % 7)),
            email_verified: 0,
            enabled: i64::from(i % 10 != 0),
            roles: if i % 100 == 0 {
                "helpdesk".into()
            } else {
                String::new()
            },
            created_at: now,
            updated_at: now,
        })
        .collect();
    let mut tx = app.db.begin().await.unwrap();
    tapid::db::users::insert_many(&mut tx, &rows).await.unwrap();
    tx.commit().await.unwrap();
}

async fn admin_console(app: &TestApp) -> Console {
    let ann = app.add_user("ann", &[Role::Admin], &[]).await;
    app.console_as(&ann, "phr").await
}

fn usernames(html: &str) -> Vec<String> {
    let document = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse("#users tbody tr td:first-child a").unwrap();
    document
        .select(&selector)
        .map(|a| a.text().collect::<String>().trim().to_string())
        .collect()
}

fn hrefs(html: &str, selector: &str) -> Vec<String> {
    let document = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse(selector).unwrap();
    document
        .select(&selector)
        .filter_map(|a| a.value().attr("href").map(str::to_string))
        .collect()
}

#[tokio::test]
async fn ten_thousand_users_page_with_a_total_and_page_links_that_keep_the_filters() {
    let app = spawn_app().await;
    let console = admin_console(&app).await;
    seed_people(&app).await;
    let everyone = tapid::db::users::count(app.db.pool()).await.unwrap() as usize;
    assert!(everyone > PEOPLE);

    let (status, first) = console.page("/admin/users").await;
    assert_eq!(status, 200);
    let summary = text_of(&first, "#users-total").unwrap();
    let everyone_text = format!("{},{:03}", everyone / 1000, everyone % 1000);
    assert_eq!(summary, format!("1–25 of {everyone_text} users"));
    assert_eq!(usernames(&first).len(), 25);
    let last = everyone.div_ceil(25);
    assert!(hrefs(&first, "nav.paging a.page").contains(&format!("/admin/users?page={last}")));

    // Disabled people without a role: i = 10, 20, … except the hundreds (helpdesk): 900 of them.
    let (status, second) = console
        .page("/admin/users?role=none&account=disabled&page=2")
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        text_of(&second, "#users-total").unwrap(),
        "26–50 of 900 users"
    );
    let expected: Vec<String> = (1..=PEOPLE)
        .filter(|i| i % 10 == 0 && i % 100 != 0)
        .skip(25)
        .take(25)
        .map(|i| format!("person{i:05}"))
        .collect();
    assert_eq!(usernames(&second), expected);
    let links = hrefs(&second, "nav.paging a");
    assert!(links.contains(&"/admin/users?role=none&account=disabled".to_string()));
    assert!(links.contains(&"/admin/users?role=none&account=disabled&page=3".to_string()));
    assert!(links.contains(&"/admin/users?role=none&account=disabled&page=36".to_string()));
    assert!(second.contains("<option value=\"disabled\" selected>"));

    // By a fragment of a username, a name or an email, with a filter beside it.
    let (_, by_username) = console.page("/admin/users?q=SON0999&account=enabled").await;
    let want: Vec<String> = (9991..=9999).map(|i| format!("person{i:05}")).collect();
    assert_eq!(usernames(&by_username), want);
    assert_eq!(
        text_of(&by_username, "#users-total").unwrap(),
        "1–9 of 9 users"
    );
    let (_, by_name) = console.page("/admin/users?q=number4242").await;
    assert_eq!(usernames(&by_name), ["person04242"]);
    let (_, by_email) = console.page("/admin/users?q=p777%40mail").await;
    assert_eq!(usernames(&by_email), ["person00777"]);
    let (_, helpdesk) = console.page("/admin/users?role=helpdesk").await;
    assert_eq!(
        text_of(&helpdesk, "#users-total").unwrap(),
        "1–25 of 100 users"
    );

    // The API answers from the same query: the same total, pages by offset.
    let (token, _) = app.admin_and_helpdesk_tokens().await;
    let page: Value = app
        .call(
            Method::GET,
            "/api/v1/users?enabled=false&role=none&limit=50&offset=850",
            &token,
            None,
        )
        .await
        .expect(200);
    assert_eq!(page["total"], 900);
    assert_eq!(page["items"].as_array().unwrap().len(), 50);
    assert_eq!(page["next"], Value::Null);
    assert_eq!(page["items"][0]["method_count"], 0);
    assert_eq!(page["items"][0]["pass"], Value::Null);
}

#[tokio::test]
async fn a_search_by_fragment_is_served_by_the_trigram_index_on_sqlite() {
    if is_postgres() {
        // PostgreSQL's planner picks its plan by statistics; the index exists (migration 0024).
        return;
    }
    let app = spawn_app().await;
    seed_people(&app).await;
    let filter = UserFilter {
        search: Some("number4242".into()),
        ..UserFilter::default()
    };
    let plan = tapid::db::user_list::sqlite_plan(&app.db, &filter)
        .await
        .unwrap()
        .join("\n");
    assert!(
        plan.contains("users_search VIRTUAL TABLE INDEX") && plan.contains(":L"),
        "the fragment is looked up in the trigram index:\n{plan}"
    );
}

#[tokio::test]
async fn the_pass_and_method_filters_agree_with_each_pass_state() {
    let app = spawn_app().await;
    let console = admin_console(&app).await;
    app.add_group("contractors").await;
    for name in ["usable", "expired", "revoked", "disabled", "later"] {
        app.add_user(name, &[], &[]).await;
        app.issue_pass(name, IssueRequest::default()).await;
    }
    app.add_user("outside", &[], &["contractors"]).await;
    app.issue_pass("outside", IssueRequest::default()).await;
    // A one-time pass held by the sign-in it opened: in use, not usable by anyone else.
    app.add_user("held", &[], &[]).await;
    let held = IssueRequest {
        one_time: Some(true),
        ..IssueRequest::default()
    };
    let held = app.issue_pass("held", held).await;
    app.check_pass("held", held.passcode.expose())
        .await
        .unwrap();
    app.change_policy(PolicyChanges {
        exclude_groups: Some(vec!["contractors".into()]),
        ..PolicyChanges::default()
    })
    .await
    .unwrap();
    let now = tapid::db::ts(tapid::db::now());
    app.shift_pass("expired", now - 7200, now - 3600).await;
    app.shift_pass("later", now + 3600, now + 7200).await;
    let revoked = app.user("revoked").await;
    tapid::tap::revoke(&app.db, &tapid::tap::Authority::Operator, &revoked, None)
        .await
        .unwrap();
    let (token, _) = app.admin_and_helpdesk_tokens().await;
    let disabled = app.user("disabled").await;
    app.call(
        Method::PATCH,
        &format!("/api/v1/users/{}", disabled.id),
        &token,
        Some(serde_json::json!({ "enabled": false })),
    )
    .await
    .expect(200);
    app.arrange_user_with_totp("withapp").await;

    let all: Value = app
        .call(Method::GET, "/api/v1/users?limit=200", &token, None)
        .await
        .expect(200);
    for item in all["items"].as_array().unwrap() {
        let name = item["username"].as_str().unwrap();
        let user = app.user(name).await;
        let listed = &item["pass"];
        match tapid::tap::show(&app.db, &user).await {
            Ok(state) => {
                assert_eq!(listed["usable"], state.usable, "{name}");
                assert_eq!(listed["reason"], state.reason.as_str(), "{name}");
            }
            Err(_) => assert_eq!(*listed, Value::Null, "{name}"),
        }
    }
    let names = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["username"].as_str().unwrap().to_string())
            .collect()
    };
    let usable: Value = app
        .call(Method::GET, "/api/v1/users?usable_pass=true", &token, None)
        .await
        .expect(200);
    // The bootstrap administrator's first pass is usable too.
    assert_eq!(names(&usable), ["admin", "usable"]);
    let not_usable: Value = app
        .call(Method::GET, "/api/v1/users?usable_pass=false", &token, None)
        .await
        .expect(200);
    assert!(!names(&not_usable).contains(&"usable".to_string()));
    assert_eq!(
        not_usable["total"].as_i64().unwrap() + 2,
        all["total"].as_i64().unwrap()
    );
    let with_methods: Value = app
        .call(Method::GET, "/api/v1/users?has_methods=true", &token, None)
        .await
        .expect(200);
    assert_eq!(names(&with_methods), ["withapp"]);
    assert_eq!(with_methods["items"][0]["method_count"], 1);

    let (status, page) = console.page("/admin/users?pass=usable&q=usable").await;
    assert_eq!(status, 200);
    assert_eq!(usernames(&page), ["usable"]);
    let cell = text_of(&page, "#users td.pass").unwrap();
    assert!(cell.starts_with("Usable, until "), "{cell}");
    assert!(
        page.contains("<time datetime=\""),
        "the end is a <time> for the script"
    );
    let (_, none) = console.page("/admin/users?methods=none&q=withapp").await;
    assert!(usernames(&none).is_empty());
    let (_, some) = console.page("/admin/users?methods=some").await;
    assert_eq!(usernames(&some), ["withapp"]);
    assert_eq!(text_of(&some, "#users td.method-count").unwrap(), "1");
    let (_, expired) = console.page("/admin/users?q=expired").await;
    assert_eq!(text_of(&expired, "#users td.pass").unwrap(), "Expired");
}

#[tokio::test]
async fn bad_page_and_filter_values_read_as_words_never_a_500() {
    let app = spawn_app().await;
    let console = admin_console(&app).await;

    for (query, words) in [
        ("page=abc", "The page must be a number"),
        ("page=0", "The page must be a number"),
        ("page=-3", "The page must be a number"),
        ("page=99999999999999999999", "The page must be a number"),
        ("role=root", "Role must be admin, helpdesk, none"),
        ("account=maybe", "Account must be enabled, disabled"),
        ("pass=%3Cscript%3E", "Pass must be usable, not-usable"),
        ("methods=lots", "Methods must be some, none"),
    ] {
        let (status, page) = console.page(&format!("/admin/users?{query}")).await;
        assert_eq!(status, 400, "{query}");
        assert!(page.contains(words), "{query}: {page}");
        assert!(!page.contains("<script>"), "{query}");
        assert!(
            page.contains("id=\"user-filter\""),
            "{query}: the form stays"
        );
    }
    let (status, page) = console.page("/admin/users?page=40").await;
    assert_eq!(status, 200);
    assert_eq!(hrefs(&page, "#last-page"), ["/admin/users".to_string()]);

    let (token, _) = app.admin_and_helpdesk_tokens().await;
    app.call(Method::GET, "/api/v1/users?role=root", &token, None)
        .await
        .refused(422, "role must be admin, helpdesk or none");
    app.call(Method::GET, "/api/v1/users?enabled=perhaps", &token, None)
        .await
        .refused(422, "enabled");
}
