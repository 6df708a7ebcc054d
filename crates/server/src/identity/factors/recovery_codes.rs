//! The recovery-code factor: one-time codes, the way back in when the phone with the
//! authenticator is lost. A set of ten is shown once ([`replace`] enrols a new set); the server
//! keeps only a keyed hash of each. Verified and used up through `second_factor`.
//!
//! Codes are ten symbols of Crockford's base32 (50 bits), shown as `XXXXX-XXXXX`. The alphabet
//! has no I, L, O or U, so nothing in it looks like anything else, and the look-alikes people
//! type anyway are read as what they meant: O as 0, I and L as 1.

use crate::http::error::ApiResult;
use crate::secret_box::subkey;
use crate::AppState;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use unicode_normalization::UnicodeNormalization;

pub const COUNT: usize = 10;
/// Symbols per code: 5 bits each, so 50 bits.
const SYMBOLS: usize = 10;
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// The hash's purpose, apart from every other use of the configured key.
const PURPOSE: &str = "recovery-code-hash v1";

/// A fresh set: the codes to show the customer once, and the hashes to store in their place,
/// in the same order. Storing a new set must delete the old one.
pub fn generate(key: &[u8; 32], account_id: &str) -> (Vec<String>, Vec<String>) {
    let codes = distinct(new_code);
    let hashes = codes.iter().map(|c| hash(key, account_id, c)).collect();
    (codes, hashes)
}

