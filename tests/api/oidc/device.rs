//! The device authorization grant (RFC 8628): a device asks for a device code and a user code, a
//! person signed in at `/device` approves or denies, the device polls `/token`. Each refusal has its
//! test.

use serde_json::Value;

use crate::helpers::oidc::{RegisteredClient, jwt_claims};
use crate::helpers::signin::{TotpSecret, form_field, location};
use crate::helpers::{TestApp, spawn_app, spawn_app_with};

pub(crate) const GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// What `/device_authorization` answered.
pub(crate) struct DeviceCode {
    pub(crate) device_code: String,
    pub(crate) user_code: String,
    body: Value,
}

impl TestApp {
    /// A confidential client registered for the device grant (and refresh tokens).
    pub(crate) async fn device_client(&self, id: &str) -> RegisteredClient {
        self.add_client(id, &["--grant", "device_code", "--grant", "refresh_token"])
            .await
    }

    pub(crate) async fn device_authorization(
        &self,
        client: &RegisteredClient,
        scope: &str,
    ) -> DeviceCode {
        let response = self
            .post_client_form(
                "/device_authorization",
                &[("scope", scope)],
                Some((&client.id, client.secret.as_deref().unwrap())),
            )
            .await;
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, 200, "{body}");
        DeviceCode {
            device_code: body["device_code"].as_str().unwrap().to_string(),
            user_code: body["user_code"].as_str().unwrap().to_string(),
            body,
        }
    }

    /// One poll of `/token` by `client` with `device_code`.
    async fn poll(&self, client: &RegisteredClient, device_code: &str) -> (u16, Value) {
        let response = self
            .post_client_form(
                "/token",
                &[("grant_type", GRANT), ("device_code", device_code)],
                Some((&client.id, client.secret.as_deref().unwrap())),
            )
            .await;
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    /// Types `user_code` at `/device` in this browser's session; the response to the form.
    async fn enter_user_code(&self, user_code: &str) -> reqwest::Response {
        let (_, csrf) = self.page_with_csrf("/device").await;
        self.post_form("/device", &[("csrf", &csrf), ("user_code", user_code)])
            .await
    }

    /// Types the code and presses Allow (`approve`) or Deny; the final page's HTML.
    pub(crate) async fn decide_device(&self, user_code: &str, approve: bool) -> String {
        let confirm = self.enter_user_code(user_code).await;
        assert_eq!(confirm.status(), 200, "the confirmation page");
        let html = confirm.text().await.unwrap();
        let (csrf, id) = (
            form_field(&html, "csrf").unwrap(),
            form_field(&html, "id").unwrap(),
        );
        let decision = if approve { "approve" } else { "deny" };
        let done = self
            .post_form(
                "/device/decide",
                &[("csrf", &csrf), ("id", &id), ("decision", decision)],
            )
            .await;
        assert_eq!(done.status(), 200, "the decision");
        done.text().await.unwrap()
    }

    /// A browser signed in as `ann` with an authenticator app.
    pub(crate) async fn browser_signed_in(&self, username: &str) -> (TestApp, TotpSecret) {
        let browser = self.new_browser();
        let secret = browser.arrange_user_with_totp(username).await;
        let back = browser
            .sign_in_with_totp(username, &secret, "/device")
            .await;
        assert_eq!(back, "/device");
        (browser, secret)
    }

    async fn device_status(&self, user_code_row: &str) -> (String, i64) {
        sqlx::query_as::<_, (String, i64)>(
            "SELECT status, poll_interval FROM device_codes WHERE id = $1",
        )
        .bind(user_code_row)
        .fetch_one(self.db.pool())
        .await
        .unwrap()
    }

    async fn only_device_row(&self) -> String {
        let (id,): (String,) = sqlx::query_as("SELECT id FROM device_codes")
            .fetch_one(self.db.pool())
            .await
            .unwrap();
        id
    }

    /// Lets the device poll again at once (as if the interval had passed).
    pub(crate) async fn forget_last_poll(&self) {
        sqlx::query("UPDATE device_codes SET last_polled_at = NULL")
            .execute(self.db.pool())
            .await
            .unwrap();
    }
}

