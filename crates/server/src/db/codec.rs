//! How values are kept in the store, for every domain alike: row ids as the store makes them,
//! and enums by their serde (wire) names.

use serde::de::{DeserializeOwned, IntoDeserializer};
use serde::Serialize;

/// Whether `id` could be one of our row ids (`crate::token::id`: hex). Anything else is unknown
/// without asking the store, which matters for NUL: PostgreSQL refuses it in any text parameter.
pub fn could_be_id(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Whether `id` could be one of the ids customers see and quote (transaction ids, case numbers
/// like `D-7KQ2-M9XA-4TRB`): short, and without NUL. Anything else is nobody's and is not sent
/// to the store.
pub fn plausible_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && !id.contains('\0')
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

#[cfg(test)]
mod tests {
    use super::{enum_str, parse_enum};
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
        assert!(super::could_be_id(&crate::token::id()));
        for junk in ["", "a\0b", "🙂", "a-b", &"a".repeat(65)] {
            assert!(!super::could_be_id(junk), "{junk:?}");
        }
    }
}
