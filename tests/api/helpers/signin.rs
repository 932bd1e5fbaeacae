//! Typed helpers for sign-in tests: arranging users with methods, and driving the real sign-in pages.

use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use tapid::audit::Actor;
use tapid::directory::{self, NewUser, User, Username};
use tapid::methods::NewMethod;
use tapid::secrets::Sealer;
use totp_rs::{Algorithm, Builder, Totp};
pub use webauthn_authenticator_rs::WebauthnAuthenticator;
pub use webauthn_authenticator_rs::softpasskey::SoftPasskey;
use webauthn_rs::prelude::{CreationChallengeResponse, RequestChallengeResponse};

use super::TestApp;

/// An authenticator app's secret, as a test holds it. It remembers the last time step it produced a
/// code for, so consecutive sign-ins never replay a code (tapid refuses that).
pub struct TotpSecret {
    pub bytes: Vec<u8>,
    last_step: Mutex<Option<u64>>,
}

impl TotpSecret {
    pub fn new(bytes: Vec<u8>) -> Self {
        Self {
            bytes,
            last_step: Mutex::new(None),
        }
    }

    fn totp(&self) -> Totp {
        Builder::new()
            .with_algorithm(Algorithm::SHA1)
            .with_digits(6)
            .with_skew(1)
            .with_step_duration(30)
            .with_secret(self.bytes.clone())
            .with_account_name("test")
            .with_issuer(Some("tapid"))
            .build()
            .expect("totp")
    }

    /// The code for the current time step (for tests of replay and wrong codes; it does not advance).
    pub fn current_code(&self) -> String {
        self.totp().generate_current().to_string()
    }

    /// A code tapid has not seen yet: the current step's, or the next one's (accepted with one step of
    /// skew) when the current one was used; waits only when both were.
    pub async fn fresh_code(&self) -> String {
        loop {
            let now = unix_now();
            let step = now / 30;
            let next = {
                let mut last = self.last_step.lock().unwrap();
                let candidate = match *last {
                    Some(l) if l >= step => l + 1,
                    _ => step,
                };
                if candidate <= step + 1 {
                    *last = Some(candidate);
                    Some(candidate)
                } else {
                    None
                }
            };
            match next {
                Some(s) => return self.totp().generate(s * 30).to_string(),
                None => tokio::time::sleep(std::time::Duration::from_secs(30 - now % 30)).await,
            }
        }
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The value of a form field (`name`) in an HTML page.
pub fn form_field(html: &str, name: &str) -> Option<String> {
    let document = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse(&format!("input[name=\"{name}\"]")).unwrap();
    document
        .select(&selector)
        .next()
        .and_then(|e| e.value().attr("value"))
        .map(String::from)
}

pub fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(reqwest::header::LOCATION)
        .unwrap_or_else(|| panic!("no Location (status {})", response.status()))
        .to_str()
        .unwrap()
        .to_string()
}

impl TestApp {
    pub fn sealer(&self) -> Sealer {
        Sealer::from_config(&self.config).expect("sealer")
    }

    /// A user with this name (created if missing).
    pub async fn arrange_user(&self, username: &str) -> User {
        if let Some(user) = directory::users::find_by_username(&self.db, username)
            .await
            .unwrap()
        {
            return user;
        }
        let new = NewUser::named(Username::parse(username).unwrap());
        directory::users::create(&self.db, &Actor::System, new)
            .await
            .expect("create user")
    }

    /// A user (created if missing) with an authenticator app; returns its secret.
    pub async fn arrange_user_with_totp(&self, username: &str) -> TotpSecret {
        let user = self.arrange_user(username).await;
        let secret = tapid::methods::totp::generate_secret();
        tapid::methods::totp::store(
            &self.db,
            &self.sealer(),
            NewMethod {
                actor: &Actor::System,
                user: &user,
                name: "Phone",
                tap_id: None,
                address: None,
            },
            &secret,
            None,
        )
        .await
        .expect("store TOTP");
        TotpSecret::new(secret)
    }

    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .form(form)
            .send()
            .await
            .expect("request")
    }

