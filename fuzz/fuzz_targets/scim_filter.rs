//! SCIM filters and PATCH paths from a provisioning client: never a panic, bounded work, and what
//! parses can be evaluated against a resource.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tapid::scim::filter::{self, MAX_LEN};

fuzz_target!(|text: &str| {
    let resource = serde_json::json!({
        "userName": "bjensen", "emails": [{"value": "b@example.com", "type": "work"}],
        "meta": {"lastModified": "2026-12-01T00:00:00Z"}
    });
    match filter::parse_filter(text) {
        Ok(parsed) => {
            assert!(text.len() <= MAX_LEN);
            let _ = filter::matches(&parsed, &resource);
        }
        Err(error) => assert!(!error.0.is_empty()),
    }
    let _ = filter::parse_path(text);
    if let Ok(body) = serde_json::from_str::<serde_json::Value>(text) {
        let mut target = resource.clone();
        let _ = tapid::scim::patch::apply(&mut target, &body);
    }
});
