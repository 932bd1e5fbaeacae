//! A pass holder meets a page that asks for a passkey (`/admin`, or an application asking
//! `acr_values=phr`): the pass is offered there, leads to a restricted session that adds a passkey,
//! and the request that asked for it continues once that passkey signs in — registration alone never
//! proves `phr`. The continuation belongs to each flow, so two tabs end where each began. And a person
//! who may use the console finds it from /security-info.

use tapid::directory::Role;

use crate::helpers::signin::{SoftPasskey, form_field, location};
use crate::helpers::{TestApp, spawn_app};

fn text_of(html: &str, selector: &str) -> Option<String> {
    scraper::Html::parse_document(html)
        .select(&scraper::Selector::parse(selector).unwrap())
        .next()
        .map(|e| e.text().collect::<String>())
}

#[tokio::test]
async fn a_passkey_only_sign_in_offers_the_pass_for_a_first_day() {
    let app = spawn_app().await;

    let methods = location(
        &app.enter_username("/login?level=phr&return_to=%2Fadmin", "anyone")
            .await,
    );
    let html = app.get(&methods).await.text().await.unwrap();

    let offer = text_of(&html, "#pass-offer").expect("the pass is offered");
    assert!(offer.contains("First day, or lost your phone?"), "{offer}");
    assert!(
        offer.contains("Temporary Access Pass from your helpdesk"),
        "{offer}"
    );
    assert!(html.contains("This application asks for a passkey"));
    assert!(
        !html.contains("id=\"totp-link\""),
        "no app code: it cannot reach phr"
    );
}

#[tokio::test]
async fn a_pass_holder_opening_the_console_adds_a_passkey_and_reaches_it_only_by_signing_in_with_it()
 {
    let app = spawn_app().await;
    app.add_user("ann", &[Role::Admin], &[]).await;
    let passcode = app.arrange_pass("ann", true).await;
    let to_login = location(&app.get("/admin/users").await);
    assert!(to_login.starts_with("/login?"), "{to_login}");

    let setup = app.sign_in_with_tap_from(&to_login, "ann", &passcode).await;
    assert!(setup.contains("level=phr"), "{setup}");
    let page = app.get(&setup).await.text().await.unwrap();
    assert!(page.contains("id=\"passkey-asked\""), "{page}");
    assert!(
        !page.contains("id=\"add-totp\""),
        "no app where only a passkey will do"
    );
    let mut authenticator = SoftPasskey::new(true);
    let registered = app.register_passkey(&mut authenticator, "Laptop").await;
    assert_eq!(registered.status(), 200);
    assert_eq!(app.continue_link().await, "/admin/users");

    // Registration alone proves no passkey sign-in: the console asks for one more touch.
    let step_up = app.get("/admin/users").await;
    assert_eq!(step_up.status(), 303);
    let step_up = location(&step_up);
    assert!(step_up.contains("level=phr"), "{step_up}");
    let redirect = app
        .sign_in_with_passkey_from(&step_up, "ann", &mut authenticator)
        .await;
    assert_eq!(redirect, "/admin/users");
    assert_eq!(app.get("/admin/users").await.status(), 200);
}

#[tokio::test]
async fn an_application_asking_for_phr_sends_a_pass_session_to_setup_saying_so() {
    let app = spawn_app().await;
    let passcode = app.arrange_pass("newbie", true).await;
    app.sign_in_with_tap_from("/login", "newbie", &passcode)
        .await;
    let client = app.web_client("intranet").await;
    let (_, challenge) = crate::helpers::oidc::pkce_pair();
    let redirect_uri = client.redirect_uri.clone().unwrap();

    let response = app
        .authorize(&[
            ("client_id", client.id.as_str()),
            ("redirect_uri", redirect_uri.as_str()),
            ("response_type", "code"),
            ("scope", "openid"),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
            ("acr_values", "phr"),
        ])
        .await;

    let setup = location(&response);
    assert!(setup.starts_with("/security-info/setup?"), "{setup}");
    assert!(setup.contains("level=phr"), "{setup}");
}

