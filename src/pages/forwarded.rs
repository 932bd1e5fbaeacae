//! Which hop of `Forwarded` / `X-Forwarded-For` is the client: only a peer in `trusted_proxies` may
//! say, and then the rightmost hop that is not itself a trusted proxy is the client (everything left of it
//! was written by someone tapid has no reason to believe).

use std::net::IpAddr;

use axum::http::HeaderMap;
use axum::http::header::FORWARDED;

use crate::config::TrustedProxies;

/// The client's address given the connection's peer and the request's headers.
pub fn client_ip(
    trusted: &TrustedProxies,
    peer: Option<IpAddr>,
    headers: &HeaderMap,
) -> Option<IpAddr> {
    let peer = peer?;
    if trusted.is_empty() || !trusted.contains(peer) {
        return Some(peer);
    }
    let hops = hops(headers);
    let mut client = peer;
    for hop in hops.iter().rev() {
        match hop {
            // A hop that names no address ends what can be known: the proxy that added it is the client.
            None => return Some(client),
            Some(ip) if trusted.contains(*ip) => client = *ip,
            Some(ip) => return Some(*ip),
        }
    }
    Some(client)
}

/// The hops, leftmost first: from `Forwarded` (RFC 7239) when present, else from `X-Forwarded-For`.
fn hops(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let forwarded: Vec<&str> = headers
        .get_all(FORWARDED)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    if !forwarded.is_empty() {
        return forwarded
            .iter()
            .flat_map(|v| v.split(','))
            .map(|element| {
                element
                    .split(';')
                    .filter_map(|pair| pair.split_once('='))
                    .find(|(k, _)| k.trim().eq_ignore_ascii_case("for"))
                    .and_then(|(_, v)| parse_node(v))
            })
            .collect();
    }
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(parse_node)
        .collect()
}

/// `192.0.2.1`, `"[2001:db8::1]:443"`, `192.0.2.1:8080`; `unknown` and obfuscated names give `None`.
fn parse_node(text: &str) -> Option<IpAddr> {
    let text = text.trim().trim_matches('"');
    if let Ok(ip) = text.parse() {
        return Some(ip);
    }
    if let Some(rest) = text.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    text.rsplit_once(':')
        .filter(|(host, _)| !host.contains(':'))
        .and_then(|(host, _)| host.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        map
    }

    fn trusted(list: &str) -> TrustedProxies {
        serde_json::from_value(serde_json::json!(list)).unwrap()
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn an_untrusted_peer_cannot_choose_its_address() {
        let h = headers(&[
            ("x-forwarded-for", "198.51.100.7"),
            ("forwarded", "for=198.51.100.8"),
        ]);
        assert_eq!(
            client_ip(&trusted(""), ip("203.0.113.1"), &h),
            ip("203.0.113.1")
        );
        assert_eq!(
            client_ip(&trusted("10.0.0.0/8"), ip("203.0.113.1"), &h),
            ip("203.0.113.1")
        );
    }

    #[test]
    fn behind_trusted_proxies_the_rightmost_untrusted_hop_is_the_client() {
        let t = trusted("10.0.0.0/8");
        let h = headers(&[("x-forwarded-for", "6.6.6.6, 198.51.100.7, 10.0.0.9")]);
        assert_eq!(client_ip(&t, ip("10.0.0.2"), &h), ip("198.51.100.7"));
        let h = headers(&[(
            "forwarded",
            "for=6.6.6.6, for=\"[2001:db8::5]:4711\";proto=https",
        )]);
        assert_eq!(client_ip(&t, ip("10.0.0.2"), &h), ip("2001:db8::5"));
        let h = headers(&[("x-forwarded-for", "10.0.0.3")]);
        assert_eq!(client_ip(&t, ip("10.0.0.2"), &h), ip("10.0.0.3"));
        assert_eq!(client_ip(&t, ip("10.0.0.2"), &headers(&[])), ip("10.0.0.2"));
        let h = headers(&[("forwarded", "for=unknown")]);
        assert_eq!(client_ip(&t, ip("10.0.0.2"), &h), ip("10.0.0.2"));
    }
}
