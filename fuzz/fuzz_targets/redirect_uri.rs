//! Redirect URIs and client ids as registered: parsing never panics, and an accepted redirect URI has no
//! fragment and uses http only for loopback hosts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tapid::oidc::clients::{ClientId, RedirectUri};

fuzz_target!(|text: &str| {
    let _ = ClientId::parse(text);
    if let Ok(uri) = RedirectUri::parse(text) {
        let parsed = url::Url::parse(uri.as_str()).expect("an accepted redirect URI is a URL");
        assert!(parsed.fragment().is_none());
        assert_eq!(uri.as_str(), text, "matched byte for byte, never rewritten");
        if parsed.scheme() == "http" {
            let loopback = match parsed.host() {
                Some(url::Host::Domain(d)) => d == "localhost",
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                None => false,
            };
            assert!(loopback, "{text}");
        } else {
            assert_eq!(parsed.scheme(), "https");
        }
    }
});
