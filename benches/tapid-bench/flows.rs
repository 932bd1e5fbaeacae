//! What a browser and a relying party do: the sign-in pages (reading the CSRF token from each form), the
//! redirect back with a code, and the token endpoint — over the lean client, with a cookie jar per person.

use std::cell::RefCell;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::rc::Rc;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};
use url::form_urlencoded;

use crate::http::{Conn, Cookies, Response, request};
use crate::load::EXHAUSTED;

/// A client registered with `tapid client add` (or in the peer's configuration).
#[derive(Clone)]
pub struct Client {
    pub id: String,
    pub redirect_uri: String,
    /// `Basic …` (client_secret_basic).
    pub authorization: String,
}

impl Client {
    pub fn new(id: &str, secret: &str, redirect_uri: &str) -> Self {
        let encode = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let basic = STANDARD.encode(format!("{}:{}", encode(id), encode(secret)));
        Self {
            id: id.into(),
            redirect_uri: redirect_uri.into(),
            authorization: format!("Basic {basic}"),
        }
    }

    /// The bytes of a `/token` request with this client's credentials.
    pub fn token_request(&self, host: &str, form: &[(&str, &str)]) -> Vec<u8> {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        request(
            "POST",
            "/token",
            host,
            &[
                ("Authorization", &self.authorization),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            body.as_bytes(),
        )
    }
}

/// A code ready to redeem, with its PKCE verifier.
pub struct Code {
    pub code: String,
    pub verifier: String,
}

/// A source address on the loopback network for the `n`-th sign-in, so that sign-ins come from many
/// addresses as they do in life (tapid throttles sign-in submissions per address).
pub fn loopback(n: u32) -> IpAddr {
    let n = n % (254 * 256 * 250);
    IpAddr::V4(Ipv4Addr::new(
        127,
        1 + (n / (254 * 256)) as u8,
        ((n / 254) % 256) as u8,
        1 + (n % 254) as u8,
    ))
}

/// One person's browser: a connection, cookies, and the headers a browser sends with a form.
pub struct Browser {
    conn: Conn,
    cookies: Cookies,
    host: String,
    origin: String,
    pub requests: u32,
}

/// `GET /login?…` → `/login`: the path alone, to name a step in an error without its random parts.
fn step(method: &str, target: &str) -> String {
    let path = target.split('?').next().unwrap_or_default();
    format!("{method} {path}")
}

impl Browser {
    pub async fn open(addr: SocketAddr, local: Option<IpAddr>, host: &str) -> Result<Self, String> {
        let conn = Conn::connect(addr, local)
            .await
            .map_err(|e| format!("connect: {}", e.kind()))?;
        Ok(Self {
            conn,
            cookies: Cookies::default(),
            host: host.into(),
            origin: format!("http://{host}"),
            requests: 0,
        })
    }

    async fn send(&mut self, what: &str, bytes: Vec<u8>) -> Result<Response, String> {
        self.requests += 1;
        let response = self
            .conn
            .send(&bytes)
            .await
            .map_err(|e| format!("{what}: {}", e.kind()))?;
        self.cookies.update(&response);
        Ok(response)
    }

    pub async fn get(&mut self, target: &str, expect: u16) -> Result<Response, String> {
        let cookie = self.cookies.header();
        let mut headers = vec![("Accept", "text/html")];
        if let Some(c) = &cookie {
            headers.push(("Cookie", c));
        }
        let bytes = request("GET", target, &self.host, &headers, b"");
        let what = step("GET", target);
        check(self.send(&what, bytes).await?, expect, &what)
    }

    pub async fn post_form(
        &mut self,
        target: &str,
        form: &[(&str, &str)],
        expect: u16,
    ) -> Result<Response, String> {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let cookie = self.cookies.header();
        let mut headers = vec![
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Origin", self.origin.as_str()),
            ("Sec-Fetch-Site", "same-origin"),
        ];
        if let Some(c) = &cookie {
            headers.push(("Cookie", c));
        }
        let bytes = request("POST", target, &self.host, &headers, body.as_bytes());
        let what = step("POST", target);
        check(self.send(&what, bytes).await?, expect, &what)
    }