fn refused(answer: &(u16, Value), status: u16, error: &str) {
    assert_eq!(answer.0, status, "{}", answer.1);
    assert_eq!(answer.1["error"], error, "{}", answer.1);
}

#[tokio::test]
async fn an_approved_device_gets_tokens_carrying_the_approving_sessions_auth_time_acr_and_amr() {
    let app = spawn_app().await;
    let tv = app.device_client("tv").await;
    let code = app
        .device_authorization(&tv, "openid profile offline_access")
        .await;
    assert_eq!(
        code.body["verification_uri"],
        format!("{}/device", app.issuer)
    );
    assert_eq!(
        code.body["verification_uri_complete"],
        format!("{}/device?user_code={}", app.issuer, code.user_code)
    );
    assert_eq!(code.body["interval"], 5);
    assert_eq!(code.body["expires_in"], 600);
    assert!(code.user_code.len() == 9 && code.user_code.as_bytes()[4] == b'-');

    refused(
        &app.poll(&tv, &code.device_code).await,
        400,
        "authorization_pending",
    );
    let (browser, _) = app.browser_signed_in("ann").await;
    let done = browser.decide_device(&code.user_code, true).await;
    assert!(done.contains("Device connected"), "{done}");
    app.forget_last_poll().await;

    let (status, tokens) = app.poll(&tv, &code.device_code).await;
    assert_eq!(status, 200, "{tokens}");
    assert!(tokens["refresh_token"].is_string(), "{tokens}");
    let id = jwt_claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(id["aud"], "tv");
    assert_eq!(id["acr"], "1fa");
    assert_eq!(id["amr"], serde_json::json!(["otp"]));
    assert!(id["auth_time"].as_i64().unwrap() <= id["iat"].as_i64().unwrap());
    assert_eq!(id["preferred_username"], "ann");
    let events = app.events("device.approved").await;
    assert_eq!(events.len(), 1);
}

#[tokio::test]
async fn a_device_polling_faster_than_the_interval_is_told_to_slow_down_and_its_interval_grows() {
    let app = spawn_app().await;
    let tv = app.device_client("tv").await;
    let code = app.device_authorization(&tv, "openid").await;
    refused(
        &app.poll(&tv, &code.device_code).await,
        400,
        "authorization_pending",
    );
    refused(&app.poll(&tv, &code.device_code).await, 400, "slow_down");
    let (_, interval) = app.device_status(&app.only_device_row().await).await;
    assert_eq!(interval, 10);
}

#[tokio::test]
async fn a_denied_device_code_answers_access_denied_and_is_recorded() {
    let app = spawn_app().await;
    let tv = app.device_client("tv").await;
    let code = app.device_authorization(&tv, "openid").await;
    let (browser, _) = app.browser_signed_in("ann").await;
    let done = browser.decide_device(&code.user_code, false).await;
    assert!(done.contains("Device denied"), "{done}");
    refused(
        &app.poll(&tv, &code.device_code).await,
        400,
        "access_denied",
    );
    assert_eq!(app.events("device.denied").await.len(), 1);
}

#[tokio::test]
async fn an_expired_device_code_answers_expired_token_and_can_no_longer_be_approved() {
    let app = spawn_app().await;
    let tv = app.device_client("tv").await;
    let code = app.device_authorization(&tv, "openid").await;
    sqlx::query("UPDATE device_codes SET expires_at = expires_at - 601")
        .execute(app.db.pool())
        .await
        .unwrap();
    refused(
        &app.poll(&tv, &code.device_code).await,
        400,
        "expired_token",
    );
    let (browser, _) = app.browser_signed_in("ann").await;
    assert_eq!(browser.enter_user_code(&code.user_code).await.status(), 422);
}

