//! The history as CSV (RFC 4180): CRLF line ends, a field quoted when it holds a quote, a comma
//! or a line break, quotes doubled inside. UTF-8 with a byte-order mark, so spreadsheet programs
//! read Japanese text as UTF-8 instead of guessing Shift_JIS.
//!
//! Spreadsheets run a cell that starts with `=`, `+`, `-` or `@` (and, in some, tab or CR) as a
//! formula: text cells (merchant, memo) that start so get a leading apostrophe. Amounts are
//! written by the server as `-?digits[.digits]` and stay numbers.

use portal_api::money::Money;
use portal_api::wallet::Transaction;

pub const COLUMNS: [&str; 9] = [
    "id", "date", "kind", "status", "amount", "currency", "merchant", "memo", "dispute",
];

pub fn header() -> String {
    let mut out = String::from("\u{feff}");
    for (i, c) in COLUMNS.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(c);
    }
    out.push_str("\r\n");
    out
}

pub fn rows(items: &[Transaction]) -> String {
    let mut out = String::with_capacity(items.len() * 120);
    for t in items {
        let cells = [
            t.id.clone(),
            crate::clock::iso8601_utc(t.created_at),
            crate::db::codec::enum_str(&t.kind),
            crate::db::codec::enum_str(&t.status),
            decimal(&t.amount),
            crate::db::codec::enum_str(&t.amount.currency),
            protect(t.merchant.as_deref().unwrap_or("")),
            protect(t.memo.as_deref().unwrap_or("")),
            t.dispute
                .as_ref()
                .map(|d| crate::db::codec::enum_str(&d.status))
                .unwrap_or_default(),
        ];
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            field(&mut out, cell);
        }
        out.push_str("\r\n");
    }
    out
}

/// One record of text cells, each defused against formulas and quoted as needed, CRLF-ended.
pub fn line(cells: &[&str]) -> String {
    let mut out = String::new();
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        field(&mut out, &protect(cell));
    }
    out.push_str("\r\n");
    out
}

/// `-1205` cents → `-12.05`; `-500` yen → `-500`. Exact: integer arithmetic only.
pub fn decimal(m: &Money) -> String {
    let exponent = m.currency.exponent();
    let sign = if m.minor < 0 { "-" } else { "" };
    let magnitude = m.minor.unsigned_abs();
    if exponent == 0 {
        return format!("{sign}{magnitude}");
    }
    let scale = 10u64.pow(exponent);
    format!(
        "{sign}{}.{:0width$}",
        magnitude / scale,
        magnitude % scale,
        width = exponent as usize
    )
}

/// A text cell a spreadsheet would take for a formula, made plain text with an apostrophe.
pub fn protect(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// Appends one field, quoted when it must be.
fn field(out: &mut String, value: &str) {
    if value.contains(['"', ',', '\r', '\n']) {
        out.push('"');
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use portal_api::money::Currency;

    #[test]
    fn amounts_have_their_currency_digits() {
        let m = |minor, currency| decimal(&Money { minor, currency });
        assert_eq!(m(-500, Currency::JPY), "-500");
        assert_eq!(m(0, Currency::JPY), "0");
        assert_eq!(m(-1205, Currency::USD), "-12.05");
        assert_eq!(m(5, Currency::EUR), "0.05");
        assert_eq!(m(-5, Currency::EUR), "-0.05");
        assert_eq!(m(i64::MIN, Currency::USD), "-92233720368547758.08");
    }

    #[test]
    fn fields_are_quoted_only_when_they_must_be() {
        let mut out = String::new();
        field(&mut out, "plain");
        out.push('|');
        field(&mut out, "say \"hi\", twice\r\nand again\n");
        out.push('|');
        field(&mut out, "");
        assert_eq!(out, "plain|\"say \"\"hi\"\", twice\r\nand again\n\"|");
    }

    #[test]
    fn formula_starts_are_defused() {
        for bad in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(protect(bad), format!("'{bad}"));
        }
        for fine in ["a=1", "", "'quoted", "１＝１"] {
            assert_eq!(protect(fine), fine);
        }
    }
}