    /// A request made by the relying party (no cookies), on the same connection.
    pub async fn backchannel(
        &mut self,
        what: &str,
        bytes: Vec<u8>,
        expect: u16,
    ) -> Result<Response, String> {
        self.requests += 1;
        let response = self
            .conn
            .send(&bytes)
            .await
            .map_err(|e| format!("{what}: {}", e.kind()))?;
        check(response, expect, what)
    }
}

fn check(response: Response, expect: u16, what: &str) -> Result<Response, String> {
    if response.status == expect {
        Ok(response)
    } else {
        Err(format!("{what}: status {}", response.status))
    }
}

pub fn location(response: &Response, what: &str) -> Result<String, String> {
    response
        .header("location")
        .map(String::from)
        .ok_or_else(|| format!("{what}: no Location"))
}

/// The `value` of the form field `name` on a page (CSRF tokens are base64url: nothing to unescape).
pub fn form_field(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_string())
}

/// A query parameter of a URL or path.
pub fn query_param(target: &str, name: &str) -> Option<String> {
    let query = target.split_once('?')?.1;
    let query = query.split('#').next().unwrap_or_default();
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// A PKCE verifier and its S256 challenge.
pub fn pkce() -> (String, String) {
    let verifier = tapid::secrets::random_token(32);
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

/// `/authorize?…` for `client` with a fresh PKCE pair; returns the path and the verifier.
pub fn authorize_path(client: &Client) -> (String, String) {
    let (verifier, challenge) = pkce();
    let state = tapid::secrets::random_token(12);
    let nonce = tapid::secrets::random_token(12);
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("response_type", "code")
        .append_pair("client_id", &client.id)
        .append_pair("redirect_uri", &client.redirect_uri)
        .append_pair("scope", "openid profile email offline_access")
        .append_pair("state", &state)
        .append_pair("nonce", &nonce)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256")
        .finish();
    (format!("/authorize?{query}"), verifier)
}

/// The username page (from the `/login?…` that `/authorize` sent the browser to), then the choice of
/// methods; returns the flow's `return_to` and `level` for the next form.
async fn enter_username(
    browser: &mut Browser,
    login: &str,
    username: &str,
) -> Result<(String, String), String> {
    let page = browser.get(login, 200).await?;
    let csrf = form_field(page.text(), "csrf").ok_or("GET /login: no CSRF field")?;
    let return_to = query_param(login, "return_to").unwrap_or_default();
    let level = query_param(login, "level").unwrap_or_default();
    let sent = browser
        .post_form(
            "/login",
            &[
                ("csrf", &csrf),
                ("username", username),
                ("return_to", &return_to),
                ("level", &level),
            ],
            303,
        )
        .await?;
    let methods = location(&sent, "POST /login")?;
    if !methods.starts_with("/login/methods") {
        return Err("POST /login: not sent to /login/methods".into());
    }
    browser.get(&methods, 200).await?;
    Ok((return_to, level))
}

/// `/login` + flow query → the same flow on another sign-in page.
fn flow_link(path: &str, return_to: &str, level: &str) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    if !return_to.is_empty() {
        q.append_pair("return_to", return_to);
    }
    if !level.is_empty() {
        q.append_pair("level", level);
    }
    let q = q.finish();
    if q.is_empty() {
        path.into()
    } else {
        format!("{path}?{q}")
    }
}

/// A complete sign-in with an authenticator-app code, as a relying party starts it: `/authorize` →
/// username → code → back to `/authorize/resume` → redirect with a code. Returns the code.
pub async fn totp_signin(
    browser: &mut Browser,
    client: &Client,
    username: &str,
    code: &str,
) -> Result<Code, String> {
    let (authorize, verifier) = authorize_path(client);
    let first = browser.get(&authorize, 303).await?;
    let login = location(&first, "GET /authorize")?;
    if !login.starts_with("/login") {
        let error = query_param(&login, "error").unwrap_or_default();
        return Err(format!(
            "GET /authorize: not sent to /login (error {error})"
        ));
    }
    let (return_to, level) = enter_username(browser, &login, username).await?;
    let totp_page = flow_link("/login/totp", &return_to, &level);
    let page = browser.get(&totp_page, 200).await?;
    let csrf = form_field(page.text(), "csrf").ok_or("GET /login/totp: no CSRF field")?;
    let sent = browser
        .post_form(
            "/login/totp",
            &[
                ("csrf", &csrf),
                ("code", code),
                ("return_to", &return_to),
                ("level", &level),
            ],
            303,
        )
        .await?;
    let resume = location(&sent, "POST /login/totp")?;
    let back = browser.get(&resume, 303).await?;
    code_from(&location(&back, "GET /authorize/resume")?, client, verifier)
}

/// The code in the redirect to the client.
fn code_from(redirect: &str, client: &Client, verifier: String) -> Result<Code, String> {
    if !redirect.starts_with(&client.redirect_uri) {
        return Err("redirect: not to the client".into());
    }
    let code = query_param(redirect, "code").ok_or_else(|| {
        let error = query_param(redirect, "error").unwrap_or_default();
        format!("redirect: no code (error {error})")
    })?;
    Ok(Code { code, verifier })
}

/// Another code from a browser that is already signed in (single sign-on: `/authorize` answers at once).
pub async fn silent_code(browser: &mut Browser, client: &Client) -> Result<Code, String> {
    let (authorize, verifier) = authorize_path(client);
    let response = browser.get(&authorize, 303).await?;
    code_from(&location(&response, "GET /authorize")?, client, verifier)
}

/// A sign-in with a Temporary Access Pass: username → passcode → the restricted session, which is sent
/// to `/security-info/setup`.
pub async fn tap_signin(
    browser: &mut Browser,
    username: &str,
    passcode: &str,
) -> Result<(), String> {
    let (return_to, level) = enter_username(browser, "/login", username).await?;
    let tap_page = flow_link("/login/tap", &return_to, &level);
    let page = browser.get(&tap_page, 200).await?;
    let csrf = form_field(page.text(), "csrf").ok_or("GET /login/tap: no CSRF field")?;
    let sent = browser
        .post_form(
            "/login/tap",
            &[
                ("csrf", &csrf),
                ("passcode", passcode),
                ("return_to", &return_to),
                ("level", &level),
            ],
            303,
        )
        .await?;
    let setup = location(&sent, "POST /login/tap")?;
    if !setup.starts_with("/security-info/setup") {
        return Err("POST /login/tap: not sent to /security-info/setup".into());
    }
    Ok(())
}

/// The token endpoint's answer as JSON.
pub fn token_json(response: &Response) -> Result<serde_json::Value, String> {
    serde_json::from_slice(&response.body).map_err(|_| "POST /token: not JSON".to_string())
}

/// A code redeemed at `/token`: the request bytes.
pub fn redeem_request(host: &str, client: &Client, code: &Code) -> Vec<u8> {
    client.token_request(
        host,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code.code),
            ("redirect_uri", &client.redirect_uri),
            ("code_verifier", &code.verifier),
        ],
    )
}