#[tokio::test]
async fn a_device_code_is_redeemed_once_across_instances() {
    let app = spawn_app().await;
    let tv = app.device_client("tv").await;
    let code = app.device_authorization(&tv, "openid").await;
    let (browser, _) = app.browser_signed_in("ann").await;
    browser.decide_device(&code.user_code, true).await;
    let other = app.second_instance().await;
    let (first, second) = tokio::join!(
        app.poll(&tv, &code.device_code),
        other.poll(&tv, &code.device_code)
    );
    let statuses = [first.0, second.0];
    assert!(statuses.contains(&200), "{first:?} {second:?}");
    app.forget_last_poll().await;
    refused(
        &app.poll(&tv, &code.device_code).await,
        400,
        "invalid_grant",
    );
    refused(
        &other.poll(&tv, &code.device_code).await,
        400,
        "invalid_grant",
    );
    assert_eq!(app.events("token.issued").await.len(), 1);
}

#[tokio::test]
async fn a_device_code_cannot_be_redeemed_by_another_client() {
    let app = spawn_app().await;
    let tv = app.device_client("tv").await;
    let thief = app.device_client("thief").await;
    let code = app.device_authorization(&tv, "openid").await;
    let (browser, _) = app.browser_signed_in("ann").await;
    browser.decide_device(&code.user_code, true).await;
    let answer = app.poll(&thief, &code.device_code).await;
    refused(&answer, 400, "invalid_grant");
    assert!(
        answer.1["error_description"]
            .as_str()
            .unwrap()
            .contains("another client")
    );
    // The rightful device still gets its tokens.
    assert_eq!(app.poll(&tv, &code.device_code).await.0, 200);
}

#[tokio::test]
async fn an_unknown_device_code_is_invalid_grant() {
    let app = spawn_app().await;
    let tv = app.device_client("tv").await;
    refused(
        &app.poll(&tv, "not-a-device-code").await,
        400,
        "invalid_grant",
    );
}

#[tokio::test]
async fn a_pass_only_session_can_never_approve_but_may_once_it_has_enrolled() {
    let app = spawn_app().await;
    let tv = app.device_client("tv").await;
    let code = app.device_authorization(&tv, "openid").await;
    let passcode = app.arrange_pass("pat", false).await;
    let setup = app
        .sign_in_with_tap_from("/login?return_to=%2Fdevice", "pat", &passcode)
        .await;
    assert!(setup.starts_with("/security-info/setup"), "{setup}");

    // The page, the code's form and the decision all send a pass session to setup.
    let page = app.get("/device").await;
    assert_eq!(page.status(), 303);
    assert!(location(&page).starts_with("/security-info/setup"));
    let (_, csrf) = app.page_with_csrf("/security-info/setup").await;
    let typed = app
        .post_form(
            "/device",
            &[("csrf", &csrf), ("user_code", &code.user_code)],
        )
        .await;
    assert!(location(&typed).starts_with("/security-info/setup"));
    let id = app.only_device_row().await;
    let decided = app
        .post_form(
            "/device/decide",
            &[("csrf", &csrf), ("id", &id), ("decision", "approve")],
        )
        .await;
    assert!(location(&decided).starts_with("/security-info/setup"));
    assert_eq!(app.device_status(&id).await.0, "pending");
    refused(
        &app.poll(&tv, &code.device_code).await,
        400,
        "authorization_pending",
    );

    // Having registered a method, the same person may approve; the tokens say how they signed in.
    app.enrol_totp_in_session().await;
    app.decide_device(&code.user_code, true).await;
    app.forget_last_poll().await;
    let (status, tokens) = app.poll(&tv, &code.device_code).await;
    assert_eq!(status, 200, "{tokens}");
    let id_token = jwt_claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(id_token["amr"], serde_json::json!(["tap", "otp"]));
}

#[tokio::test]
async fn user_code_entry_is_throttled_per_account() {
    let app = spawn_app_with(|c| {
        c.throttle.per_account = std::num::NonZeroU32::new(3).unwrap();
    })
    .await;
    let tv = app.device_client("tv").await;
    let code = app.device_authorization(&tv, "openid").await;
    let (browser, _) = app.browser_signed_in("ann").await;
    for _ in 0..3 {
        assert_eq!(browser.enter_user_code("BBBB-BBBB").await.status(), 422);
    }
    // Past the budget even the right code is refused until the window is over.
    let throttled = browser.enter_user_code(&code.user_code).await;
    assert_eq!(throttled.status(), 429);
    assert_eq!(
        app.device_status(&app.only_device_row().await).await.0,
        "pending"
    );
}

