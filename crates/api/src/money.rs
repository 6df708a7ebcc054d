//! Amounts of money: integer minor units and an ISO 4217 currency, never a float, and their
//! display in each language the portal speaks. Shared so the page and mail write amounts alike.

use crate::dto::Locale;
use serde::{Deserialize, Serialize};

/// The currencies the wallet holds. Each knows how many digits follow its decimal point, so no
/// code assumes yen's zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Currency {
    JPY,
    USD,
    EUR,
}

impl Currency {
    /// Digits after the decimal point (ISO 4217 minor unit).
    pub fn exponent(self) -> u32 {
        match self {
            Currency::JPY => 0,
            Currency::USD | Currency::EUR => 2,
        }
    }

    /// The symbol CLDR uses for this currency in `locale` (Japanese writes yen full-width).
    fn symbol(self, locale: Locale) -> &'static str {
        match (self, locale) {
            (Currency::JPY, Locale::Ja) => "￥",
            (Currency::JPY, Locale::En) => "¥",
            (Currency::USD, _) => "$",
            (Currency::EUR, _) => "€",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Money {
    /// In the currency's minor unit: yen for JPY, cents for USD.
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    /// As written in `locale`: `¥1,234`, `-$12.05`, `￥1,234`.
    pub fn format(&self, locale: Locale) -> String {
        let exponent = self.currency.exponent();
        let magnitude = self.minor.unsigned_abs();
        let scale = 10u64.pow(exponent);
        let whole = group_thousands(magnitude / scale);
        let sign = if self.minor < 0 { "-" } else { "" };
        let symbol = self.currency.symbol(locale);
        if exponent == 0 {
            format!("{sign}{symbol}{whole}")
        } else {
            let fraction = magnitude % scale;
            format!(
                "{sign}{symbol}{whole}.{fraction:0width$}",
                width = exponent as usize
            )
        }
    }
}

impl Money {
    /// An amount as a person types it: digits with optional thousands separators (`,`), at most
    /// the currency's digits after a `.`, full-width digits allowed. `None` for anything else,
    /// zero or negative included (amounts people enter are always positive).
    pub fn parse(input: &str, currency: Currency) -> Option<Money> {
        let ascii: String = input
            .trim()
            .chars()
            .map(|c| match c {
                '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
                '，' => ',',
                '．' => '.',
                c => c,
            })
            .collect();
        let (whole, fraction) = match ascii.split_once('.') {
            Some((w, f)) => (w, f),
            None => (ascii.as_str(), ""),
        };
        let exponent = currency.exponent() as usize;
        let grouped_right = whole.split(',').enumerate().all(|(i, group)| {
            !group.is_empty() && (i == 0 && group.len() <= 3 || group.len() == 3)
        });
        if whole.is_empty()
            || (whole.contains(',') && !grouped_right)
            || fraction.len() > exponent
            || (ascii.contains('.') && fraction.is_empty())
        {
            return None;
        }
        let digits: String = whole.chars().filter(|&c| c != ',').collect();
        if !digits
            .chars()
            .chain(fraction.chars())
            .all(|c| c.is_ascii_digit())
        {
            return None;
        }
        let scale = 10i64.checked_pow(exponent as u32)?;
        let whole: i64 = digits.parse().ok()?;
        let fraction: i64 = if fraction.is_empty() {
            0
        } else {
            format!("{fraction:0<exponent$}").parse().ok()?
        };
        let minor = whole.checked_mul(scale)?.checked_add(fraction)?;
        (minor > 0).then_some(Money { minor, currency })
    }
}

fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(minor: i64, currency: Currency) -> Money {
        Money { minor, currency }
    }

    #[test]
    fn yen_has_no_minor_digits() {
        assert_eq!(m(1234, Currency::JPY).format(Locale::En), "¥1,234");
        assert_eq!(m(1234, Currency::JPY).format(Locale::Ja), "￥1,234");
        assert_eq!(m(0, Currency::JPY).format(Locale::En), "¥0");
        assert_eq!(
            m(-55_000_000, Currency::JPY).format(Locale::Ja),
            "-￥55,000,000"
        );
    }

    #[test]
    fn amounts_parse_as_people_type_them() {
        let yen = |s| Money::parse(s, Currency::JPY).map(|m| m.minor);
        let usd = |s| Money::parse(s, Currency::USD).map(|m| m.minor);
        assert_eq!(yen("1000"), Some(1000));
        assert_eq!(yen(" 10,000 "), Some(10_000));
        assert_eq!(yen("１２，３４５"), Some(12_345));
        assert_eq!(usd("12.05"), Some(1205));
        assert_eq!(usd("12.5"), Some(1250));
        assert_eq!(usd("1,234.00"), Some(123_400));
        for bad in [
            "",
            "0",
            "-5",
            "1.5",
            "12.",
            ".5",
            "1,00",
            "10,0000",
            "1e3",
            "¥100",
            "99999999999999999999",
        ] {
            assert_eq!(yen(bad), None, "{bad:?}");
        }
        assert_eq!(usd("1.234"), None);
        assert_eq!(usd("0.00"), None);
    }

    #[test]
    fn cents_are_never_rounded() {
        assert_eq!(m(1205, Currency::USD).format(Locale::En), "$12.05");
        assert_eq!(m(-5, Currency::EUR).format(Locale::En), "-€0.05");
        assert_eq!(
            m(10_000_000_001, Currency::USD).format(Locale::Ja),
            "$100,000,000.01"
        );
        assert_eq!(
            m(i64::MIN, Currency::JPY).format(Locale::En),
            "-¥9,223,372,036,854,775,808"
        );
    }
}
