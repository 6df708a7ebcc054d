//! The wallet: its ledger, how money comes in and goes out, and the customer's history.

pub mod cards;
pub mod demo;
pub mod idempotency;
pub mod ledger;
pub mod merchant;
pub mod payment_code;
pub mod processor;
pub mod rows;
pub mod top_up;

use portal_api::money::Currency;
use unicode_normalization::UnicodeNormalization;

/// The currency every customer wallet holds.
pub const WALLET_CURRENCY: Currency = Currency::JPY;

/// Whether `id` could be one of our row ids (`identity::token::id`: hex). Anything else is unknown
/// without asking the store, which matters for NUL: PostgreSQL refuses it in any text parameter.
pub fn could_be_id(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The form of a history row's merchant name and memo that text search matches against, and of
/// the words searched for: NFKC (full-width and half-width alike) and lower case, in any script.
pub fn search_text(parts: &[Option<&str>]) -> String {
    parts
        .iter()
        .flatten()
        .map(|p| p.nfkc().collect::<String>().to_lowercase())
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::search_text;

    #[test]
    fn ids_are_short_and_plain() {
        assert!(super::could_be_id(&crate::identity::token::id()));
        for junk in ["", "a\0b", "🙂", "a-b", &"a".repeat(65)] {
            assert!(!super::could_be_id(junk), "{junk:?}");
        }
    }

    #[test]
    fn search_text_folds_width_and_case_in_every_script() {
        assert_eq!(
            search_text(&[Some("ＬＡＷＳＯＮ 渋谷店"), None, Some("Coffee ÉCLAIR")]),
            "lawson 渋谷店\ncoffee éclair"
        );
        assert_eq!(search_text(&[None, None]), "");
    }
}