/// Two equal codes in a set of ten happen once in 2^44 sets; a few lines rule it out.
fn distinct(mut next: impl FnMut() -> String) -> Vec<String> {
    let mut codes: Vec<String> = Vec::with_capacity(COUNT);
    while codes.len() < COUNT {
        let code = next();
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    codes
}

fn new_code() -> String {
    // 256 is a multiple of 32, so the low five bits of a random byte are uniform.
    let symbols: Vec<char> = rand::random::<[u8; SYMBOLS]>()
        .iter()
        .map(|b| ALPHABET[usize::from(b & 31)] as char)
        .collect();
    let (first, second) = symbols.split_at(SYMBOLS / 2);
    format!(
        "{}-{}",
        first.iter().collect::<String>(),
        second.iter().collect::<String>()
    )
}

/// The code as compared: NFKC (full-width characters from an IME become ASCII), without
/// whitespace or dashes (including the long-vowel mark `ー` a Japanese IME types for `-`), upper
/// case, with O read as 0 and I or L as 1.
pub fn normalize(code: &str) -> String {
    code.nfkc()
        .filter(|c| !c.is_whitespace() && !is_dash(*c))
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect()
}

fn is_dash(c: char) -> bool {
    matches!(c, '-' | '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{30FC}')
}

/// Whether `code` could be a recovery code at all, so that a TOTP code, a typo or junk can be
/// told apart without a database lookup.
pub fn is_well_formed(code: &str) -> bool {
    // Bounded first: normalizing a megabyte to refuse it is wasted work.
    if code.len() > 64 {
        return false;
    }
    let normalized = normalize(code);
    normalized.len() == SYMBOLS && normalized.bytes().all(|b| ALPHABET.contains(&b))
}

/// What is stored for a code, and looked up when one is typed: hex HMAC-SHA256, keyed with a
/// sub-key of the configured key, over the account id and the normalized code.
///
/// A fast hash is enough here only because it is keyed. Fifty bits is plenty against guessing
/// online (sign-in throttling allows a handful of tries per window, against 2^50 codes), but a
/// bare SHA-256 would not be: one GPU runs through all 2^50 codes in about a day, and since an
/// unsalted list is attacked all at once, a copied database would give up every customer's
/// codes together. With the key kept in configuration, a copy of the database allows no guess
/// at all; and whoever also holds the key can already open every sealed TOTP secret, so a slow
/// hash would protect nothing more. The account id binds each hash to its owner, so a hash
/// copied onto another account does not work there, and with a stolen key codes must still be
/// searched one account at a time.
pub fn hash(key: &[u8; 32], account_id: &str, code: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&subkey(key, PURPOSE))
        .expect("HMAC takes any key length");
    // Length-prefixed, so no account id and code can run together into another pair.
    mac.update(&(account_id.len() as u64).to_be_bytes());
    mac.update(account_id.as_bytes());
    mac.update(normalize(code).as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Stores a fresh set of recovery codes in place of any old one, in the caller's transaction.
pub async fn replace(
    state: &AppState,
    conn: &mut sqlx::AnyConnection,
    account_id: &str,
) -> ApiResult<Vec<String>> {
    let (codes, hashes) = generate(&state.secret_key, account_id);
    sqlx::query("DELETE FROM recovery_codes WHERE account_id = $1")
        .bind(account_id)
        .execute(&mut *conn)
        .await?;
    let now = crate::clock::now();
    for hash in &hashes {
        sqlx::query(
            "INSERT INTO recovery_codes (account_id, code_hash, created_at) VALUES ($1, $2, $3)",
        )
        .bind(account_id)
        .bind(hash)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(codes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = [9; 32];
    const ACCOUNT: &str = "3f2a9c0d4e5b6a7182930a1b2c3d4e5f";

    #[test]
    fn ten_distinct_well_formed_codes_with_matching_hashes() {
        let (codes, hashes) = generate(&KEY, ACCOUNT);
        assert_eq!(codes.len(), COUNT);
        assert_eq!(hashes.len(), COUNT);
        for (code, stored) in codes.iter().zip(&hashes) {
            assert_eq!(code.len(), 11, "{code}");
            assert_eq!(&code[5..6], "-");
            assert!(is_well_formed(code), "{code}");
            assert_eq!(&hash(&KEY, ACCOUNT, code), stored);
            assert_eq!(stored.len(), 64);
        }
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), COUNT);
        let (again, _) = generate(&KEY, ACCOUNT);
        assert!(again.iter().all(|c| !codes.contains(c)));
    }

    #[test]
    fn a_repeated_code_is_drawn_again() {
        let mut draws = ["A", "B", "A", "C", "B", "D", "E", "F", "G", "H", "I", "J"].into_iter();
        let codes = distinct(|| draws.next().unwrap().to_owned());
        assert_eq!(codes, ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J"]);
    }

    #[test]
    fn every_symbol_turns_up() {
        // 2,000 symbols over 32 kinds: a missing one would mean a biased or broken alphabet.
        let seen: String = (0..200).map(|_| new_code().replace('-', "")).collect();
        for &symbol in ALPHABET {
            assert!(seen.contains(symbol as char), "{}", symbol as char);
        }
        assert!(!seen.contains(['I', 'L', 'O', 'U']));
    }

    #[test]
    fn typing_variations_normalize_to_the_same_code() {
        let canonical = "AB1C0-2DEFG";
        let expected = hash(&KEY, ACCOUNT, canonical);
        for typed in [
            "AB1C02DEFG",
            "ab1c0-2defg",
            " ab1c0 2defg ",
            "AB1C0 - 2DEFG\n",
            "AbIC0-2DeFG",
            "ABLCO-2DEFG",
            "ab-1c-02-de-fg",
            "ＡＢ１Ｃ０－２ＤＥＦＧ",
            "AB1C0ー2DEFG",
            "AB1C0\u{2013}2DEFG",
        ] {
            assert_eq!(normalize(typed), "AB1C02DEFG", "{typed:?}");
            assert_eq!(hash(&KEY, ACCOUNT, typed), expected, "{typed:?}");
            assert!(is_well_formed(typed), "{typed:?}");
        }
    }

    #[test]
    fn other_input_is_not_a_recovery_code() {
        for typed in [
            "",
            "123456",
            "AB1C0-2DEF",
            "AB1C0-2DEFGH",
            "AB1C0-2DEFU",
            "AB1C0-2DEF!",
            "AB1C0_2DEFG",
            &"A".repeat(1000),
        ] {
            assert!(!is_well_formed(typed), "{typed:?}");
        }
    }

    #[test]
    fn hash_is_stable_and_bound_to_key_and_account() {
        let h = hash(&KEY, ACCOUNT, "AB1C0-2DEFG");
        assert_eq!(h, hash(&KEY, ACCOUNT, "AB1C0-2DEFG"));
        // Pinned, so a change to normalization or hashing cannot silently void stored codes.
        assert_eq!(
            h,
            "5ec75e534bb50cf29e7e50be947af6a6b662bdb1d28dcce5776162652f5f782f"
        );
        assert_ne!(h, hash(&[8; 32], ACCOUNT, "AB1C0-2DEFG"));
        assert_ne!(
            h,
            hash(&KEY, "3f2a9c0d4e5b6a7182930a1b2c3d4e5e", "AB1C0-2DEFG")
        );
        assert_ne!(h, hash(&KEY, ACCOUNT, "AB1C0-2DEFH"));
        // Not a bare SHA-256 of the code, which a copied database could be searched against.
        assert_ne!(h, crate::token::hash("AB1C02DEFG"));
    }
}
