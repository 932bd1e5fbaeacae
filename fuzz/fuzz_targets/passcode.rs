//! Passcode entry: normalisation never panics and is stable (what it accepts, it accepts again in the
//! grouped form it displays).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tapid::tap::passcode::Passcode;

fuzz_target!(|text: &str| {
    if let Some(code) = Passcode::parse(text) {
        let again = Passcode::parse(&code.grouped()).expect("the grouped form parses");
        assert_eq!(again.grouped(), code.grouped());
    }
});
