//! A list's page cursor (the wallet's history, the support queue): where the last page ended,
//! (created_at, id), signed with the server's key and bound to the one reading, so a cursor is
//! opaque, cannot be edited or forged, and is worthless in anyone else's hands.
//!
//! Format: base64url (no padding) of `created_at` (8 bytes, big-endian), the row id (its bytes),
//! then the first 16 bytes of HMAC-SHA-256 over "history-cursor\n", the account id, "\n" and the
//! preceding bytes.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Where a page ends: the last row's `created_at` and `id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub created_at: i64,
    pub id: String,
}

const TAG_BYTES: usize = 16;
/// Row ids are short (32 hex digits); anything much longer is not a cursor of ours.
const MAX_ID_BYTES: usize = 64;
/// The longest text [`decode`] looks at.
pub const MAX_CHARS: usize = 4 * (8 + MAX_ID_BYTES + TAG_BYTES).div_ceil(3);

fn mac(secret: &[u8], account_id: &str, payload: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(b"history-cursor\n");
    mac.update(account_id.as_bytes());
    mac.update(b"\n");
    mac.update(payload);
    mac
}

pub fn encode(secret: &[u8], account_id: &str, key: &Key) -> String {
    let mut bytes = Vec::with_capacity(8 + key.id.len() + TAG_BYTES);
    bytes.extend_from_slice(&key.created_at.to_be_bytes());
    bytes.extend_from_slice(key.id.as_bytes());
    let tag = mac(secret, account_id, &bytes).finalize().into_bytes();
    bytes.extend_from_slice(&tag[..TAG_BYTES]);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The `cursor` parameter of a customer's list: no position when absent, 400 `filter_invalid`
/// when it is not a cursor this server made for this customer.
pub fn from_param(
    secret: &[u8],
    account_id: &str,
    text: Option<&str>,
) -> Result<Option<Key>, crate::http::error::ApiError> {
    text.map(|text| {
        decode(secret, account_id, text).ok_or_else(|| {
            crate::http::query::filter_invalid(
                Some("cursor"),
                "The cursor is not one this server gave you. Start from the first page.",
            )
        })
    })
    .transpose()
}

/// The position, if `text` is a cursor this server made for this customer, unchanged.
pub fn decode(secret: &[u8], account_id: &str, text: &str) -> Option<Key> {
    if text.len() > MAX_CHARS {
        return None;
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .ok()?;
    if bytes.len() < 8 + 1 + TAG_BYTES {
        return None;
    }
    let (payload, tag) = bytes.split_at(bytes.len() - TAG_BYTES);
    // Constant-time comparison of the truncated tag.
    mac(secret, account_id, payload)
        .verify_truncated_left(tag)
        .ok()?;
    let created_at = i64::from_be_bytes(payload[..8].try_into().ok()?);
    let id = String::from_utf8(payload[8..].to_vec()).ok()?;
    Some(Key { created_at, id })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_only_unchanged_and_only_for_its_customer() {
        let secret = [7u8; 32];
        let key = Key {
            created_at: 1_795_247_082,
            id: "0123456789abcdef0123456789abcdef".into(),
        };
        let text = encode(&secret, "alice", &key);
        assert!(text.len() <= MAX_CHARS);
        assert_eq!(decode(&secret, "alice", &text), Some(key.clone()));
        assert_eq!(decode(&secret, "bob", &text), None);
        assert_eq!(decode(&[8u8; 32], "alice", &text), None);
        // Every single-character edit is caught.
        let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        for i in 0..text.len() {
            for c in alphabet
                .chars()
                .filter(|c| *c != text.as_bytes()[i] as char)
            {
                let mut edited = text.clone();
                edited.replace_range(i..=i, &c.to_string());
                assert_eq!(decode(&secret, "alice", &edited), None, "{edited}");
            }
        }
        for junk in ["", "x", "====", "AAAA", &"A".repeat(MAX_CHARS + 4), "ü"] {
            assert_eq!(decode(&secret, "alice", junk), None, "{junk}");
        }
    }
}
