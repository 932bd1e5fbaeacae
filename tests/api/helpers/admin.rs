//! Typed helpers for the admin API and console tests.

use reqwest::{Method, StatusCode};
use serde_json::Value;
use tapid::directory::{Role, User};

use super::TestApp;
use super::signin::form_field;

/// The answer to an API call: its status and JSON body (`Null` when empty).
pub struct ApiAnswer {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl ApiAnswer {
    /// Asserts the status and returns the body.
    pub fn expect(self, status: u16) -> Value {
        assert_eq!(self.status.as_u16(), status, "{}", self.body);
        self.body
    }

    /// Asserts a JSON error with this status whose message contains `words`.
    pub fn refused(self, status: u16, words: &str) {
        assert_eq!(self.status.as_u16(), status, "{}", self.body);
        let message = self.body["message"].as_str().unwrap_or_default();
        assert!(
            message.contains(words),
            "message {message:?} should contain {words:?}"
        );
    }
}

impl TestApp {
    /// Calls the API with a bearer token and an optional JSON body.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> ApiAnswer {
        let mut request = self.api(method, path, token);
        if let Some(body) = body {
            request = request.json(&body);
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

    /// Tokens of two service clients: (`admin`, `helpdesk`).
    pub async fn admin_and_helpdesk_tokens(&self) -> (String, String) {
        (
            self.api_token("ops", Role::Admin).await,
            self.api_token("desk", Role::Helpdesk).await,
        )
    }

    /// A browser signed in to the console as `user` at `level` (`tap`, `1fa`, `phr`): the session is
    /// stored as the sign-in pages would store it, and its cookie put in a fresh client.
    pub async fn console_as(&self, user: &User, level: &str) -> Console {
        let now = tapid::db::ts(tapid::db::now());
        let token = tapid::secrets::new_secret();
        let csrf = tapid::secrets::random_token(24);
        let amr = match level {
            "phr" => "hwk user mfa",
            "1fa" => "otp",
            _ => "tap",
        };
        let row = tapid::db::sessions::SessionRow {
            id_hash: tapid::secrets::digest(&token),
            sid: uuid::Uuid::new_v4().to_string(),
            csrf: csrf.clone(),
            user_id: Some(user.id.clone()),
            level: Some(level.into()),
            amr: amr.into(),
            auth_time: Some(now),
            tap_id: None,
            data: "{}".into(),
            created_at: now,
            expires_at: now + 3600,
        };
        tapid::db::sessions::insert(self.db.pool(), &row)
            .await
            .unwrap();
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        let url: reqwest::Url = self.issuer.parse().unwrap();
        jar.add_cookie_str(&format!("tapid={token}; Path=/"), &url);
        let client = reqwest::Client::builder()
            .cookie_provider(jar)
            .redirect(reqwest::redirect::Policy::none())
            .resolve("localhost", self.addr)
            .build()
            .unwrap();
        Console {
            client,
            csrf,
            issuer: self.issuer.clone(),
        }
    }
}

/// A browser with a console session.
pub struct Console {
    pub client: reqwest::Client,
    pub csrf: String,
    pub issuer: String,
}

impl Console {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.issuer)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }

    /// GETs a page; returns its status and HTML.
    pub async fn page(&self, path: &str) -> (StatusCode, String) {
        let response = self.get(path).await;
        let status = response.status();
        (status, response.text().await.unwrap())
    }

    /// POSTs a form with the session's CSRF token and this site's Origin.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.post_with(path, &self.csrf, Some(&self.issuer), fields)
            .await
    }

    /// POSTs a form with any CSRF token and Origin (for refusals).
    pub async fn post_with(
        &self,
        path: &str,
        csrf: &str,
        origin: Option<&str>,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut form: Vec<(&str, &str)> = vec![("csrf", csrf)];
        form.extend_from_slice(fields);
        let mut request = self.client.post(self.url(path)).form(&form);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        request.send().await.expect("request")
    }
}

/// The text of the first element matching a CSS selector, trimmed.
pub fn text_of(html: &str, selector: &str) -> Option<String> {
    let document = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse(selector).unwrap();
    document
        .select(&selector)
        .next()
        .map(|e| e.text().collect::<String>().trim().to_string())
}

/// The CSRF token of a console page's forms.
pub fn csrf_of(html: &str) -> String {
    form_field(html, "csrf").expect("a CSRF field")
}
