//! The device code: six digits mailed to the account's address when a right password comes from
//! a browser that has not proved itself (docs/threat-model.md#t16). It proves the mailbox, so it
//! finishes a sign-in, and is never a step-up: money needs a real second factor.
//!
//! Only an HMAC of the code is stored, keyed by the server's secret and bound to the one pending
//! sign-in it was mailed for, so a code mailed for one browser never matches another's attempt.

use hmac::{Hmac, Mac};
use rand::Rng;
use sha2::Sha256;
use subtle::ConstantTimeEq;

pub const DIGITS: usize = 6;

/// A fresh code, uniformly from 000000 to 999999.
pub fn new() -> String {
    format!("{:06}", rand::thread_rng().gen_range(0..1_000_000u32))
}

/// The stored form of `code` for the pending sign-in whose token hash is `pending`.
pub fn hash(key: &[u8], pending: &str, code: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(b"device-code\n");
    mac.update(pending.as_bytes());
    mac.update(b"\n");
    mac.update(code.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The digits of what was typed, spaces allowed, when they could be a code at all.
pub fn normalise(typed: &str) -> Option<String> {
    if typed.len() > 64 {
        return None;
    }
    let digits: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    (digits.len() == DIGITS && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

/// Whether `typed` is the code stored as `stored` for `pending`, compared in constant time.
pub fn matches(key: &[u8], pending: &str, typed: &str, stored: &str) -> bool {
    let Some(code) = normalise(typed) else {
        return false;
    };
    hash(key, pending, &code)
        .as_bytes()
        .ct_eq(stored.as_bytes())
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_matches_only_its_own_pending_sign_in() {
        let key = [7u8; 32];
        let stored = hash(&key, "pending-a", "012345");
        assert!(matches(&key, "pending-a", "012 345", &stored));
        assert!(!matches(&key, "pending-b", "012345", &stored));
        assert!(!matches(&key, "pending-a", "012346", &stored));
        assert!(!matches(&[8u8; 32], "pending-a", "012345", &stored));
    }

    #[test]
    fn only_six_digits_can_be_a_code() {
        assert_eq!(normalise(" 123 456 ").as_deref(), Some("123456"));
        for junk in [
            "",
            "12345",
            "1234567",
            "12345a",
            "１２３４５６",
            &"1".repeat(100),
        ] {
            assert_eq!(normalise(junk), None, "{junk:?}");
        }
    }

    #[test]
    fn codes_are_six_digits_and_vary() {
        let codes: std::collections::HashSet<String> = (0..50).map(|_| new()).collect();
        assert!(codes
            .iter()
            .all(|c| normalise(c).as_deref() == Some(c.as_str())));
        assert!(codes.len() > 40, "{codes:?}");
    }
}