    /// GETs a page and returns its HTML and CSRF token.
    pub async fn page_with_csrf(&self, path: &str) -> (String, String) {
        let response = self.get(path).await;
        assert_eq!(response.status(), 200, "GET {path}");
        let html = response.text().await.unwrap();
        let csrf = form_field(&html, "csrf").unwrap_or_else(|| panic!("no CSRF field on {path}"));
        (html, csrf)
    }

    /// Types the username on `/login?…` (the page `/authorize` redirects to) and lands on the choice
    /// of methods. `login_path` is a path with its query, e.g. `/login?return_to=%2Fx`.
    pub async fn enter_username(&self, login_path: &str, username: &str) -> reqwest::Response {
        let (html, csrf) = self.page_with_csrf(login_path).await;
        let return_to = form_field(&html, "return_to").unwrap_or_default();
        let level = form_field(&html, "level").unwrap_or_default();
        let response = self
            .post_form(
                "/login",
                &[
                    ("csrf", &csrf),
                    ("username", username),
                    ("return_to", &return_to),
                    ("level", &level),
                ],
            )
            .await;
        assert_eq!(response.status(), 303, "POST /login");
        response
    }

    /// Signs in through the real pages with a code from `secret`, starting at `login_path` (the
    /// `/login?…` URL, absolute or a path). Returns the response to the code's POST.
    pub async fn submit_totp_from(
        &self,
        login_path: &str,
        username: &str,
        code: &str,
    ) -> reqwest::Response {
        let login_path = login_path.strip_prefix(&self.issuer).unwrap_or(login_path);
        let methods = location(&self.enter_username(login_path, username).await);
        let totp_page = methods.replacen("/login/methods", "/login/totp", 1);
        let (html, csrf) = self.page_with_csrf(&totp_page).await;
        let return_to = form_field(&html, "return_to").unwrap_or_default();
        let level = form_field(&html, "level").unwrap_or_default();
        self.post_form(
            "/login/totp",
            &[
                ("csrf", &csrf),
                ("code", code),
                ("return_to", &return_to),
                ("level", &level),
            ],
        )
        .await
    }

    /// Signs in with an authenticator-app code from the `/login?…` URL that `/authorize` redirected
    /// to; returns the final redirect's Location.
    pub async fn sign_in_with_totp_from(
        &self,
        login_url: &str,
        username: &str,
        secret: &TotpSecret,
    ) -> String {
        let code = secret.fresh_code().await;
        let response = self.submit_totp_from(login_url, username, &code).await;
        assert_eq!(response.status(), 303, "TOTP sign-in refused");
        location(&response)
    }

    /// Signs in with an authenticator-app code and asks to return to `return_to` (a local path);
    /// returns the final redirect's Location.
    pub async fn sign_in_with_totp(
        &self,
        username: &str,
        secret: &TotpSecret,
        return_to: &str,
    ) -> String {
        let login = format!(
            "/login?{}",
            url::form_urlencoded::Serializer::new(String::new())
                .append_pair("return_to", return_to)
                .finish()
        );
        self.sign_in_with_totp_from(&login, username, secret).await
    }
}

/// The value of the first `data-csrf` attribute on a page (pages whose forms are driven by script).
pub fn data_csrf(html: &str) -> Option<String> {
    let document = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse("[data-csrf]").unwrap();
    document
        .select(&selector)
        .next()
        .and_then(|e| e.value().attr("data-csrf"))
        .map(String::from)
}

impl TestApp {
    pub fn origin(&self) -> url::Url {
        url::Url::parse(&self.issuer).unwrap()
    }

