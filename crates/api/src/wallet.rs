//! The wallet's API: balance, cards and top-ups, payment codes and the merchant API, history and
//! disputes. Amounts are always [`Money`]: integer minor units with their currency.

use serde::{Deserialize, Serialize};

use crate::error::{ErrorCode, FieldError};
use crate::money::Money;

#[cfg(feature = "openapi")]
use utoipa::{IntoParams, ToSchema};

/// Longest free text of a dispute, in characters (Unicode scalar values).
pub const DISPUTE_DETAILS_MAX_CHARS: usize = 4_000;
/// Longest memo a merchant may attach to a payment, in characters.
pub const MEMO_MAX_CHARS: usize = 200;
/// Most rows one page of history returns.
pub const HISTORY_PAGE_MAX: u32 = 100;
/// The header every request that moves money carries; the same key twice moves money once and
/// answers the first answer again.
pub const IDEMPOTENCY_HEADER: &str = "Idempotency-Key";
/// Longest idempotency key, in bytes (printable ASCII only).
pub const IDEMPOTENCY_KEY_MAX_BYTES: usize = 100;

/// The customer's wallet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Wallet {
    /// Derived from the journal, never stored on its own.
    pub balance: Money,
    pub limits: TopUpLimits,
    /// Present while a fraud report has stopped money movement out of the wallet.
    pub freeze: Option<crate::evidence::Freeze>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TopUpLimits {
    /// Largest single top-up.
    pub per_top_up: Money,
    /// Most that may be topped up per day (UTC), and how much of it is used.
    pub daily: Money,
    pub used_today: Money,
}

/// Card details go to the payment processor; the portal keeps only its token, the brand, the
/// last four digits and the expiry.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AddCardRequest {
    /// Digits; spaces and dashes are ignored.
    pub number: String,
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 12))]
    pub exp_month: u8,
    /// Four digits, e.g. 2028.
    #[cfg_attr(feature = "openapi", schema(minimum = 1000, maximum = 9999))]
    pub exp_year: u16,
    pub cvc: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Card {
    pub id: String,
    /// e.g. `visa`, `mastercard`, `jcb`, `amex`; `unknown` otherwise.
    pub brand: String,
    pub last4: String,
    pub exp_month: u8,
    pub exp_year: u16,
    pub created_at: i64,
}

/// Tops up the wallet from a registered card. Needs step-up, a verified email address and the
/// `Idempotency-Key` header.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TopUpRequest {
    pub card_id: String,
    /// Positive, in the wallet's currency.
    pub amount: Money,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TransactionKind {
    TopUp,
    Payment,
    Refund,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TransactionStatus {
    /// Waiting for the card network (a top-up whose answer timed out).
    Pending,
    Completed,
    /// Refused by the card network; no money moved.
    Declined,
}

/// One line of the customer's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Transaction {
    pub id: String,
    pub kind: TransactionKind,
    pub status: TransactionStatus,
    /// From the customer's side: positive for top-ups and refunds, negative for payments.
    pub amount: Money,
    /// The store, for payments and their refunds.
    pub merchant: Option<String>,
    /// As the merchant or the card network wrote it, shown exactly as stored.
    pub memo: Option<String>,
    pub created_at: i64,
    /// The open or last dispute about this transaction, if any.
    pub dispute: Option<DisputeSummary>,
}

/// History filters and the page to read (query string of `list_transactions` and
/// `export_transactions_csv`). Every bound is inclusive.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(IntoParams))]
#[serde(deny_unknown_fields)]
pub struct TransactionQuery {
    pub kind: Option<TransactionKind>,
    pub status: Option<TransactionStatus>,
    /// Seconds since the Unix epoch.
    #[cfg_attr(feature = "openapi", param(minimum = 0))]
    pub from: Option<i64>,
    #[cfg_attr(feature = "openapi", param(minimum = 0))]
    pub to: Option<i64>,
    /// Bounds on the size of the amount (its absolute value), in minor units.
    #[cfg_attr(feature = "openapi", param(minimum = 0))]
    pub min_minor: Option<i64>,
    #[cfg_attr(feature = "openapi", param(minimum = 0))]
    pub max_minor: Option<i64>,
    /// Exact merchant name.
    pub merchant: Option<String>,
    /// Words searched for in merchant names and memos (case-insensitive, any Unicode).
    pub q: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Rows per page, 1 to 100 (default 50).
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 100))]
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TransactionPage {
    /// Newest first.
    pub items: Vec<Transaction>,
    /// Absent on the last page.
    pub next_cursor: Option<String>,
    /// Present when a search that no index can narrow (every word one or two characters) read
    /// as many rows as one page may and stopped short of filling the page: it searched back to
    /// this time (seconds since the Unix epoch), and `next_cursor` searches on from there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub searched_to: Option<i64>,
}

/// Spending (payments less their refunds) per calendar month, for the history chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct MonthlySpending {
    /// Oldest first, every month of the range present (zero when nothing was spent).
    pub months: Vec<MonthTotal>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct MonthTotal {
    /// `YYYY-MM`, in the time zone the page asked for.
    pub month: String,
    pub spent: Money,
}

