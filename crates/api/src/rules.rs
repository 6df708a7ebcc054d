//! Input rules, parsed once into types that cannot hold an invalid value.

use crate::error::{ErrorCode, FieldError};

pub const PASSWORD_MIN_CHARS: usize = 8;
pub const PASSWORD_MAX_CHARS: usize = 256;
/// zxcvbn scores 0..=4; below this a password is refused.
pub const PASSWORD_MIN_SCORE: u8 = 3;
/// RFC 5321 limits a path to 256 octets including the angle brackets.
pub const EMAIL_MAX_BYTES: usize = 254;
pub const EMAIL_LOCAL_MAX_BYTES: usize = 64;
pub const DISPLAY_NAME_MAX_CHARS: usize = 100;
/// No request body of the identity API needs more; larger bodies are refused unread.
pub const MAX_JSON_BODY_BYTES: usize = 16 * 1024;

/// An email address as the person typed it (trimmed), with the key used to find the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    address: String,
}

impl Email {
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let err = |code| FieldError {
            code,
            field: "email",
        };
        let address = input.trim();
        if address.len() > EMAIL_MAX_BYTES {
            return Err(err(ErrorCode::EmailTooLong));
        }
        let (local, domain) = address
            .rsplit_once('@')
            .ok_or(err(ErrorCode::EmailInvalid))?;
        let bad_char = |c: char| c.is_whitespace() || c.is_control();
        let domain_ok = !domain.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .split('.')
                .all(|label| !label.is_empty() && !label.starts_with('-'));
        if local.is_empty()
            || local.contains('@')
            || local.len() > EMAIL_LOCAL_MAX_BYTES
            || !domain_ok
            || address.chars().any(bad_char)
            || address.contains(['<', '>', '(', ')', ',', ';', '[', ']', '\\', '"'])
        {
            return Err(err(ErrorCode::EmailInvalid));
        }
        Ok(Self {
            address: address.to_owned(),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.address
    }

    /// Accounts are unique by this key, so `Ann@Example.com` and `ann@example.com` are one person.
    pub fn key(&self) -> String {
        self.address.to_lowercase()
    }
}

/// A new password that meets the length rule. Strength and breach checks need outside data
/// (the estimator, the corpus) and are applied separately by both sides.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl NewPassword {
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let chars = input.chars().count();
        let code = if chars < PASSWORD_MIN_CHARS {
            ErrorCode::PasswordTooShort
        } else if chars > PASSWORD_MAX_CHARS {
            ErrorCode::PasswordTooLong
        } else {
            return Ok(Self(input.to_owned()));
        };
        Err(FieldError {
            code,
            field: "password",
        })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(..)")
    }
}

