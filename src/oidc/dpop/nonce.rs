//! Server nonces for DPoP proofs (RFC 9449 §8, §9), kept by no one: a nonce is the MAC, under a key
//! derived from the deployment key, of a five-minute time step. Every instance with the same key makes
//! and accepts the same nonces, so a nonce from one instance works at another; each step brings a new
//! one (sent in `DPoP-Nonce`), and a nonce is accepted during its own step and the ones either side,
//! which covers clocks a little apart and a request that crosses a step.

use crate::secrets::{self, Sealer};

/// Seconds one nonce is current.
pub const STEP: i64 = 300;
/// Hex digits of the MAC kept: 128 bits.
const LENGTH: usize = 32;

fn for_step(sealer: &Sealer, step: i64) -> String {
    let mut mac = sealer.keyed_digest("dpop-nonce", &step.to_string());
    mac.truncate(LENGTH);
    mac
}

/// The nonce proofs should carry now.
pub fn current(sealer: &Sealer, now: i64) -> String {
    for_step(sealer, now.div_euclid(STEP))
}

/// Whether `nonce` is one tapid handed out and is still fresh.
pub fn is_fresh(sealer: &Sealer, nonce: &str, now: i64) -> bool {
    let step = now.div_euclid(STEP);
    // Every candidate is compared, so the time taken says nothing about which one matched.
    [step - 1, step, step + 1].into_iter().fold(false, |ok, s| {
        secrets::constant_time_eq(&for_step(sealer, s), nonce) | ok
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealer(byte: u8) -> Sealer {
        Sealer::from_bytes(&[byte; 32], "test").unwrap()
    }

    #[test]
    fn a_nonce_is_accepted_by_every_instance_with_the_key_and_rotates_with_time() {
        let (one, other) = (sealer(7), sealer(7));
        let now = 1_800_000_000;
        let nonce = current(&one, now);
        assert!(is_fresh(&other, &nonce, now + STEP));
        assert!(!is_fresh(&other, &nonce, now + 3 * STEP));
        assert_ne!(current(&one, now + STEP), nonce);
        assert!(!is_fresh(&sealer(8), &nonce, now));
        assert!(!is_fresh(&one, "made-up", now));
    }
}
