//! The Pwned Passwords range API (k-anonymity): the client hashes the password with SHA-1, sends
//! only the first 5 hex characters, and looks for the other 35 in the answer.

/// Hex characters sent to the server.
pub const PREFIX_LEN: usize = 5;
/// Hex characters of the hash that never leave the client.
pub const SUFFIX_LEN: usize = 35;

/// Upper-case hex SHA-1 of the password's UTF-8 bytes, as the corpus is keyed.
pub fn sha1_hex(password: &str) -> String {
    sha1_smol::Sha1::from(password.as_bytes())
        .digest()
        .to_string()
        .to_ascii_uppercase()
}

/// A validated 5-hex-character prefix, upper case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Prefix([u8; PREFIX_LEN]);

impl Prefix {
    pub fn parse(input: &str) -> Option<Self> {
        let bytes = input.as_bytes();
        if bytes.len() != PREFIX_LEN || !bytes.iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        let mut out = [0u8; PREFIX_LEN];
        for (o, b) in out.iter_mut().zip(bytes) {
            *o = b.to_ascii_uppercase();
        }
        Some(Self(out))
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("hex digits are ASCII")
    }

    /// The prefix as a number in `0..2^20`.
    pub fn index(&self) -> u32 {
        u32::from_str_radix(self.as_str(), 16).expect("validated hex")
    }
}

/// Splits a full upper-case hex SHA-1 into what is sent and what is looked for.
pub fn split_hash(hash_hex: &str) -> (Prefix, &str) {
    let prefix = Prefix::parse(&hash_hex[..PREFIX_LEN]).expect("a SHA-1 hex digest");
    (prefix, &hash_hex[PREFIX_LEN..])
}

/// How often `suffix` appears in a range answer (`SUFFIX:COUNT` lines). Padding lines have a
/// count of zero, so a zero count means "not breached", like an absent line.
pub fn count_in_range(body: &str, suffix: &str) -> u64 {
    body.lines()
        .filter_map(|line| line.trim().split_once(':'))
        .find(|(s, _)| s.eq_ignore_ascii_case(suffix))
        .and_then(|(_, count)| count.trim().parse().ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha1_matches_the_published_example() {
        assert_eq!(
            sha1_hex("password"),
            "5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8"
        );
        let (prefix, suffix) = split_hash("5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8");
        assert_eq!(prefix.as_str(), "5BAA6");
        assert_eq!(suffix, "1E4C9B93F3F0682250B6CF8331B7EE68FD8");
        assert_eq!(prefix.index(), 0x5BAA6);
    }

    #[test]
    fn prefix_is_five_hex_characters_in_either_case() {
        assert_eq!(Prefix::parse("5baa6").unwrap().as_str(), "5BAA6");
        for bad in ["", "5BAA", "5BAA61", "5BAG6", "５BAA6", "5BA A", "../.."] {
            assert!(Prefix::parse(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn padding_lines_do_not_count() {
        let body = "0018A45C4D1DEF81644B54AB7F969B88D65:0\r\n1E4C9B93F3F0682250B6CF8331B7EE68FD8:3861493\r\n";
        assert_eq!(
            count_in_range(body, "1E4C9B93F3F0682250B6CF8331B7EE68FD8"),
            3_861_493
        );
        assert_eq!(
            count_in_range(body, "0018A45C4D1DEF81644B54AB7F969B88D65"),
            0
        );
        assert_eq!(
            count_in_range(body, "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"),
            0
        );
    }
}
