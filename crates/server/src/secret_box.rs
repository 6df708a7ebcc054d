//! Small secrets that the server must read back (the TOTP secret) but that a copy of the database
//! alone must not give away: sealed with a key that lives in configuration, never in the store.
//!
//! XChaCha20-Poly1305: its 24-byte nonce is long enough to draw at random for every seal without
//! ever counting or coordinating between servers (AES-GCM's 12 bytes are not), and it brings
//! fewer crates into the build than AES-GCM. The text form starts with a version, so the scheme
//! or the key can change later while old rows still say what they are.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;

const VERSION: &str = "v1";
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;

/// The sub-key's purpose: the configured key also signs device cookies, and one key never does
/// two jobs, so that neither use can be turned against the other.
const PURPOSE: &str = "totp-secret-encryption v1";

/// A key for one job, derived from the configured key: HMAC-SHA256(key, purpose). Different
/// purposes give unrelated keys, and none of them reveals the configured key.
pub fn subkey(key: &[u8; 32], purpose: &str) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(purpose.as_bytes());
    mac.finalize().into_bytes().into()
}

pub struct SecretBox {
    cipher: XChaCha20Poly1305,
}

impl SecretBox {
    /// `key` is the server's configured key (`config::secret_key`); the box uses its own
    /// sub-key of it, never the key itself.
    pub fn new(key: &[u8; 32]) -> Self {
        let subkey = subkey(key, PURPOSE);
        Self {
            cipher: XChaCha20Poly1305::new((&subkey).into()),
        }
    }