/// The authenticator-app page of a setup flow, its form filled and sent; returns where it leads.
async fn add_app_in(app: &TestApp, setup: &str) -> String {
    let setup_page = app.get(setup).await.text().await.unwrap();
    let totp_link = scraper::Html::parse_document(&setup_page)
        .select(&scraper::Selector::parse("#add-totp").unwrap())
        .next()
        .and_then(|e| e.value().attr("href").map(String::from))
        .expect("an authenticator-app link");
    let page = app.get(&totp_link).await.text().await.unwrap();
    let shown = text_of(&page, "#totp-secret").unwrap().replace(' ', "");
    let secret = crate::helpers::signin::TotpSecret::new(
        totp_rs::Secret::try_from_base32(&shown)
            .unwrap()
            .as_bytes()
            .to_vec(),
    );
    let code = secret.fresh_code().await;
    let fields = [
        ("csrf", form_field(&page, "csrf").unwrap()),
        ("name", "Phone".into()),
        ("code", code),
        (
            "return_to",
            form_field(&page, "return_to").unwrap_or_default(),
        ),
        ("level", form_field(&page, "level").unwrap_or_default()),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let response = app.post_form("/security-info/totp", &fields).await;
    assert_eq!(response.status(), 303, "TOTP setup");
    location(&response)
}

#[tokio::test]
async fn two_tabs_during_enrolment_each_continue_where_they_began() {
    let app = spawn_app().await;
    app.add_user("ann", &[Role::Admin], &[]).await;
    let passcode = app.arrange_pass("ann", true).await;
    // Tab 1: an application's sign-in.
    let app_setup = app
        .sign_in_with_tap_from("/login?return_to=%2Fapp%2Fone", "ann", &passcode)
        .await;
    // Tab 2: the console, which sends the pass session to setup for its own flow.
    let console_setup = location(&app.get("/admin/users").await);
    assert!(
        console_setup.starts_with("/security-info/setup?"),
        "{console_setup}"
    );
    assert_eq!(app.get(&console_setup).await.status(), 200);

    // Back in tab 1, the app is added there.
    let after = add_app_in(&app, &app_setup).await;

    let continue_in_tab_1 = app.get(&after).await.text().await.unwrap();
    let href = scraper::Html::parse_document(&continue_in_tab_1)
        .select(&scraper::Selector::parse("#continue").unwrap())
        .next()
        .and_then(|e| e.value().attr("href").map(String::from))
        .unwrap();
    assert_eq!(href, "/app/one", "tab 1 ends in the application");
    let continue_in_tab_2 = app.get(&console_setup).await.text().await.unwrap();
    assert!(
        continue_in_tab_2.contains("href=\"/admin/users\""),
        "tab 2 ends in the console"
    );
}

#[tokio::test]
async fn security_info_links_the_console_for_a_person_with_a_role_only() {
    let app = spawn_app().await;
    app.add_user("hal", &[Role::Helpdesk], &[]).await;
    let hal = app.arrange_user_with_totp("hal").await;
    let plain = app.arrange_user_with_totp("sam").await;

    app.sign_in_with_totp_from("/login", "hal", &hal).await;
    let helpdesk = app.get("/security-info").await.text().await.unwrap();
    let other = app.new_browser();
    other.sign_in_with_totp_from("/login", "sam", &plain).await;
    let person = other.get("/security-info").await.text().await.unwrap();

    let link = text_of(&helpdesk, "#console-link").expect("a way to the console");
    assert!(link.contains("open the admin console"), "{link}");
    assert!(helpdesk.contains("href=\"/admin\""));
    assert!(
        link.contains("asks you to sign in with a passkey"),
        "{link}"
    );
    assert!(!person.contains("id=\"console-link\""));
}
