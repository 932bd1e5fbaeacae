//! Lines of an audit export as `verify --file` reads them: never a panic, whatever the file holds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tapid::audit::{ChainCheck, hash_of};
use tapid::db::audit::AuditRow;

fuzz_target!(|text: &str| {
    let mut check = ChainCheck::default();
    for line in text.lines() {
        let Ok(row) = serde_json::from_str::<AuditRow>(line) else { continue };
        let _ = hash_of(&row);
        if !check.push(&row) {
            break;
        }
    }
    let _ = check.finish(None);
});