/// An optional display name: any Unicode on one line. Empty means "no name given".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(input: Option<&str>) -> Result<Option<Self>, FieldError> {
        let Some(name) = input.filter(|n| !n.is_empty()) else {
            return Ok(None);
        };
        let err = |code| FieldError {
            code,
            field: "display_name",
        };
        if name.chars().count() > DISPLAY_NAME_MAX_CHARS {
            return Err(err(ErrorCode::DisplayNameTooLong));
        }
        // Line and paragraph separators are not `is_control` but break a single line all the same.
        if name
            .chars()
            .any(|c| c.is_control() || c == '\u{2028}' || c == '\u{2029}')
        {
            return Err(err(ErrorCode::DisplayNameInvalid));
        }
        if name.trim().is_empty() {
            return Err(err(ErrorCode::DisplayNameInvalid));
        }
        Ok(Some(Self(name.to_owned())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The words zxcvbn treats as guessable for this person: their own details and the service's name.
/// Both the page and the server pass exactly this list, so they score a password the same.
pub fn strength_context(email: &str, display_name: Option<&str>) -> Vec<String> {
    let mut words = vec![email.trim().to_lowercase()];
    if let Some((local, domain)) = email.trim().rsplit_once('@') {
        words.push(local.to_lowercase());
        words.extend(domain.split('.').map(str::to_lowercase));
    }
    if let Some(name) = display_name {
        words.push(name.to_lowercase());
        words.extend(name.split_whitespace().map(str::to_lowercase));
    }
    words.push(crate::SERVICE_NAME.to_lowercase());
    words.extend(
        crate::SERVICE_NAME
            .split_whitespace()
            .map(str::to_lowercase),
    );
    words.push(crate::SERVICE_NAME.replace(' ', "").to_lowercase());
    words.retain(|w| w.chars().count() >= 3);
    words.sort();
    words.dedup();
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_accepts_ordinary_and_international_addresses() {
        for ok in [
            "a@b.co",
            "Ann.Lee+wallet@Example.COM",
            "山田@例え.jp",
            " padded@example.com ",
        ] {
            assert!(Email::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(
            Email::parse(" Ann@Example.com ").unwrap().as_str(),
            "Ann@Example.com"
        );
        assert_eq!(
            Email::parse("Ann@Example.com").unwrap().key(),
            "ann@example.com"
        );
    }

    #[test]
    fn email_refuses_malformed_addresses() {
        for bad in [
            "",
            "plain",
            "@example.com",
            "a@",
            "a@b",
            "a@.b.c",
            "a@b..c",
            "a@b.c.",
            "a b@c.de",
            "a@b.c\nBcc: x@y.z",
            "a\u{0}@b.cd",
            "<a@b.cd>",
            "a@-b.cd",
            "a@b@c.de",
        ] {
            assert_eq!(
                Email::parse(bad).unwrap_err().code,
                ErrorCode::EmailInvalid,
                "{bad:?}"
            );
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(
            Email::parse(&long).unwrap_err().code,
            ErrorCode::EmailTooLong
        );
        let long_local = format!("{}@example.com", "a".repeat(65));
        assert_eq!(
            Email::parse(&long_local).unwrap_err().code,
            ErrorCode::EmailInvalid
        );
    }

    #[test]
    fn password_length_counts_characters_not_bytes() {
        assert_eq!(
            NewPassword::parse("1234567").unwrap_err().code,
            ErrorCode::PasswordTooShort
        );
        assert!(NewPassword::parse("12345678").is_ok());
        // Eight emoji are 32 bytes but eight characters.
        assert!(NewPassword::parse(&"🔑".repeat(8)).is_ok());
        assert_eq!(
            NewPassword::parse(&"🔑".repeat(7)).unwrap_err().code,
            ErrorCode::PasswordTooShort
        );
        assert!(NewPassword::parse(&"é".repeat(256)).is_ok());
        assert_eq!(
            NewPassword::parse(&"x".repeat(257)).unwrap_err().code,
            ErrorCode::PasswordTooLong
        );
    }

    #[test]
    fn password_debug_does_not_print_the_secret() {
        let p = NewPassword::parse("correct horse").unwrap();
        assert!(!format!("{p:?}").contains("horse"));
    }

    #[test]
    fn display_name_is_optional_and_single_line() {
        assert_eq!(DisplayName::parse(None), Ok(None));
        assert_eq!(DisplayName::parse(Some("")), Ok(None));
        for ok in [
            "Ann",
            "山田 花子",
            "محمد",
            "Zoë 🚀",
            "<b>x</b>",
            "Robert'); DROP TABLE--",
        ] {
            assert_eq!(DisplayName::parse(Some(ok)).unwrap().unwrap().as_str(), ok);
        }
        for bad in ["a\nb", "a\rb", "tab\there", "nul\0", "a\u{2028}b", "   "] {
            assert_eq!(
                DisplayName::parse(Some(bad)).unwrap_err().code,
                ErrorCode::DisplayNameInvalid,
                "{bad:?}"
            );
        }
        let long = "名".repeat(DISPLAY_NAME_MAX_CHARS + 1);
        assert_eq!(
            DisplayName::parse(Some(&long)).unwrap_err().code,
            ErrorCode::DisplayNameTooLong
        );
    }

    #[test]
    fn strength_context_holds_the_persons_details_and_the_service() {
        let words = strength_context("Hana.Sato@Example.com", Some("Hana Sato"));
        for w in [
            "hana.sato@example.com",
            "hana.sato",
            "example",
            "hana sato",
            "hana",
            "sato",
            "mamoru",
            "wallet",
            "mamoruwallet",
        ] {
            assert!(words.contains(&w.to_owned()), "{w} missing from {words:?}");
        }
    }
}
