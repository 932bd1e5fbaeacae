//! Directory and configuration values parsed at the edge: never a panic; accepted values are trimmed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tapid::config::Issuer;
use tapid::directory::{Email, GroupName, Username};

fuzz_target!(|text: &str| {
    if let Ok(name) = Username::parse(text) {
        assert_eq!(name.as_str(), name.as_str().trim());
        assert!(!name.as_str().is_empty() && name.as_str().len() <= 64);
    }
    let _ = GroupName::parse(text);
    let _ = Email::parse(text);
    let _ = Issuer::parse(text);
    let _ = tapid::cli::parse_duration(text);
});
