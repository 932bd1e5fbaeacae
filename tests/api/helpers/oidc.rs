//! Typed helpers for the OpenID Connect tests.

use serde_json::Value;

use super::TestApp;

/// A client registered through the CLI.
#[derive(Clone, Debug)]
pub struct RegisteredClient {
    pub id: String,
    pub secret: Option<String>,
    pub redirect_uri: Option<String>,
}

impl TestApp {
    /// Registers a client with `tapid client add ID ARGS… --json`.
    pub async fn add_client(&self, id: &str, args: &[&str]) -> RegisteredClient {
        let mut all = vec!["client", "add", id, "--json"];
        all.extend_from_slice(args);
        let out = self.cli(&all).await;
        out.ok();
        let json = out.json();
        RegisteredClient {
            id: id.to_string(),
            secret: json["client_secret"].as_str().map(String::from),
            redirect_uri: json["redirect_uris"][0].as_str().map(String::from),
        }
    }

    /// A confidential client for signing people in, redirecting to `https://rp.example.com/cb`.
    pub async fn web_client(&self, id: &str) -> RegisteredClient {
        self.add_client(
            id,
            &[
                "--redirect-uri",
                "https://rp.example.com/cb",
                "--post-logout-redirect-uri",
                "https://rp.example.com/bye",
            ],
        )
        .await
    }

    /// A confidential service client with `client_credentials` and the given scope.
    pub async fn service_client(&self, id: &str, scope: &str) -> RegisteredClient {
        self.add_client(
            id,
            &[
                "--grant",
                "client_credentials",
                "--scope",
                scope,
                "--role",
                "helpdesk",
            ],
        )
        .await
    }

    /// POSTs a form to `path`, with Basic client authentication when `basic` is given.
    pub async fn post_client_form(
        &self,
        path: &str,
        form: &[(&str, &str)],
        basic: Option<(&str, &str)>,
    ) -> reqwest::Response {
        let mut request = self.client.post(self.url(path)).form(form);
        if let Some((id, secret)) = basic {
            request = request.basic_auth(id, Some(secret));
        }
        request.send().await.expect("request")
    }

    /// A `client_credentials` access token for a service client.
    pub async fn client_credentials_token(&self, client: &RegisteredClient) -> String {
        let response = self
            .post_client_form(
                "/token",
                &[("grant_type", "client_credentials")],
                Some((&client.id, client.secret.as_deref().unwrap())),
            )
            .await;
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, 200, "{body}");
        body["access_token"].as_str().unwrap().to_string()
    }
}

/// Decodes a JWT's payload without verifying it (tests look inside tokens).
pub fn jwt_claims(token: &str) -> Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).expect("a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url");
    serde_json::from_slice(&bytes).expect("JSON claims")
}

/// Decodes a JWT's header.
pub fn jwt_header(token: &str) -> Value {
    use base64::Engine;
    let header = token.split('.').next().expect("a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header)
        .expect("base64url");
    serde_json::from_slice(&bytes).expect("JSON header")
}