#[tokio::test]
async fn user_code_entry_ignores_case_spaces_and_the_dash() {
    let app = spawn_app().await;
    let tv = app.device_client("tv").await;
    let code = app.device_authorization(&tv, "openid").await;
    let (browser, _) = app.browser_signed_in("ann").await;
    let typed = code.user_code.replace('-', " ").to_lowercase();
    let confirm = browser.enter_user_code(&typed).await;
    assert_eq!(confirm.status(), 200);
    let html = confirm.text().await.unwrap();
    assert!(
        html.contains(&code.user_code),
        "the code is shown as the device shows it"
    );
    assert!(html.contains("tv"), "the application is named");
}

#[tokio::test]
async fn the_decision_form_is_csrf_protected() {
    let app = spawn_app().await;
    let tv = app.device_client("tv").await;
    app.device_authorization(&tv, "openid").await;
    let (browser, _) = app.browser_signed_in("ann").await;
    let id = app.only_device_row().await;
    let forged = browser
        .post_form(
            "/device/decide",
            &[("csrf", "forged"), ("id", &id), ("decision", "approve")],
        )
        .await;
    assert_eq!(forged.status(), 403);
    assert_eq!(app.device_status(&id).await.0, "pending");
}

#[tokio::test]
async fn a_client_not_registered_for_the_device_grant_is_refused() {
    let app = spawn_app().await;
    let web = app.web_client("web").await;
    let response = app
        .post_client_form(
            "/device_authorization",
            &[("scope", "openid")],
            Some((&web.id, web.secret.as_deref().unwrap())),
        )
        .await;
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "unauthorized_client");
}

#[tokio::test]
async fn device_authorization_refuses_a_wrong_secret_and_takes_client_secret_post() {
    let app = spawn_app().await;
    let tv = app.device_client("tv").await;
    let wrong = app
        .post_client_form(
            "/device_authorization",
            &[("scope", "openid")],
            Some(("tv", "wrong")),
        )
        .await;
    assert_eq!(wrong.status(), 401);
    let body: Value = wrong.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
    let posted = app
        .post_client_form(
            "/device_authorization",
            &[
                ("scope", "openid"),
                ("client_id", "tv"),
                ("client_secret", tv.secret.as_deref().unwrap()),
            ],
            None,
        )
        .await;
    assert_eq!(posted.status(), 200);
}

#[tokio::test]
async fn a_public_client_may_use_the_device_grant_with_its_client_id_alone() {
    let app = spawn_app().await;
    app.add_client("cli", &["--public", "--grant", "device_code"])
        .await;
    let response = app
        .post_client_form(
            "/device_authorization",
            &[("scope", "openid"), ("client_id", "cli")],
            None,
        )
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let poll = app
        .post_client_form(
            "/token",
            &[
                ("grant_type", GRANT),
                ("device_code", body["device_code"].as_str().unwrap()),
                ("client_id", "cli"),
            ],
            None,
        )
        .await;
    assert_eq!(poll.status(), 400);
    let body: Value = poll.json().await.unwrap();
    assert_eq!(body["error"], "authorization_pending");
}

#[tokio::test]
async fn the_device_flow_asks_for_what_the_code_flow_may_and_requires_openid() {
    let app = spawn_app().await;
    let tv = app.device_client("tv").await;
    let response = app
        .post_client_form(
            "/device_authorization",
            &[("scope", "profile")],
            Some((&tv.id, tv.secret.as_deref().unwrap())),
        )
        .await;
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_scope");
    // A scope the client may not have is dropped, as in the code flow.
    let code = app.device_authorization(&tv, "openid tapid:admin").await;
    let (browser, _) = app.browser_signed_in("ann").await;
    browser.decide_device(&code.user_code, true).await;
    let (_, tokens) = app.poll(&tv, &code.device_code).await;
    assert_eq!(tokens["scope"], "openid");
}

