//! The TOTP factor: time-based one-time passwords (RFC 6238, built on RFC 4226's HOTP), in the
//! one flavour every authenticator app reads without asking: HMAC-SHA1, 6 digits, 30 seconds.
//! Pure logic only: the sealed secret and the last used step are stored by `identity::accounts`,
//! and a code is checked against them by `second_factor`.

use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use subtle::ConstantTimeEq;

/// 160 bits: the length RFC 4226 recommends, and as long as HMAC-SHA1's output.
pub const SECRET_LEN: usize = 20;
pub const DIGITS: u32 = 6;
/// Seconds per step.
pub const PERIOD: i64 = 30;
/// Steps accepted either side of now: one absorbs a phone clock a little off and a code typed as
/// it rolls over; each further step would give a guesser two more codes to hit, for nothing.
pub const WINDOW: i64 = 1;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    Sha1,
    Sha256,
    Sha512,
}

/// No `PartialEq`: nothing should compare secrets, and `==` on bytes would not be constant-time.
#[derive(Clone)]
pub struct Secret([u8; SECRET_LEN]);

/// Never prints the bytes, so a secret cannot leak through a log line or a panic message.
impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl Secret {
    pub fn generate() -> Self {
        // `rand::random` draws from the thread-local CSPRNG, seeded from the operating system.
        Self(rand::random())
    }

    /// `None` unless exactly [`SECRET_LEN`] bytes, so a damaged stored value is noticed.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        bytes.try_into().ok().map(Self)
    }

    pub fn as_bytes(&self) -> &[u8; SECRET_LEN] {
        &self.0
    }

    /// The typed key: RFC 4648 base32, upper case, without padding (20 bytes make 32 characters,
    /// so there would be none anyway).
    pub fn to_base32(&self) -> String {
        base32_encode(&self.0)
    }

    /// The typed key in groups of four for people to copy by eye; apps ignore the spaces.
    pub fn to_base32_grouped(&self) -> String {
        let plain = self.to_base32();
        let groups: Vec<&str> = plain
            .as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).expect("base32 is ASCII"))
            .collect();
        groups.join(" ")
    }
}

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32, upper case, no padding.
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(BASE32[((buffer >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(BASE32[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// RFC 4648 base32 as people and apps write it: either case, spaces and `=` padding ignored.
/// `None` for any other character, a length no byte string encodes to, or stray trailing bits,
/// so every byte string has exactly one accepted spelling (up to case, spaces and padding).
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let (mut buffer, mut bits, mut symbols) = (0u32, 0u32, 0usize);
    for c in text.chars().filter(|c| *c != ' ' && *c != '=') {
        let c = c.to_ascii_uppercase();
        let value = BASE32.iter().position(|&b| char::from(b) == c)? as u32;
        buffer = ((buffer << 5) | value) & 0xFFFF;
        bits += 5;
        symbols += 1;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    let lengths_that_exist = matches!(symbols % 8, 0 | 2 | 4 | 5 | 7);
    let leftover_is_zero = buffer & ((1 << bits) - 1) == 0;
    (lengths_that_exist && leftover_is_zero).then_some(out)
}

/// The key URI that authenticator apps scan (Google's "Key Uri Format"). The issuer goes both in
/// the label and as a parameter: older apps read only the first, newer ones prefer the second.
/// A colon inside either part is percent-encoded like any reserved character, which current
/// parsers (pyotp among them) read correctly; older apps that decode before splitting the label
/// would not, so the issuer should have none, and an email address almost never has one.
pub fn otpauth_uri(secret: &Secret, issuer: &str, account_name: &str) -> String {
    let issuer = percent_encode(issuer);
    format!(
        "otpauth://totp/{issuer}:{}?secret={}&issuer={issuer}&algorithm=SHA1&digits={DIGITS}&period={PERIOD}",
        percent_encode(account_name),
        secret.to_base32(),
    )
}

/// RFC 3986: every byte of the UTF-8 except the unreserved characters becomes `%XX`. A space is
/// `%20`, never `+`, and a `+` is `%2B`, because query parsers turn a bare `+` into a space and
/// `hana+wallet@example.jp` would otherwise arrive as `hana wallet@example.jp`.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for &byte in text.as_bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// RFC 4226 HOTP: HMAC of the big-endian counter, dynamic truncation to 31 bits, then the last
/// `digits` decimal digits, zero-padded. General enough for RFC 6238's own test vectors.
pub fn hotp(key: &[u8], counter: u64, digits: u32, algorithm: Algorithm) -> String {
    let message = counter.to_be_bytes();
    let mac = match algorithm {
        Algorithm::Sha1 => hmac::<Hmac<sha1::Sha1>>(key, &message),
        Algorithm::Sha256 => hmac::<Hmac<sha2::Sha256>>(key, &message),
        Algorithm::Sha512 => hmac::<Hmac<sha2::Sha512>>(key, &message),
    };
    let offset = usize::from(mac[mac.len() - 1] & 0x0f);
    let truncated = u32::from_be_bytes(mac[offset..offset + 4].try_into().expect("4 bytes"));
    let binary = u64::from(truncated & 0x7fff_ffff);
    // Past 10 digits the modulus exceeds any 31-bit value, so it would change nothing.
    let code = match 10u64.checked_pow(digits) {
        Some(modulus) => binary % modulus,
        None => binary,
    };
    format!("{code:0width$}", width = digits as usize)
}

fn hmac<M: Mac + KeyInit>(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut mac = <M as KeyInit>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

/// The step a moment falls in. Steps before 1970 do not exist; such times count as step 0.
pub fn step_at(unix_time: i64) -> i64 {
    unix_time.div_euclid(PERIOD).max(0)
}

fn code_for_step(secret: &Secret, step: i64) -> String {
    hotp(&secret.0, step as u64, DIGITS, Algorithm::Sha1)
}

/// The code an authenticator app shows at `unix_time`.
pub fn code_at(secret: &Secret, unix_time: i64) -> String {
    code_for_step(secret, step_at(unix_time))
}

/// The step whose code `code` is, if it is one of now ±[`WINDOW`] and later than
/// `last_used_step`. The caller stores the returned step as the new `last_used_step` (atomically
/// with accepting it), which refuses that code a second time and every older one with it.
///
/// Spaces are ignored, because apps show the code as `123 456` and people copy it so; other
/// whitespace (a pasted line break) is ignored too. What remains must be exactly six ASCII
/// digits: full-width digits from an IME, letters or any other length are refused.
pub fn verify(secret: &Secret, code: &str, now: i64, last_used_step: Option<i64>) -> Option<i64> {
    let given = digits_of(code)?;
    let current = now.div_euclid(PERIOD);
    let mut matched = None;
    // Every candidate is computed and compared, so the time taken does not depend on which step,
    // if any, matched. Were two steps to share a code, the later wins, refusing more afterwards.
    for step in current - WINDOW..=current + WINDOW {
        if step < 0 || last_used_step.is_some_and(|last| step <= last) {
            continue;
        }
        let expected = code_for_step(secret, step);
        if bool::from(expected.as_bytes().ct_eq(&given)) {
            matched = Some(step);
        }
    }
    matched
}

fn digits_of(code: &str) -> Option<[u8; DIGITS as usize]> {
    // Bounded before anything else: a megabyte of spaces is not worth walking through.
    if code.len() > 64 {
        return None;
    }
    let mut digits = [0u8; DIGITS as usize];
    let mut count = 0;
    for byte in code.bytes().filter(|b| !b.is_ascii_whitespace()) {
        if !byte.is_ascii_digit() || count == digits.len() {
            return None;
        }
        digits[count] = byte;
        count += 1;
    }
    (count == digits.len()).then_some(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED_SHA1: &[u8] = b"12345678901234567890";
    const SEED_SHA256: &[u8] = b"12345678901234567890123456789012";
    const SEED_SHA512: &[u8] = b"1234567890123456789012345678901234567890123456789012345678901234";

    /// RFC 6238 Appendix B, every row: time, step T, and the 8-digit code for SHA-1, SHA-256,
    /// SHA-512. (The RFC's table prints the last SHA-512 row's T as 0x47BC86AA, a known erratum;
    /// the code it gives is for 0x27BC86AA like the other two.)
    const APPENDIX_B: &[(i64, u64, [&str; 3])] = &[
        (59, 0x1, ["94287082", "46119246", "90693936"]),
        (1111111109, 0x23523EC, ["07081804", "68084774", "25091201"]),
        (1111111111, 0x23523ED, ["14050471", "67062674", "99943326"]),
        (1234567890, 0x273EF07, ["89005924", "91819424", "93441116"]),
        (2000000000, 0x3F940AA, ["69279037", "90698825", "38618901"]),
        (
            20000000000,
            0x27BC86AA,
            ["65353130", "77737706", "47863826"],
        ),
    ];

    #[test]
    fn rfc6238_appendix_b() {
        let algorithms = [
            (Algorithm::Sha1, SEED_SHA1),
            (Algorithm::Sha256, SEED_SHA256),
            (Algorithm::Sha512, SEED_SHA512),
        ];
        for &(time, step, codes) in APPENDIX_B {
            assert_eq!(step_at(time), step as i64, "T for {time}");
            for ((algorithm, seed), expected) in algorithms.iter().zip(codes) {
                assert_eq!(
                    hotp(seed, step, 8, *algorithm),
                    expected,
                    "{algorithm:?} at {time}"
                );
            }
        }
    }

    #[test]
    fn rfc4226_appendix_d() {
        let expected = [
            "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583",
            "399871", "520489",
        ];
        for (counter, code) in expected.iter().enumerate() {
            assert_eq!(hotp(SEED_SHA1, counter as u64, 6, Algorithm::Sha1), *code);
        }
    }

    #[test]
    fn code_at_is_the_six_digit_sha1_code() {
        let secret = Secret::from_bytes(SEED_SHA1).unwrap();
        // The last six digits of Appendix B's SHA-1 codes, leading zeros kept.
        assert_eq!(code_at(&secret, 59), "287082");
        assert_eq!(code_at(&secret, 1111111109), "081804");
        assert_eq!(code_at(&secret, 2000000000), "279037");
    }

    fn fixed() -> Secret {
        Secret::from_bytes(SEED_SHA1).unwrap()
    }

    const NOW: i64 = 1_700_000_000;

    #[test]
    fn one_step_either_side_is_accepted() {
        let s = fixed();
        let step = step_at(NOW);
        for offset in [-1, 0, 1] {
            let code = code_at(&s, NOW + offset * PERIOD);
            assert_eq!(
                verify(&s, &code, NOW, None),
                Some(step + offset),
                "{offset}"
            );
        }
    }

    #[test]
    fn two_steps_away_is_refused() {
        let s = fixed();
        for offset in [-3, -2, 2, 3] {
            let code = code_at(&s, NOW + offset * PERIOD);
            assert_eq!(verify(&s, &code, NOW, None), None, "{offset}");
        }
    }

    #[test]
    fn every_digit_counts() {
        let s = fixed();
        let code = code_at(&s, NOW);
        for position in 0..6 {
            let mut wrong = code.clone().into_bytes();
            wrong[position] = b'0' + (wrong[position] - b'0' + 1) % 10;
            let wrong = String::from_utf8(wrong).unwrap();
            assert_eq!(verify(&s, &wrong, NOW, None), None, "{wrong} for {code}");
        }
    }

    #[test]
    fn a_used_code_is_refused_again() {
        let s = fixed();
        let code = code_at(&s, NOW);
        let used = verify(&s, &code, NOW, None).unwrap();
        assert_eq!(verify(&s, &code, NOW, Some(used)), None);
        // Still refused a step later, while it is inside the window.
        assert_eq!(verify(&s, &code, NOW + PERIOD, Some(used)), None);
    }

    #[test]
    fn an_older_code_is_refused_after_a_newer_one() {
        let s = fixed();
        let newer = verify(&s, &code_at(&s, NOW + PERIOD), NOW, None).unwrap();
        let older = code_at(&s, NOW);
        assert_eq!(verify(&s, &older, NOW, Some(newer)), None);
        let oldest = code_at(&s, NOW - PERIOD);
        assert_eq!(verify(&s, &oldest, NOW, Some(newer)), None);
        // The next one after the newest is still fine.
        let next = code_at(&s, NOW + 2 * PERIOD);
        assert_eq!(
            verify(&s, &next, NOW + PERIOD, Some(newer)),
            Some(newer + 1)
        );
    }

    #[test]
    fn malformed_codes_are_refused() {
        let s = fixed();
        let code = code_at(&s, NOW);
        let full_width: String = code
            .chars()
            .map(|c| char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap())
            .collect();
        let with_letter = format!("{}a{}", &code[..2], &code[3..]);
        let cases = [
            String::new(),
            "12345".into(),
            "1234567".into(),
            format!("{code}0"),
            format!("0{code}"),
            code[..5].to_owned(),
            with_letter,
            "12a456".into(),
            full_width,
            format!("+{code}"),
            format!("-{}", &code[1..]),
            format!("{}-{}", &code[..3], &code[3..]),
            format!("{code}{}", " ".repeat(100)),
        ];
        for case in &cases {
            // Refused as input, not merely for failing to match.
            assert_eq!(digits_of(case), None, "{case:?}");
            assert_eq!(verify(&s, case, NOW, None), None, "{case:?}");
        }
    }

    #[test]
    fn a_code_two_steps_share_counts_as_the_later() {
        // Found by search: with the Appendix seed, these adjacent steps both give 251166. Were
        // the earlier one stored as used, the same code would pass again as the later one.
        let s = fixed();
        let (earlier, later) = (57_766_335, 57_766_336);
        assert_eq!(code_at(&s, earlier * PERIOD), "251166");
        assert_eq!(code_at(&s, later * PERIOD), "251166");
        let used = verify(&s, "251166", earlier * PERIOD, None);
        assert_eq!(used, Some(later));
        assert_eq!(verify(&s, "251166", later * PERIOD, used), None);
    }

    #[test]
    fn spaces_and_a_pasted_line_break_are_ignored() {
        let s = fixed();
        let code = code_at(&s, NOW);
        let step = Some(step_at(NOW));
        let spaced = format!(" {} {} ", &code[..3], &code[3..]);
        assert_eq!(digits_of(&spaced).unwrap().as_slice(), code.as_bytes());
        assert_eq!(verify(&s, &spaced, NOW, None), step);
        assert_eq!(verify(&s, &format!("{code}\r\n"), NOW, None), step);
    }

    #[test]
    fn nothing_before_1970() {
        let s = fixed();
        assert_eq!(step_at(-1), 0);
        assert_eq!(verify(&s, &code_at(&s, 0), 0, None), Some(0));
        assert_eq!(verify(&s, &code_at(&s, 0), -PERIOD, None), Some(0));
        // Step -1 is no counter at all, not the last one (2^64 - 1).
        let wrapped = hotp(s.as_bytes(), u64::MAX, DIGITS, Algorithm::Sha1);
        assert_eq!(verify(&s, &wrapped, 0, None), None);
    }

    #[test]
    fn rfc4648_base32_vectors() {
        let vectors = [
            ("", ""),
            ("f", "MY"),
            ("fo", "MZXQ"),
            ("foo", "MZXW6"),
            ("foob", "MZXW6YQ"),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI"),
        ];
        for (plain, encoded) in vectors {
            assert_eq!(base32_encode(plain.as_bytes()), encoded);
            assert_eq!(base32_decode(encoded).unwrap(), plain.as_bytes());
        }
        // As the RFC prints them: padded. And as people type them.
        assert_eq!(base32_decode("MZXW6YTBOI======").unwrap(), b"foobar");
        assert_eq!(base32_decode("mzxw 6ytb oi").unwrap(), b"foobar");
    }

    #[test]
    fn base32_refuses_what_no_bytes_encode_to() {
        // Impossible lengths, characters outside the alphabet, and non-zero trailing bits
        // ("MZ" and "M3" would otherwise be a second spelling of "MY", that is "f").
        for bad in [
            "M", "MZX", "MZXW6Y", "MZ!Q", "MZXQ1", "MZ", "M3", "MZXR", "ＭＹ",
        ] {
            assert_eq!(base32_decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn secrets_round_trip_through_base32() {
        let s = Secret::generate();
        assert_eq!(s.to_base32().len(), 32);
        let back = base32_decode(&s.to_base32_grouped()).unwrap();
        assert_eq!(Secret::from_bytes(&back).unwrap().as_bytes(), s.as_bytes());
        assert_ne!(Secret::generate().as_bytes(), s.as_bytes());
        assert_eq!(format!("{s:?}"), "Secret(..)");
        assert!(Secret::from_bytes(&[0; 19]).is_none());
        assert!(Secret::from_bytes(&[0; 21]).is_none());
    }

    #[test]
    fn typed_key_of_a_fixed_secret() {
        let s = fixed();
        assert_eq!(s.to_base32(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(
            s.to_base32_grouped(),
            "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ"
        );
    }

    #[test]
    fn otpauth_uri_exactly() {
        let s = fixed();
        assert_eq!(
            otpauth_uri(&s, "Mamoru Wallet", "hana+2fa@example.jp"),
            "otpauth://totp/Mamoru%20Wallet:hana%2B2fa%40example.jp\
             ?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Mamoru%20Wallet\
             &algorithm=SHA1&digits=6&period=30"
        );
        assert_eq!(
            otpauth_uri(&s, "Mamoru Wallet", "ゆき@例え.jp"),
            "otpauth://totp/Mamoru%20Wallet:%E3%82%86%E3%81%8D%40%E4%BE%8B%E3%81%88.jp\
             ?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Mamoru%20Wallet\
             &algorithm=SHA1&digits=6&period=30"
        );
    }

    #[test]
    fn percent_encoding_keeps_only_unreserved() {
        assert_eq!(percent_encode("aZ09-._~"), "aZ09-._~");
        assert_eq!(
            percent_encode("a b+c:d&e=f?g/h#i%"),
            "a%20b%2Bc%3Ad%26e%3Df%3Fg%2Fh%23i%25"
        );
    }
}
