//! A generated-request test over the HTTP surface: every route gets many requests with parameters drawn
//! from a hostile vocabulary. None may produce a 5xx, and no redirect may leave for an unregistered place.
//! Deterministic (fixed seed) so a failure reproduces; `TAPID_FUZZ_ROUNDS` runs longer. The vocabulary
//! holds NUL and other control characters, and the signed-in routes put them in ids and searches, so
//! on PostgreSQL (which cannot store a NUL in text) they prove the edge refuses them.

use crate::helpers::spawn_app;

const REGISTERED: &str = "https://rp.example/cb";

const ROUTES: &[(&str, &str)] = &[
    ("GET", "/.well-known/openid-configuration"),
    ("GET", "/jwks"),
    ("GET", "/authorize"),
    ("POST", "/authorize"),
    ("GET", "/authorize/resume"),
    ("POST", "/token"),
    ("GET", "/userinfo"),
    ("POST", "/userinfo"),
    ("POST", "/revoke"),
    ("POST", "/introspect"),
    ("GET", "/logout"),
    ("POST", "/logout"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("GET", "/login/methods"),
    ("GET", "/login/totp"),
    ("POST", "/login/totp"),
    ("GET", "/login/tap"),
    ("POST", "/login/tap"),
    ("GET", "/login/passkey"),
    ("POST", "/login/passkey"),
    ("POST", "/login/passkey/start"),
    ("POST", "/login/passkey/finish"),
    ("POST", "/logout"),
    ("GET", "/security-info"),
    ("GET", "/security-info/setup"),
    ("POST", "/security-info/totp"),
    ("POST", "/security-info/passkey/start"),
    ("POST", "/security-info/passkey/finish"),
    ("GET", "/admin"),
    ("GET", "/api/openapi.json"),
    ("GET", "/api/v1/users"),
    ("POST", "/api/v1/users/x/temporary-access-pass"),
    ("GET", "/api/v1/users/x/temporary-access-pass"),
    ("DELETE", "/api/v1/users/x/temporary-access-pass"),
    ("GET", "/scim/v2/Users"),
    ("POST", "/scim/v2/Users/.search"),
    ("GET", "/scim/v2/Schemas"),
    ("GET", "/scim/v2/ResourceTypes"),
];

const NAMES: &[&str] = &[
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
    "prompt",
    "max_age",
    "login_hint",
    "acr_values",
    "id_token_hint",
    "response_mode",
    "request",
    "grant_type",
    "code",
    "code_verifier",
    "refresh_token",
    "token",
    "token_type_hint",
    "client_secret",
    "client_assertion",
    "post_logout_redirect_uri",
    "username",
    "passcode",
    "csrf",
    "return_to",
    "level",
    "fresh",
    "name",
    "id",
    "credential",
    "access_token",
];

const VALUES: &[&str] = &[
    "",
    " ",
    "rp",
    "openid",
    "openid profile email offline_access",
    "code",
    "token id_token",
    "S256",
    "plain",
    "none",
    "login",
    "consent",
    "select_account",
    "0",
    "-1",
    "99999999999999999999999",
    "1e309",
    "NaN",
    "phr",
    "1fa",
    "tap",
    "authorization_code",
    "refresh_token",
    "client_credentials",
    "password",
    REGISTERED,
    "https://rp.example/cb/../evil",
    "https://rp.example/cb?x=1",
    "https://evil.example/cb",
    "//evil.example",
    "/\\evil.example",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "http://localhost:1/cb",
    "<script>alert(1)</script>",
    "\"'><img src=x onerror=alert(1)>",
    "' OR '1'='1",
    "'; DROP TABLE users; --",
    "\0",
    "a\r\nSet-Cookie: x=1",
    "%00%0d%0a",
    "ünïcødé ✓ 🎉",
    "\u{202e}evil",
    "../../../../etc/passwd",
    "{\"a\":1}",
    "[]",
    "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
    "eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl",
    "admin",
    "ADMIN",
    "K7QF-M2XP",
    "k7qf m2xp",
];

/// xorshift64*: small, deterministic, good enough to pick from lists.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn value(&mut self) -> String {
        match self.below(10) {
            0 => "A".repeat(1 + self.below(5000)),
            1 => (0..self.below(64))
                .map(|_| char::from(32 + self.below(95) as u8))
                .collect(),
            _ => VALUES[self.below(VALUES.len())].to_string(),
        }
    }

    fn params(&mut self) -> Vec<(String, String)> {
        let count = self.below(9);
        (0..count)
            .map(|_| (NAMES[self.below(NAMES.len())].to_string(), self.value()))
            .collect()
    }
}