    /// `v1.<nonce>.<ciphertext and tag>`, both base64url without padding. `associated_data` is
    /// not stored but must be given again to open: pass the owning account's id, and a sealed
    /// value copied onto another account's row will not open there.
    pub fn seal(&self, plaintext: &[u8], associated_data: &[u8]) -> String {
        let nonce: [u8; NONCE_LEN] = rand::random();
        let sealed = self
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: associated_data,
                },
            )
            // Fails only past 256 GiB of plaintext.
            .expect("a small secret seals");
        format!(
            "{VERSION}.{}.{}",
            URL_SAFE_NO_PAD.encode(nonce),
            URL_SAFE_NO_PAD.encode(sealed)
        )
    }

    /// The plaintext, or `None` for anything that is not a value this box sealed with these
    /// associated data: another key, another account, an unknown version, damage of any kind.
    pub fn open(&self, sealed: &str, associated_data: &[u8]) -> Option<Vec<u8>> {
        let mut parts = sealed.split('.');
        let (version, nonce, ciphertext) = (parts.next()?, parts.next()?, parts.next()?);
        if version != VERSION || parts.next().is_some() {
            return None;
        }
        let nonce: [u8; NONCE_LEN] = URL_SAFE_NO_PAD.decode(nonce).ok()?.try_into().ok()?;
        let ciphertext = URL_SAFE_NO_PAD.decode(ciphertext).ok()?;
        if ciphertext.len() < TAG_LEN {
            return None;
        }
        self.cipher
            .decrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: &ciphertext,
                    aad: associated_data,
                },
            )
            .ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = [7; 32];
    const ACCOUNT: &[u8] = b"3f2a9c0d4e5b6a7182930a1b2c3d4e5f";
    const SECRET: &[u8] = b"12345678901234567890";

    fn parts(sealed: &str) -> (Vec<u8>, Vec<u8>) {
        let p: Vec<&str> = sealed.split('.').collect();
        (
            URL_SAFE_NO_PAD.decode(p[1]).unwrap(),
            URL_SAFE_NO_PAD.decode(p[2]).unwrap(),
        )
    }

    fn join(nonce: &[u8], ciphertext: &[u8]) -> String {
        format!(
            "v1.{}.{}",
            URL_SAFE_NO_PAD.encode(nonce),
            URL_SAFE_NO_PAD.encode(ciphertext)
        )
    }

    #[test]
    fn round_trip() {
        let b = SecretBox::new(&KEY);
        let sealed = b.seal(SECRET, ACCOUNT);
        assert!(sealed.starts_with("v1."));
        assert_eq!(b.open(&sealed, ACCOUNT).unwrap(), SECRET);
        assert_eq!(b.open(&b.seal(b"", b""), b"").unwrap(), b"");
        // A fresh nonce each time: the same secret never seals to the same text.
        assert_ne!(b.seal(SECRET, ACCOUNT), sealed);
        // The secret does not show through.
        let (_, ciphertext) = parts(&sealed);
        assert_eq!(ciphertext.len(), SECRET.len() + TAG_LEN);
        assert!(!ciphertext
            .windows(4)
            .any(|w| SECRET.windows(4).any(|s| s == w)));
    }

    #[test]
    fn another_key_does_not_open() {
        let sealed = SecretBox::new(&KEY).seal(SECRET, ACCOUNT);
        let mut other = KEY;
        other[31] ^= 1;
        assert_eq!(SecretBox::new(&other).open(&sealed, ACCOUNT), None);
    }

    #[test]
    fn the_configured_key_itself_does_not_open() {
        // Sealed under the sub-key, so a cipher keyed directly with the configured key fails.
        let sealed = SecretBox::new(&KEY).seal(SECRET, ACCOUNT);
        let (nonce, ciphertext) = parts(&sealed);
        let direct = XChaCha20Poly1305::new((&KEY).into());
        let attempt = direct.decrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: &ciphertext,
                aad: ACCOUNT,
            },
        );
        assert!(attempt.is_err());
        assert_ne!(subkey(&KEY, PURPOSE), KEY);
        assert_ne!(subkey(&KEY, PURPOSE), subkey(&KEY, "device-cookie v1"));
    }

    #[test]
    fn another_account_does_not_open() {
        let b = SecretBox::new(&KEY);
        let sealed = b.seal(SECRET, ACCOUNT);
        assert_eq!(b.open(&sealed, b"3f2a9c0d4e5b6a7182930a1b2c3d4e5e"), None);
        assert_eq!(b.open(&sealed, b""), None);
    }

    #[test]
    fn any_flipped_bit_is_refused() {
        let b = SecretBox::new(&KEY);
        let (nonce, ciphertext) = parts(&b.seal(SECRET, ACCOUNT));
        for i in 0..nonce.len() * 8 {
            let mut n = nonce.clone();
            n[i / 8] ^= 1 << (i % 8);
            assert_eq!(
                b.open(&join(&n, &ciphertext), ACCOUNT),
                None,
                "nonce bit {i}"
            );
        }
        for i in 0..ciphertext.len() * 8 {
            let mut c = ciphertext.clone();
            c[i / 8] ^= 1 << (i % 8);
            assert_eq!(
                b.open(&join(&nonce, &c), ACCOUNT),
                None,
                "ciphertext bit {i}"
            );
        }
    }

    #[test]
    fn truncated_or_extended_is_refused() {
        let b = SecretBox::new(&KEY);
        let sealed = b.seal(SECRET, ACCOUNT);
        for end in 0..sealed.len() {
            assert_eq!(
                b.open(&sealed[..end], ACCOUNT),
                None,
                "first {end} characters"
            );
        }
        let (nonce, ciphertext) = parts(&sealed);
        assert_eq!(b.open(&join(&nonce, &ciphertext[..TAG_LEN]), ACCOUNT), None);
        assert_eq!(b.open(&join(&nonce[..23], &ciphertext), ACCOUNT), None);
        let mut longer = ciphertext.clone();
        longer.push(0);
        assert_eq!(b.open(&join(&nonce, &longer), ACCOUNT), None);
        assert_eq!(b.open(&format!("{sealed}A"), ACCOUNT), None);
        assert_eq!(b.open(&format!("{sealed}."), ACCOUNT), None);
        assert_eq!(b.open(&format!("{sealed}.x"), ACCOUNT), None);
    }

    #[test]
    fn unknown_versions_are_refused() {
        let b = SecretBox::new(&KEY);
        let sealed = b.seal(SECRET, ACCOUNT);
        let rest = sealed.strip_prefix("v1").unwrap();
        for version in ["v2", "V1", "v0", "", "v1 ", "v10"] {
            assert_eq!(
                b.open(&format!("{version}{rest}"), ACCOUNT),
                None,
                "{version:?}"
            );
        }
    }

    #[test]
    fn garbage_is_refused_without_panicking() {
        let b = SecretBox::new(&KEY);
        let long = "A".repeat(100_000);
        let garbage = [
            "",
            ".",
            "..",
            "v1",
            "v1.",
            "v1..",
            "v1...",
            "v1.!!!.???",
            "v1.AAAA.AAAA",
            "v1.=.=",
            "v1.ゆき.ゆき",
            "v1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.",
            "null",
            "\0",
            &long,
        ];
        for g in garbage {
            assert_eq!(b.open(g, ACCOUNT), None, "{g:?}");
        }
        // Standard base64 (with '+', '/' and padding) is not this format either.
        let (nonce, ciphertext) = parts(&b.seal(SECRET, ACCOUNT));
        let standard = base64::engine::general_purpose::STANDARD;
        let padded = format!(
            "v1.{}.{}",
            standard.encode(&nonce),
            standard.encode(&ciphertext)
        );
        if padded.contains(['+', '/', '=']) {
            assert_eq!(b.open(&padded, ACCOUNT), None);
        }
    }
}