#[tokio::test]
async fn device_and_user_codes_are_stored_only_as_digests() {
    let app = spawn_app().await;
    let tv = app.device_client("tv").await;
    let code = app.device_authorization(&tv, "openid").await;
    let normalised = code.user_code.replace('-', "");
    for value in app.every_stored_text().await {
        assert!(!value.contains(&code.device_code), "device code stored");
        assert!(!value.contains(&normalised), "user code stored");
        assert!(!value.contains(&code.user_code), "user code stored");
    }
}

#[tokio::test]
async fn discovery_publishes_the_device_authorization_endpoint_and_grant() {
    let app = spawn_app().await;
    let doc: Value = app
        .get("/.well-known/openid-configuration")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        doc["device_authorization_endpoint"],
        format!("{}/device_authorization", app.issuer)
    );
    assert!(
        doc["grant_types_supported"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!(GRANT))
    );
}

#[tokio::test]
async fn the_admin_api_registers_a_public_client_for_the_device_grant() {
    let app = spawn_app().await;
    let admin = app.api_token("ops", tapid::directory::Role::Admin).await;
    let created = app
        .call(
            reqwest::Method::POST,
            "/api/v1/clients",
            &admin,
            Some(serde_json::json!({ "id": "kiosk", "public": true, "grant_types": [GRANT] })),
        )
        .await
        .expect(201);
    assert_eq!(created["grant_types"], serde_json::json!([GRANT]));
    let listed = app.cli(&["client", "list", "--json"]).await;
    assert!(listed.ok().contains(GRANT), "{}", listed.ok());
}

/// A device signed in through `ann`'s approval, with its refresh token.
async fn device_with_refresh_token(app: &TestApp) -> (RegisteredClient, String) {
    let tv = app.device_client("tv").await;
    let code = app.device_authorization(&tv, "openid offline_access").await;
    let (browser, _) = app.browser_signed_in("ann").await;
    browser.decide_device(&code.user_code, true).await;
    let (status, tokens) = app.poll(&tv, &code.device_code).await;
    assert_eq!(status, 200, "{tokens}");
    (tv, tokens["refresh_token"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn a_devices_refresh_token_stops_working_when_its_approver_is_signed_out_everywhere() {
    let app = spawn_app().await;
    let (tv, refresh_token) = device_with_refresh_token(&app).await;
    app.cli(&["user", "sign-out", "ann"]).await.ok();
    let refreshed = app.refresh(&tv, &refresh_token, None).await;
    assert_eq!(refreshed.status(), 400);
    let body: Value = refreshed.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant", "{body}");
}

#[tokio::test]
async fn a_devices_refresh_token_stops_working_when_its_approver_is_disabled() {
    let app = spawn_app().await;
    let (tv, refresh_token) = device_with_refresh_token(&app).await;
    app.cli(&["user", "disable", "ann"]).await.ok();
    let refreshed = app.refresh(&tv, &refresh_token, None).await;
    assert_eq!(refreshed.status(), 400);
    let body: Value = refreshed.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant", "{body}");
}

#[tokio::test]
async fn an_approved_device_code_buys_nothing_once_its_approver_is_signed_out_everywhere() {
    let app = spawn_app().await;
    let tv = app.device_client("tv").await;
    let code = app.device_authorization(&tv, "openid").await;
    let (browser, _) = app.browser_signed_in("ann").await;
    browser.decide_device(&code.user_code, true).await;
    app.cli(&["user", "sign-out", "ann"]).await.ok();
    let answer = app.poll(&tv, &code.device_code).await;
    refused(&answer, 400, "invalid_grant");
    assert!(
        answer.1["error_description"]
            .as_str()
            .unwrap()
            .contains("has ended"),
        "{}",
        answer.1
    );
    assert!(app.events("token.issued").await.is_empty());
}
