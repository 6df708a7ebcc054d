//! The wallet: its ledger, how money comes in and goes out, and the customer's history.

pub mod cards;
pub mod csv;
pub mod cursor;
pub mod demo;
pub mod disputes;
pub mod history;
pub mod idempotency;
pub mod ledger;
pub mod merchant;
pub mod payment_code;
pub mod processor;
pub mod refunds;
pub mod rows;
pub mod search;
pub mod stats;
pub mod top_up;

use portal_api::money::Currency;
use serde::de::{DeserializeOwned, IntoDeserializer};
use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

/// The currency every customer wallet holds.
pub const WALLET_CURRENCY: Currency = Currency::JPY;

/// Whether `id` could be one of our row ids (`identity::token::id`: hex). Anything else is unknown
/// without asking the store, which matters for NUL: PostgreSQL refuses it in any text parameter.
pub fn could_be_id(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// A stored enum value (`top_up`, `completed`, `JPY`, ...) read back as its type; an unknown
/// value is a decoding error of the store, never a guess.
pub fn parse_enum<T: DeserializeOwned>(stored: &str) -> Result<T, sqlx::Error> {
    T::deserialize(stored.into_deserializer()).map_err(|e: serde::de::value::Error| {
        sqlx::Error::Decode(format!("unexpected stored value {stored:?}: {e}").into())
    })
}

/// The stored (and wire) form of an enum value: its serde name.
pub fn enum_str<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        other => unreachable!("not a unit enum: {other:?}"),
    }
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
    use super::{enum_str, parse_enum, search_text};
    use portal_api::money::Currency;
    use portal_api::wallet::{DisputeStatus, TransactionKind};

    #[test]
    fn enums_are_stored_by_their_wire_names() {
        assert_eq!(enum_str(&TransactionKind::TopUp), "top_up");
        assert_eq!(enum_str(&DisputeStatus::MoreInfoNeeded), "more_info_needed");
        assert_eq!(enum_str(&Currency::JPY), "JPY");
        assert_eq!(
            parse_enum::<TransactionKind>("top_up").unwrap(),
            TransactionKind::TopUp
        );
        assert_eq!(parse_enum::<Currency>("USD").unwrap(), Currency::USD);
        assert!(parse_enum::<TransactionKind>("TopUp").is_err());
    }

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