/// The users with an authenticator app, and the last time step each has used: a code is refused when its
/// step was already used by that user, so each takes the current step, or the next one (tapid accepts
/// one step of skew) when the current one is spent.
pub struct TotpPool {
    users: Vec<TotpUser>,
    next: usize,
}

pub struct TotpUser {
    pub username: String,
    pub totp: totp_rs::Totp,
    last_step: u64,
}

impl TotpUser {
    pub fn new(username: String, secret: Vec<u8>) -> Self {
        // As an authenticator app holds it: SHA-1, six digits, 30-second steps (src/methods/totp.rs).
        let totp = totp_rs::Builder::new()
            .with_algorithm(totp_rs::Algorithm::SHA1)
            .with_digits(6)
            .with_skew(1)
            .with_step_duration(30)
            .with_secret(secret)
            .with_account_name(username.clone())
            .with_issuer(Some("tapid"))
            .build()
            .expect("a valid TOTP secret");
        Self {
            username,
            totp,
            last_step: 0,
        }
    }
}

pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

impl TotpPool {
    pub fn new(users: Vec<TotpUser>) -> Rc<RefCell<Self>> {
        Rc::new(RefCell::new(Self { users, next: 0 }))
    }

    /// The next user who has an unused step, and the code for it.
    pub fn take(&mut self) -> Result<(String, String), String> {
        let now_step = unix_now() / 30;
        for _ in 0..self.users.len() {
            let i = self.next;
            self.next = (self.next + 1) % self.users.len();
            let user = &mut self.users[i];
            let step = if user.last_step >= now_step {
                user.last_step + 1
            } else {
                now_step
            };
            if step <= now_step + 1 {
                user.last_step = step;
                let code = user.totp.generate(step * 30).to_string();
                return Ok((user.username.clone(), code));
            }
        }
        Err(format!(
            "{EXHAUSTED}all {} TOTP users used their codes of this 30 s step (raise --users)",
            self.users.len()
        ))
    }
}
