//! The workers of each scenario: what one operation is, and what counts as its success.

use std::cell::{Cell, RefCell};
use std::net::SocketAddr;
use std::rc::Rc;

use crate::flows::{self, Browser, Client, Code, TotpPool, loopback, token_json};
use crate::http::Conn;
use crate::load::{EXHAUSTED, Worker};

fn io_error(e: std::io::Error) -> String {
    format!("io: {}", e.kind())
}

/// The same request again and again on one keep-alive connection (discovery, JWKS, client_credentials).
pub struct Fixed {
    pub conn: Conn,
    pub request: Rc<Vec<u8>>,
}

impl Worker for Fixed {
    async fn op(&mut self) -> Result<u32, String> {
        let response = self.conn.send(&self.request).await.map_err(io_error)?;
        match response.status {
            200 => Ok(1),
            other => Err(format!("status {other}")),
        }
    }
}

/// Redeems prepared codes, one per operation.
pub struct Redeem {
    pub conn: Conn,
    pub host: Rc<str>,
    pub client: Rc<Client>,
    pub codes: Rc<RefCell<Vec<Code>>>,
}

impl Worker for Redeem {
    async fn op(&mut self) -> Result<u32, String> {
        let Some(code) = self.codes.borrow_mut().pop() else {
            return Err(format!(
                "{EXHAUSTED}the prepared codes ran out (raise --codes)"
            ));
        };
        let request = flows::redeem_request(&self.host, &self.client, &code);
        let response = self.conn.send(&request).await.map_err(io_error)?;
        match response.status {
            200 => Ok(1),
            other => Err(format!("status {other}")),
        }
    }
}

/// Rotates its own refresh token: each answer's new token is the next request's.
pub struct Refresh {
    pub conn: Conn,
    pub host: Rc<str>,
    pub client: Rc<Client>,
    pub token: Option<String>,
}

impl Worker for Refresh {
    async fn op(&mut self) -> Result<u32, String> {
        // A failed rotation may have spent the token (and a replay would end its family): stop.
        let Some(token) = self.token.take() else {
            return Err(format!(
                "{EXHAUSTED}a rotation failed and its worker stopped"
            ));
        };
        let request = self.client.token_request(
            &self.host,
            &[("grant_type", "refresh_token"), ("refresh_token", &token)],
        );
        let response = self.conn.send(&request).await.map_err(io_error)?;
        if response.status >= 500 {
            // Nothing was committed: the same token is still the one to use.
            self.token = Some(token);
            return Err(format!("status {}", response.status));
        }
        if response.status != 200 {
            return Err(format!("status {}", response.status));
        }
        let body = token_json(&response)?;
        let next = body["refresh_token"]
            .as_str()
            .ok_or("no refresh_token in the answer")?;
        self.token = Some(next.to_string());
        Ok(1)
    }
}

/// A person signing in through the pages with an authenticator-app code, from a fresh browser and
/// address, and the relying party redeeming the code.
pub struct TotpSignIn {
    pub addr: SocketAddr,
    pub host: Rc<str>,
    pub client: Rc<Client>,
    pub users: Rc<RefCell<TotpPool>>,
    pub addresses: Rc<Cell<u32>>,
}

impl Worker for TotpSignIn {
    async fn op(&mut self) -> Result<u32, String> {
        let (username, code) = self.users.borrow_mut().take()?;
        let n = self.addresses.get();
        self.addresses.set(n.wrapping_add(1));
        let mut browser = Browser::open(self.addr, Some(loopback(n)), &self.host).await?;
        let code = flows::totp_signin(&mut browser, &self.client, &username, &code).await?;
        let request = flows::redeem_request(&self.host, &self.client, &code);
        let response = browser.backchannel("POST /token", request, 200).await?;
        let body = token_json(&response)?;
        if body["id_token"].as_str().is_none() {
            return Err("POST /token: no id_token".into());
        }
        Ok(browser.requests)
    }
}

/// A person signing in with a Temporary Access Pass, from a fresh browser and address.
pub struct TapSignIn {
    pub addr: SocketAddr,
    pub host: Rc<str>,
    pub users: Rc<Vec<(String, String)>>,
    /// This worker's next user; workers step by their number so that no two share a user at once.
    pub next: usize,
    pub stride: usize,
    pub addresses: Rc<Cell<u32>>,
}

impl Worker for TapSignIn {
    async fn op(&mut self) -> Result<u32, String> {
        let (username, passcode) = &self.users[self.next % self.users.len()];
        self.next += self.stride;
        let n = self.addresses.get();
        self.addresses.set(n.wrapping_add(1));
        let mut browser = Browser::open(self.addr, Some(loopback(n)), &self.host).await?;
        flows::tap_signin(&mut browser, username, passcode).await?;
        Ok(browser.requests)
    }
}
