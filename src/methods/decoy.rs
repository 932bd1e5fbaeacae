//! Decoy passkey credentials, offered for a username that has no passkey (or does not exist) so that
//! passkey options do not tell who has one. A decoy must look like what authenticators make and
//! stay the same on every request, as a real credential would:
//!
//! - derived by HMAC-SHA256 under a deployment secret from the username as typed (lower case), so
//!   repeated probes get the same answer and no one without the secret can tell it from a real one;
//! - one to three credentials (people register one passkey, some two or three);
//! - lengths authenticators use: 32 bytes (Chromium, Windows Hello) most often, 16 and 20 (platform
//!   and phone authenticators), 48 and 64 (security keys).

use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Lengths in bytes, each listed as often as it should come up in twenty.
const LENGTHS: [(usize, u8); 5] = [(32, 10), (16, 3), (20, 3), (64, 2), (48, 2)];

/// The decoy credential ids (base64url) for `username` under `secret`.
pub fn credential_ids(secret: &[u8], username: &str) -> Vec<String> {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    let name = username.trim().to_lowercase();
    let seed = block(&key, &name, "count");
    let count = match seed[0] % 20 {
        0..=13 => 1,
        14..=18 => 2,
        _ => 3,
    };
    (0..count)
        .map(|i| {
            let label = format!("credential {i}");
            let length = pick_length(block(&key, &name, &format!("{label} length"))[0] % 20);
            let mut id = block(&key, &name, &label).to_vec();
            id.extend_from_slice(&block(&key, &name, &format!("{label} more")));
            id.truncate(length);
            URL_SAFE_NO_PAD.encode(id)
        })
        .collect()
}

fn block(key: &hmac::Key, name: &str, label: &str) -> [u8; 32] {
    let tag = hmac::sign(
        key,
        format!("tapid passkey decoy\0{label}\0{name}").as_bytes(),
    );
    let mut out = [0u8; 32];
    out.copy_from_slice(tag.as_ref());
    out
}

fn pick_length(mut roll: u8) -> usize {
    for (length, weight) in LENGTHS {
        if roll < weight {
            return length;
        }
        roll -= weight;
    }
    32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoys_are_stable_per_name_and_vary_across_names() {
        let a = credential_ids(b"secret", "Alice");
        assert_eq!(a, credential_ids(b"secret", " alice "));
        assert_ne!(a, credential_ids(b"other secret", "alice"));
        let mut lengths = std::collections::BTreeSet::new();
        let mut counts = std::collections::BTreeSet::new();
        for i in 0..200 {
            let ids = credential_ids(b"secret", &format!("user{i}"));
            counts.insert(ids.len());
            for id in ids {
                lengths.insert(URL_SAFE_NO_PAD.decode(id).unwrap().len());
            }
        }
        assert_eq!(counts.into_iter().collect::<Vec<_>>(), vec![1, 2, 3]);
        assert_eq!(
            lengths.into_iter().collect::<Vec<_>>(),
            vec![16, 20, 32, 48, 64]
        );
    }
}
