//! Form and query bodies of the OAuth endpoints: parsing never panics, and what parses yields scopes and
//! PKCE values that the checks handle without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tapid::oidc::params::Params;
use tapid::oidc::{pkce, scope::Scope};

fuzz_target!(|data: &[u8]| {
    let Ok(params) = Params::parse(data) else { return };
    for name in ["scope", "code_challenge", "code_verifier", "redirect_uri", "client_id", "max_age"] {
        if let Some(value) = params.get(name) {
            let _ = Scope::parse(value);
            if pkce::well_formed(value) {
                let challenge = pkce::challenge_of(value);
                assert!(pkce::verify(&challenge, value));
            }
        }
    }
});
