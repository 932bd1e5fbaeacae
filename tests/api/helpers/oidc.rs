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

/// A PKCE verifier and its S256 challenge.
pub fn pkce_pair() -> (String, String) {
    use base64::Engine;
    use sha2::Digest;
    let verifier = tapid::secrets::random_token(32);
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

/// The query parameters of a URL, as pairs.
pub fn query_of(url: &str) -> std::collections::HashMap<String, String> {
    let url = url::Url::parse(url)
        .or_else(|_| url::Url::parse(&format!("http://localhost{url}")))
        .expect("a URL");
    url.query_pairs().into_owned().collect()
}

/// What an authorization round trip ended with.
pub struct Authorized {
    pub code: String,
    pub verifier: String,
    /// The final redirect to the client.
    pub location: String,
}

impl TestApp {
    /// GET `/authorize` with these parameters; returns the response (never followed).
    pub async fn authorize(&self, params: &[(&str, &str)]) -> reqwest::Response {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params)
            .finish();
        self.get(&format!("/authorize?{query}")).await
    }

    /// A code for `client` (redirect URI `https://rp.example.com/cb`, PKCE S256) after a real
    /// sign-in with an authenticator app when one is needed. `extra` adds or overrides parameters.
    pub async fn authorize_with_totp(
        &self,
        client: &RegisteredClient,
        username: &str,
        secret: &super::signin::TotpSecret,
        extra: &[(&str, &str)],
    ) -> Authorized {
        let (verifier, challenge) = pkce_pair();
        let redirect_uri = client.redirect_uri.clone().expect("a redirect URI");
        let mut params: Vec<(&str, &str)> = vec![
            ("response_type", "code"),
            ("client_id", &client.id),
            ("redirect_uri", &redirect_uri),
            ("scope", "openid profile email offline_access"),
            ("state", "st-123"),
            ("nonce", "n-456"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ];
        for (k, v) in extra {
            params.retain(|(name, _)| name != k);
            params.push((k, v));
        }
        let first = self.authorize(&params).await;
        assert_eq!(first.status(), 303, "GET /authorize");
        let mut location = super::signin::location(&first);
        if location.starts_with("/login") {
            let back = self
                .sign_in_with_totp_from(&location, username, secret)
                .await;
            assert!(back.starts_with("/authorize/resume"), "back to {back}");
            let resumed = self.get(&back).await;
            assert_eq!(resumed.status(), 303, "GET {back}");
            location = super::signin::location(&resumed);
        }
        assert!(
            location.starts_with(&redirect_uri),
            "redirected to {location}"
        );
        let query = query_of(&location);
        let code = query
            .get("code")
            .unwrap_or_else(|| panic!("no code in {location}"))
            .clone();
        Authorized {
            code,
            verifier,
            location,
        }
    }

    /// Redeems a code at `/token` with Basic authentication (or `none` for a public client).
    pub async fn redeem(
        &self,
        client: &RegisteredClient,
        code: &str,
        verifier: Option<&str>,
    ) -> reqwest::Response {
        let redirect_uri = client.redirect_uri.clone().unwrap();
        let mut form: Vec<(&str, &str)> = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &redirect_uri),
        ];
        if let Some(v) = verifier {
            form.push(("code_verifier", v));
        }
        match &client.secret {
            Some(secret) => {
                self.post_client_form("/token", &form, Some((&client.id, secret)))
                    .await
            }
            None => {
                form.push(("client_id", &client.id));
                self.post_client_form("/token", &form, None).await
            }
        }
    }

    /// Exchanges a refresh token.
    pub async fn refresh(
        &self,
        client: &RegisteredClient,
        refresh_token: &str,
        scope: Option<&str>,
    ) -> reqwest::Response {
        let mut form = vec![
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ];
        if let Some(s) = scope {
            form.push(("scope", s));
        }
        self.post_client_form(
            "/token",
            &form,
            Some((&client.id, client.secret.as_deref().unwrap())),
        )
        .await
    }
}