    /// POSTs JSON as the page's script does (CSRF token in `X-CSRF-Token`).
    pub async fn post_script(
        &self,
        path: &str,
        csrf: &str,
        body: &serde_json::Value,
    ) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .header("X-CSRF-Token", csrf)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    /// The CSRF token of the current session, read from a page that shows it (following redirects).
    pub async fn csrf_from(&self, path: &str) -> String {
        let mut response = self.get(path).await;
        for _ in 0..3 {
            if !response.status().is_redirection() {
                break;
            }
            response = self.get(&location(&response)).await;
        }
        let html = response.text().await.unwrap();
        form_field(&html, "csrf")
            .or_else(|| data_csrf(&html))
            .unwrap_or_else(|| panic!("no CSRF token on {path}"))
    }

    /// Registers a passkey from `authenticator` in the current (signed-in) session through the real
    /// endpoints; returns the finish response.
    pub async fn register_passkey(
        &self,
        authenticator: &mut SoftPasskey,
        name: &str,
    ) -> reqwest::Response {
        let csrf = self.csrf_from("/security-info/setup").await;
        let begin = self
            .post_script(
                "/security-info/passkey/begin",
                &csrf,
                &serde_json::json!({}),
            )
            .await;
        assert_eq!(begin.status(), 200, "passkey registration begin");
        let options: CreationChallengeResponse = begin.json().await.unwrap();
        let credential = authenticator
            .do_registration(self.origin(), options)
            .expect("authenticator registration");
        self.post_script(
            "/security-info/passkey/finish",
            &csrf,
            &serde_json::json!({ "credential": credential, "name": name }),
        )
        .await
    }

    /// Signs in with a passkey for `username` from `login_path` through the real pages and
    /// endpoints; returns the finish response (JSON `{redirect}` on success).
    pub async fn submit_passkey_from(
        &self,
        login_path: &str,
        username: &str,
        authenticator: &mut SoftPasskey,
    ) -> reqwest::Response {
        let login_path = login_path.strip_prefix(&self.issuer).unwrap_or(login_path);
        let methods = location(&self.enter_username(login_path, username).await);
        let html = self.get(&methods).await.text().await.unwrap();
        let csrf = data_csrf(&html).expect("passkey sign-in on the methods page");
        let box_attr = |name: &str| {
            let document = scraper::Html::parse_document(&html);
            let selector = scraper::Selector::parse("#passkey-signin").unwrap();
            document
                .select(&selector)
                .next()
                .and_then(|e| e.value().attr(name))
                .unwrap_or_default()
                .to_string()
        };
        let begin = self
            .post_script(
                "/login/passkey/begin",
                &csrf,
                &serde_json::json!({ "mode": "username" }),
            )
            .await;
        assert_eq!(begin.status(), 200, "passkey sign-in begin");
        let options: RequestChallengeResponse = begin.json().await.unwrap();
        let credential = match authenticator.do_authentication(self.origin(), options) {
            Ok(c) => c,
            Err(e) => panic!("the authenticator refused: {e:?}"),
        };
        self.post_script(
            "/login/passkey/finish",
            &csrf,
            &serde_json::json!({
                "credential": credential,
                "return_to": box_attr("data-return-to"),
                "level": box_attr("data-level"),
            }),
        )
        .await
    }

    /// Signs in with a passkey and returns where the page is sent (`redirect`).
    pub async fn sign_in_with_passkey_from(
        &self,
        login_path: &str,
        username: &str,
        authenticator: &mut SoftPasskey,
    ) -> String {
        let response = self
            .submit_passkey_from(login_path, username, authenticator)
            .await;
        assert_eq!(response.status(), 200, "passkey sign-in refused");
        let body: serde_json::Value = response.json().await.unwrap();
        body["redirect"].as_str().unwrap().to_string()
    }

