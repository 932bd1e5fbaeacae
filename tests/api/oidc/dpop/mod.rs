//! DPoP (RFC 9449): proofs at `/token`, `/par`, `/userinfo` and the admin API, tokens bound to the
//! proof's key, and a named test for every refusal.

mod binding;
mod device;
mod key_types;
mod proofs;
mod resources;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeySize};
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey};
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::TestApp;

/// A client's DPoP key pair.
pub struct DpopKey {
    alg: Algorithm,
    encoding: EncodingKey,
    /// The public JWK (what goes in a proof's header).
    pub jwk: Value,
}

impl DpopKey {
    pub fn es256() -> Self {
        let pkcs8 = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING)
            .and_then(|k| k.to_pkcs8v1())
            .unwrap();
        Self::from(Algorithm::ES256, EncodingKey::from_ec_der(pkcs8.as_ref()))
    }

    pub fn eddsa() -> Self {
        let pkcs8 = Ed25519KeyPair::generate()
            .and_then(|k| k.to_pkcs8v1())
            .unwrap();
        Self::from(Algorithm::EdDSA, EncodingKey::from_ed_der(pkcs8.as_ref()))
    }

    /// An RSA-2048 key signing RS256.
    pub fn rs256() -> Self {
        let pkcs8 = RsaKeyPair::generate(KeySize::Rsa2048)
            .and_then(|k| k.as_der())
            .unwrap();
        // jsonwebtoken signs RSA with a PKCS#1 key; its PEM reader unwraps PKCS#8.
        let body = base64::engine::general_purpose::STANDARD.encode(pkcs8.as_ref());
        let lines: Vec<&str> = body
            .as_bytes()
            .chunks(64)
            .map(|l| std::str::from_utf8(l).unwrap())
            .collect();
        let pem = format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            lines.join("\n")
        );
        Self::from(
            Algorithm::RS256,
            EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap(),
        )
    }

    fn from(alg: Algorithm, encoding: EncodingKey) -> Self {
        let mut jwk =
            serde_json::to_value(Jwk::from_encoding_key(&encoding, alg).unwrap()).unwrap();
        // Only the key itself: the proof's header says the algorithm.
        for extra in ["alg", "use", "key_ops", "kid"] {
            jwk.as_object_mut().unwrap().remove(extra);
        }
        Self { alg, encoding, jwk }
    }

    fn alg_name(&self) -> &'static str {
        match self.alg {
            Algorithm::ES256 => "ES256",
            Algorithm::EdDSA => "EdDSA",
            Algorithm::RS256 => "RS256",
            _ => unreachable!(),
        }
    }

    /// The RFC 7638 thumbprint of the public key.
    pub fn thumbprint(&self) -> String {
        let j = &self.jwk;
        let canonical = match j["kty"].as_str().unwrap() {
            "EC" => format!(
                r#"{{"crv":"{}","kty":"EC","x":"{}","y":"{}"}}"#,
                j["crv"].as_str().unwrap(),
                j["x"].as_str().unwrap(),
                j["y"].as_str().unwrap()
            ),
            "RSA" => format!(
                r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#,
                j["e"].as_str().unwrap(),
                j["n"].as_str().unwrap()
            ),
            _ => format!(
                r#"{{"crv":"{}","kty":"OKP","x":"{}"}}"#,
                j["crv"].as_str().unwrap(),
                j["x"].as_str().unwrap()
            ),
        };
        URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
    }

    /// The usual header of a proof by this key.
    pub fn header(&self) -> Value {
        json!({ "typ": "dpop+jwt", "alg": self.alg_name(), "jwk": self.jwk })
    }

    /// A JWS of `header` and `claims`, signed by this key whatever the header says.
    pub fn sign(&self, header: &Value, claims: &Value) -> String {
        let message = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature =
            jsonwebtoken::crypto::sign(message.as_bytes(), &self.encoding, self.alg).unwrap();
        format!("{message}.{signature}")
    }

    /// A good proof for `method` `uri`, with `nonce`, and `ath` for `access_token`.
    pub fn proof(
        &self,
        method: &str,
        uri: &str,
        nonce: Option<&str>,
        access_token: Option<&str>,
    ) -> String {
        self.sign(&self.header(), &claims(method, uri, nonce, access_token))
    }
}

pub fn now() -> i64 {
    tapid::db::ts(tapid::db::now())
}

/// The claims of a good proof.
pub fn claims(method: &str, uri: &str, nonce: Option<&str>, access_token: Option<&str>) -> Value {
    let mut claims = json!({
        "jti": uuid::Uuid::new_v4().to_string(),
        "htm": method,
        "htu": uri,
        "iat": now(),
    });
    if let Some(nonce) = nonce {
        claims["nonce"] = json!(nonce);
    }
    if let Some(token) = access_token {
        claims["ath"] = json!(ath(token));
    }
    claims
}

pub fn ath(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

/// What a request answered.
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Answer {
    /// The answer is the OAuth error `code` with `status`, saying `words`.
    pub fn refused(&self, status: u16, code: &str, words: &str) {
        assert_eq!(self.status, status, "{}", self.body);
        assert_eq!(self.body["error"], code, "{}", self.body);
        let said = self.body["error_description"].as_str().unwrap_or_default();
        assert!(said.contains(words), "expected `{words}` in `{said}`");
    }

    pub fn nonce(&self) -> String {
        self.headers["dpop-nonce"].to_str().unwrap().to_string()
    }
}

async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Answer {
        status,
        headers,
        body,
    }
}

impl TestApp {
    /// The URL a proof names for `path`: the issuer's.
    pub fn htu(&self, path: &str) -> String {
        format!("{}{path}", self.issuer)
    }

    /// POSTs a form to `/token` (or `path`) with `proof` in the `DPoP` header and Basic `basic`.
    pub async fn post_with_proof(
        &self,
        path: &str,
        form: &[(&str, &str)],
        basic: Option<(&str, &str)>,
        proof: Option<&str>,
    ) -> Answer {
        let mut request = self.client.post(self.url(path)).form(form);
        if let Some((id, secret)) = basic {
            request = request.basic_auth(id, Some(secret));
        }
        if let Some(proof) = proof {
            request = request.header("DPoP", proof);
        }
        answer(request.send().await.unwrap()).await
    }

    /// The server's current nonce, learnt as a client learns it: from a `use_dpop_nonce` refusal.
    pub async fn dpop_nonce(&self) -> String {
        let key = DpopKey::es256();
        let proof = key.proof("POST", &self.htu("/token"), None, None);
        let answer = self
            .post_with_proof(
                "/token",
                &[("grant_type", "client_credentials")],
                None,
                Some(&proof),
            )
            .await;
        answer.refused(400, "use_dpop_nonce", "nonce");
        answer.nonce()
    }

    /// A resource request: `GET path` with `Authorization: <scheme> <token>` and `proof`.
    pub async fn get_resource(
        &self,
        path: &str,
        scheme: &str,
        token: &str,
        proof: Option<&str>,
    ) -> Answer {
        let mut request = self
            .client
            .get(self.url(path))
            .header("Authorization", format!("{scheme} {token}"));
        if let Some(proof) = proof {
            request = request.header("DPoP", proof);
        }
        answer(request.send().await.unwrap()).await
    }
}
