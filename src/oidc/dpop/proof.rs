//! Reading and checking one DPoP proof (RFC 9449 §4.3), everything that needs no storage: the header
//! (`typ: dpop+jwt`, an accepted `alg`, a public `jwk` that fits it), the signature by that key, and the
//! claims — `htm` and `htu` naming this request, `iat` within the window, a `jti`, and `ath` when an
//! access token goes with the proof. The nonce and the `jti`'s single use are the caller's.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::key::PublicKey;

/// Longest proof read (a 4096-bit RSA key in the header fits easily).
const MAX_PROOF: usize = 8192;
/// Longest `jti` kept.
const MAX_JTI: usize = 256;
/// How old a proof's `iat` may be, and how far ahead of our clock, seconds.
pub const MAX_AGE: i64 = 300;
const FUTURE_LEEWAY: i64 = 30;

#[derive(Debug, Deserialize)]
struct Header {
    #[serde(default)]
    typ: Option<String>,
    alg: String,
    #[serde(default)]
    jwk: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct Claims {
    #[serde(default)]
    jti: Option<String>,
    #[serde(default)]
    htm: Option<String>,
    #[serde(default)]
    htu: Option<String>,
    #[serde(default)]
    iat: Option<i64>,
    #[serde(default)]
    ath: Option<String>,
    #[serde(default)]
    nonce: Option<String>,
}

/// What a proof that passed these checks says.
#[derive(Debug)]
pub struct Checked {
    /// The thumbprint of the key that signed it.
    pub jkt: String,
    pub jti: String,
    pub iat: i64,
    pub nonce: Option<String>,
}

/// The request a proof must name.
pub struct Expected<'a> {
    pub method: &'a str,
    /// The endpoint's URL as tapid publishes it (from the issuer).
    pub uri: &'a str,
    /// The access token presented with the proof, at a protected resource.
    pub access_token: Option<&'a str>,
    pub now: i64,
}

fn part<T: for<'de> Deserialize<'de>>(text: &str) -> Result<T, &'static str> {
    let bytes = URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|_| "the proof is not a JWS in compact form")?;
    serde_json::from_slice(&bytes).map_err(|_| "the proof's header or claims cannot be read")
}

/// Checks `proof` against the request it came with.
pub fn check(proof: &str, expected: &Expected<'_>) -> Result<Checked, &'static str> {
    if proof.len() > MAX_PROOF {
        return Err("the proof is too long");
    }
    let mut parts = proof.split('.');
    let (Some(header_b64), Some(claims), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("the proof is not a JWS in compact form");
    };
    let signed = &proof[..header_b64.len() + 1 + claims.len()];
    let header: Header = part(header_b64)?;
    if header.typ.as_deref() != Some("dpop+jwt") {
        return Err("the proof's typ must be dpop+jwt");
    }
    if !super::ALGS.contains(&header.alg.as_str()) {
        return Err(
            "the proof must be signed with an asymmetric algorithm tapid accepts (see dpop_signing_alg_values_supported)",
        );
    }
    let key = PublicKey::from_jwk(header.jwk.as_ref().ok_or("the proof's header has no jwk")?)?;
    if !key.fits(&header.alg) {
        return Err("the proof's alg does not fit its jwk");
    }
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| "the proof is not a JWS in compact form")?;
    if !key.verifies(&header.alg, signed.as_bytes(), &signature) {
        return Err("the proof's signature does not verify with its jwk");
    }
    let claims: Claims = part(claims)?;
    if claims.htm.as_deref() != Some(expected.method) {
        return Err("the proof's htm is not this request's method");
    }
    let htu = claims.htu.as_deref().ok_or("the proof has no htu")?;
    if !same_target(htu, expected.uri) {
        return Err("the proof's htu is not this endpoint's URL");
    }
    let iat = claims.iat.ok_or("the proof has no iat")?;
    if iat < expected.now - MAX_AGE {
        return Err("the proof is too old (iat)");
    }
    if iat > expected.now + FUTURE_LEEWAY {
        return Err("the proof was issued in the future (iat)");
    }
    let jti = claims
        .jti
        .filter(|j| !j.is_empty() && j.len() <= MAX_JTI)
        .ok_or("the proof needs a jti of at most 256 characters")?;
    if let Some(token) = expected.access_token {
        let ath = URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()));
        match claims.ath.as_deref() {
            None => return Err("the proof has no ath for the access token it comes with"),
            Some(given) if !crate::secrets::constant_time_eq(given, &ath) => {
                return Err("the proof's ath is not the hash of this access token");
            }
            Some(_) => {}
        }
    }
    Ok(Checked {
        jkt: key.thumbprint(),
        jti,
        iat,
        nonce: claims.nonce,
    })
}

/// RFC 9449 §4.3 (9): `htu` matches the endpoint, ignoring query and fragment, after the syntax- and
/// scheme-based normalisation of RFC 3986 §6.2.2 and §6.2.3 (case of scheme and host, default port,
/// percent-encoding, dot segments, an empty path) that URL parsing performs.
fn same_target(htu: &str, endpoint: &str) -> bool {
    let normal = |text: &str| {
        url::Url::parse(text).ok().map(|mut url| {
            url.set_query(None);
            url.set_fragment(None);
            let path = decode_unreserved(url.path());
            url.set_path(&path);
            url
        })
    };
    match (normal(htu), normal(endpoint)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// RFC 3986 §6.2.2.2: percent-encoded unreserved characters decoded, other escapes in upper case.
fn decode_unreserved(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = String::with_capacity(path.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%' && i + 2 < bytes.len())
            .then(|| u8::from_str_radix(&path[i + 1..i + 3], 16).ok())
            .flatten();
        match escaped {
            Some(b) if b.is_ascii_alphanumeric() || b"-._~".contains(&b) => {
                out.push(b as char);
                i += 3;
            }
            Some(_) => {
                out.push_str(&path[i..i + 3].to_ascii_uppercase());
                i += 3;
            }
            None => {
                out.push(bytes[i] as char);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::same_target;

    #[test]
    fn htu_is_compared_after_normalisation_without_query_or_fragment() {
        let endpoint = "https://id.example.com/token";
        for same in [
            "https://id.example.com/token",
            "HTTPS://ID.Example.COM:443/token",
            "https://id.example.com/a/../token?x=1#f",
            "https://id.example.com/%74oken",
        ] {
            assert!(same_target(same, endpoint), "{same}");
        }
        for other in [
            "https://id.example.com/token/",
            "http://id.example.com/token",
            "https://id.example.com:8443/token",
            "https://other.example.com/token",
            "/token",
        ] {
            assert!(!same_target(other, endpoint), "{other}");
        }
    }
}