    /// A user (created if missing) with a TOTP method and a passkey on `authenticator`; leaves the
    /// app's client signed out. Returns the TOTP secret.
    pub async fn arrange_user_with_passkey(
        &self,
        username: &str,
        authenticator: &mut SoftPasskey,
    ) -> TotpSecret {
        let secret = self.arrange_user_with_totp(username).await;
        self.sign_in_with_totp_from("/login", username, &secret)
            .await;
        let response = self.register_passkey(authenticator, "Laptop").await;
        assert_eq!(response.status(), 200, "passkey registration");
        self.sign_out().await;
        secret
    }

    /// Signs out through the page's button.
    pub async fn sign_out(&self) {
        let csrf = self.csrf_from("/security-info/setup").await;
        let response = self
            .post_form("/security-info/signout", &[("csrf", &csrf)])
            .await;
        assert_eq!(response.status(), 303, "sign-out");
    }
}

impl TestApp {
    /// Issues a pass to `username` (created if missing) as an operator; returns the passcode.
    pub async fn arrange_pass(&self, username: &str, one_time: bool) -> String {
        self.arrange_user(username).await;
        let request = tapid::tap::IssueRequest {
            one_time: Some(one_time),
            ..Default::default()
        };
        let issued = self.issue_pass(username, request).await;
        issued.passcode.expose().to_string()
    }

    /// Types the username and the pass on the real pages, starting at `login_path`; returns the
    /// response to the pass's POST.
    pub async fn submit_tap_from(
        &self,
        login_path: &str,
        username: &str,
        passcode: &str,
    ) -> reqwest::Response {
        let login_path = login_path.strip_prefix(&self.issuer).unwrap_or(login_path);
        let methods = location(&self.enter_username(login_path, username).await);
        let tap_page = methods.replacen("/login/methods", "/login/tap", 1);
        let (html, csrf) = self.page_with_csrf(&tap_page).await;
        let return_to = form_field(&html, "return_to").unwrap_or_default();
        let level = form_field(&html, "level").unwrap_or_default();
        self.post_form(
            "/login/tap",
            &[
                ("csrf", &csrf),
                ("passcode", passcode),
                ("return_to", &return_to),
                ("level", &level),
            ],
        )
        .await
    }

    /// Signs in with a pass; returns the Location (the setup page, `/security-info/setup?return_to=…`).
    pub async fn sign_in_with_tap_from(
        &self,
        login_path: &str,
        username: &str,
        passcode: &str,
    ) -> String {
        let response = self.submit_tap_from(login_path, username, passcode).await;
        assert_eq!(response.status(), 303, "pass sign-in refused");
        location(&response)
    }

    /// In a restricted session: adds an authenticator app through the setup pages; returns its
    /// secret. The session is then at `1fa` with amr `tap otp`.
    pub async fn enrol_totp_in_session(&self) -> TotpSecret {
        let page = self.get("/security-info/totp").await.text().await.unwrap();
        let shown = scraper::Html::parse_document(&page)
            .select(&scraper::Selector::parse("#totp-secret").unwrap())
            .next()
            .expect("the secret is shown as text")
            .text()
            .collect::<String>()
            .replace(' ', "");
        let secret = TotpSecret::new(
            totp_rs::Secret::try_from_base32(&shown)
                .unwrap()
                .as_bytes()
                .to_vec(),
        );
        let csrf = form_field(&page, "csrf").unwrap();
        let code = secret.fresh_code().await;
        let response = self
            .post_form(
                "/security-info/totp",
                &[("csrf", &csrf), ("name", "Phone"), ("code", &code)],
            )
            .await;
        assert_eq!(response.status(), 303, "TOTP setup");
        secret
    }

    /// The href of the setup page's "Continue" button.
    pub async fn continue_link(&self) -> String {
        let html = self.get("/security-info/setup").await.text().await.unwrap();
        scraper::Html::parse_document(&html)
            .select(&scraper::Selector::parse("#continue").unwrap())
            .next()
            .expect("a Continue button")
            .value()
            .attr("href")
            .unwrap()
            .to_string()
    }
}