fn encode(params: &[(String, String)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish()
}

#[tokio::test]
async fn generated_hostile_requests_never_cause_a_server_error_or_a_foreign_redirect() {
    let app = spawn_app().await;
    app.cli(&["client", "add", "rp", "--redirect-uri", REGISTERED])
        .await
        .ok();
    let rounds: usize = std::env::var("TAPID_FUZZ_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(12);
    let mut rng = Rng(0x7A91_D00D_5EED_0001);
    let mut failures = Vec::new();

    for _ in 0..rounds {
        for (method, path) in ROUTES {
            let params = rng.params();
            let query = encode(&params);
            let request = match *method {
                "GET" => app.client.get(format!("{}?{query}", app.url(path))),
                "DELETE" => app.client.delete(app.url(path)),
                _ => {
                    let post = app.client.post(app.url(path));
                    match rng.below(4) {
                        0 => post
                            .header("content-type", "application/json")
                            .body(query.clone()),
                        1 => post.header("content-type", "text/plain").body(rng.value()),
                        _ => post
                            .header("content-type", "application/x-www-form-urlencoded")
                            .body(query.clone()),
                    }
                }
            };
            let request = if rng.below(5) == 0 {
                request.header(
                    "authorization",
                    format!("Bearer {}", rng.value().replace(['\r', '\n', '\0'], "")),
                )
            } else {
                request
            };
            let response = match request.send().await {
                Ok(response) => response,
                Err(e) => {
                    failures.push(format!("{method} {path}?{query}: transport error {e}"));
                    continue;
                }
            };
            let status = response.status();
            if status.is_server_error() {
                failures.push(format!("{method} {path}?{query}: {status}"));
            }
            if let Some(location) = response
                .headers()
                .get("location")
                .and_then(|l| l.to_str().ok())
            {
                let local = location.starts_with('/')
                    && !location.starts_with("//")
                    && !location.starts_with("/\\");
                let ours = location.starts_with(&format!("{}/", app.issuer));
                let registered =
                    location == REGISTERED || location.starts_with(&format!("{REGISTERED}?"));
                if !(local || ours || registered) {
                    failures.push(format!("{method} {path}?{query}: redirect to {location}"));
                }
            }
        }
    }

    assert!(
        failures.is_empty(),
        "{} bad answers:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(
        app.get("/readyz").await.status(),
        200,
        "still serving after the barrage"
    );
}

/// Routes behind the admin API and the console with an id in the path or a search in the query: the
/// hostile vocabulary (NUL included) goes where the id or the search goes.
const SIGNED_IN_ROUTES: &[(&str, &str)] = &[
    ("GET", "/api/v1/users/{}"),
    ("GET", "/api/v1/users?search={}"),
    ("GET", "/api/v1/users/{}/methods"),
    ("DELETE", "/api/v1/users/{}/methods/{}"),
    ("GET", "/api/v1/users/{}/temporary-access-pass"),
    ("POST", "/api/v1/users/{}/temporary-access-pass"),
    ("GET", "/api/v1/groups/{}"),
    ("PUT", "/api/v1/groups/{}/members/{}"),
    ("GET", "/api/v1/clients/{}"),
    ("GET", "/api/v1/audit-events?user_id={}&action={}"),
    ("GET", "/admin/users/{}"),
    ("GET", "/admin/users?q={}"),
    ("GET", "/admin/users/{}/pass"),
    ("GET", "/admin/groups/{}"),
    ("GET", "/admin/clients/{}"),
    ("GET", "/admin/audit?user={}&action={}"),
];

#[tokio::test]
async fn generated_hostile_ids_and_searches_never_cause_a_server_error_when_signed_in() {
    let app = spawn_app().await;
    let token = app.api_token("ops", tapid::directory::Role::Admin).await;
    let ann = app
        .add_user("ann", &[tapid::directory::Role::Admin], &[])
        .await;
    let console = app.console_as(&ann, "phr").await;
    let rounds: usize = std::env::var("TAPID_FUZZ_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(6);
    let mut rng = Rng(0x7A91_D00D_5EED_0002);
    let mut failures = Vec::new();

    for round in 0..rounds {
        for (method, template) in SIGNED_IN_ROUTES {
            let mut path = template.to_string();
            while path.contains("{}") {
                // Every round puts a NUL somewhere; the others draw from the vocabulary.
                let value = if round % 2 == 0 {
                    format!("a\0{}", rng.value())
                } else {
                    rng.value()
                };
                let encoded: String =
                    url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
                path = path.replacen("{}", &encoded, 1);
            }
            let status = if path.starts_with("/api/") {
                let method: reqwest::Method = method.parse().unwrap();
                app.call(method, &path, &token, None).await.status
            } else {
                console.page(&path).await.0
            };
            if status.is_server_error() {
                failures.push(format!("{method} {path}: {status}"));
            }
        }
    }

    assert!(
        failures.is_empty(),
        "{} bad answers:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