/// The query of `transaction_stats`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(IntoParams))]
#[serde(deny_unknown_fields)]
pub struct SpendingQuery {
    /// How many months back from the current one, 1 to 24 (default 12).
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 24))]
    pub months: Option<u32>,
    /// The browser's offset from UTC in minutes (Japan: 540), so months end at local midnight.
    #[cfg_attr(feature = "openapi", param(minimum = -840, maximum = 840))]
    pub utc_offset_minutes: Option<i32>,
}

/// A short-lived, single-use code the customer shows at a store (as digits and a QR code).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PaymentCode {
    /// Digits only.
    pub code: String,
    /// After this (seconds since the Unix epoch) the code is refused.
    pub expires_at: i64,
    /// When the page should fetch the next code.
    pub refresh_at: i64,
}

/// The merchant API: a store redeems a customer's payment code for an amount. Authenticated by
/// the merchant's API key (`Authorization: Bearer …`); needs the `Idempotency-Key` header.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RedeemRequest {
    pub code: String,
    /// Positive, in the wallet's currency.
    pub amount: Money,
    #[serde(default)]
    pub memo: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Redemption {
    /// The payment's id (the customer's transaction id).
    pub id: String,
    pub amount: Money,
    pub created_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DisputeReason {
    NotRecognised,
    WrongAmount,
    NotReceived,
    ChargedTwice,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DisputeStatus {
    Submitted,
    UnderReview,
    MoreInfoNeeded,
    Refunded,
    Declined,
}

impl DisputeStatus {
    /// Open disputes block a second one on the same transaction.
    pub fn is_open(self) -> bool {
        !matches!(self, DisputeStatus::Refunded | DisputeStatus::Declined)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateDisputeRequest {
    pub reason: DisputeReason,
    /// Any Unicode, line breaks included, up to 4,000 characters; stored exactly as typed.
    pub details: String,
    /// Ids of screenshots from `upload_evidence`, at most 10.
    #[serde(default)]
    pub screenshots: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DisputeSummary {
    pub id: String,
    pub status: DisputeStatus,
}

/// One step of a dispute's timeline, as the customer sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DisputeEvent {
    /// `submitted` (the first), `status_changed` (by support) or `evidence_added` (the customer's
    /// answer to a question, which returns the dispute to review).
    pub kind: crate::evidence::ReportEventKind,
    pub status: DisputeStatus,
    pub at: i64,
    /// What support asked for, why the dispute was declined, or the customer's answer, exactly
    /// as written; absent otherwise.
    pub note: Option<String>,
    /// Ids of the screenshots this step attached.
    pub screenshots: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Dispute {
    pub id: String,
    pub transaction: Transaction,
    pub reason: DisputeReason,
    pub details: String,
    pub status: DisputeStatus,
    pub created_at: i64,
    /// Oldest first; the last one is the current status.
    pub timeline: Vec<DisputeEvent>,
    pub screenshots: Vec<crate::evidence::Screenshot>,
}

/// The rule of every free-text field a customer writes to support (docs/threat-model.md#t13): any
/// Unicode, line breaks included, kept exactly as typed; not blank; at most `max` characters; no
/// NUL, which PostgreSQL cannot store in text and no one types (refused, never dropped).
pub fn free_text(input: &str, max: usize, field: &'static str) -> Result<String, FieldError> {
    let err = |code| FieldError { code, field };
    if input.trim().is_empty() {
        return Err(err(ErrorCode::DetailsRequired));
    }
    if input.chars().count() > max {
        return Err(err(ErrorCode::DetailsTooLong));
    }
    if input.contains('\0') {
        return Err(err(ErrorCode::DetailsInvalid));
    }
    Ok(input.to_owned())
}

/// A dispute's free text, checked once: the page and the server refuse the same input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisputeDetails(String);

impl DisputeDetails {
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        free_text(input, DISPUTE_DETAILS_MAX_CHARS, "details").map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dispute_details_keep_every_character_but_nul() {
        let text = "I don't know this shop.\r\nمتجر غير معروف 🤔\n<b>'; DROP TABLE x;--</b>\t";
        assert_eq!(DisputeDetails::parse(text).unwrap().as_str(), text);
        let longest = "語".repeat(DISPUTE_DETAILS_MAX_CHARS);
        assert!(DisputeDetails::parse(&longest).is_ok());
        let code = |s: &str| DisputeDetails::parse(s).unwrap_err().code;
        assert_eq!(code(&format!("{longest}x")), ErrorCode::DetailsTooLong);
        assert_eq!(code("a\0b"), ErrorCode::DetailsInvalid);
        assert_eq!(code(" \n\t"), ErrorCode::DetailsRequired);
    }

    #[test]
    fn only_final_statuses_close_a_dispute() {
        use DisputeStatus::*;
        assert!(Submitted.is_open() && UnderReview.is_open() && MoreInfoNeeded.is_open());
        assert!(!Refunded.is_open() && !Declined.is_open());
    }
}
