//! The wallet: its ledger, how money comes in and goes out (and the freeze that stops it going
//! out), and the customer's history with its disputes.

pub mod cards;
pub mod csv;
pub mod freeze;
pub mod history;
pub mod idempotency;
pub mod ledger;
pub mod merchant;
pub mod payment_code;
pub mod processor;
pub mod refunds;
pub mod rows;
pub mod search;
pub mod spending;
pub mod top_up;

use portal_api::money::Currency;

use unicode_normalization::UnicodeNormalization;

/// The currency every customer wallet holds.
pub const WALLET_CURRENCY: Currency = Currency::JPY;

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
    fn search_text_folds_width_and_case_in_every_script() {
        assert_eq!(
            search_text(&[Some("ＬＡＷＳＯＮ 渋谷店"), None, Some("Coffee ÉCLAIR")]),
            "lawson 渋谷店\ncoffee éclair"
        );
        assert_eq!(search_text(&[None, None]), "");
    }
}
