//! The customer's history rows (`wallet_transactions`), as money movements write them: one row
//! per top-up (whatever its outcome) and per payment, in the same transaction as the postings.

use super::ledger::{currency_code, parse_currency};
use portal_api::money::{Currency, Money};
use portal_api::wallet::{Transaction, TransactionKind, TransactionStatus};
use sqlx::AnyConnection;

/// The stored form: the same words as the API's.
pub fn kind_str(kind: TransactionKind) -> &'static str {
    match kind {
        TransactionKind::TopUp => "top_up",
        TransactionKind::Payment => "payment",
        TransactionKind::Refund => "refund",
    }
}

pub fn parse_kind(s: &str) -> Option<TransactionKind> {
    match s {
        "top_up" => Some(TransactionKind::TopUp),
        "payment" => Some(TransactionKind::Payment),
        "refund" => Some(TransactionKind::Refund),
        _ => None,
    }
}

pub fn status_str(status: TransactionStatus) -> &'static str {
    match status {
        TransactionStatus::Pending => "pending",
        TransactionStatus::Completed => "completed",
        TransactionStatus::Declined => "declined",
    }
}

pub fn parse_status(s: &str) -> Option<TransactionStatus> {
    match s {
        "pending" => Some(TransactionStatus::Pending),
        "completed" => Some(TransactionStatus::Completed),
        "declined" => Some(TransactionStatus::Declined),
        _ => None,
    }
}

pub struct NewRow<'a> {
    pub id: &'a str,
    pub account_id: &'a str,
    pub wallet_id: &'a str,
    pub kind: TransactionKind,
    pub status: TransactionStatus,
    /// From the customer's side: negative for payments.
    pub amount_minor: i64,
    pub currency: Currency,
    pub merchant_id: Option<&'a str>,
    pub merchant_name: Option<&'a str>,
    pub memo: Option<&'a str>,
    pub entry_id: Option<&'a str>,
    pub at: i64,
}

pub async fn insert(conn: &mut AnyConnection, row: &NewRow<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO wallet_transactions (id, account_id, wallet_id, kind, status, amount_minor, currency,
             merchant_id, merchant_name, memo, entry_id, search_text, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(row.id)
    .bind(row.account_id)
    .bind(row.wallet_id)
    .bind(kind_str(row.kind))
    .bind(status_str(row.status))
    .bind(row.amount_minor)
    .bind(currency_code(row.currency))
    .bind(row.merchant_id)
    .bind(row.merchant_name)
    .bind(row.memo)
    .bind(row.entry_id)
    .bind(super::search_text(&[row.merchant_name, row.memo]))
    .bind(row.at)
    .execute(conn)
    .await?;
    Ok(())
}

type RowTuple = (
    String,
    String,
    String,
    i64,
    String,
    Option<String>,
    Option<String>,
    i64,
);

/// The history row `id` of `account_id` as the API shows it (without its dispute, which the
/// history endpoints add).
pub async fn get(
    conn: &mut AnyConnection,
    account_id: &str,
    id: &str,
) -> Result<Option<Transaction>, sqlx::Error> {
    let row: Option<RowTuple> = sqlx::query_as(
        "SELECT id, kind, status, amount_minor, currency, merchant_name, memo, created_at
         FROM wallet_transactions WHERE id = $1 AND account_id = $2",
    )
    .bind(id)
    .bind(account_id)
    .fetch_optional(conn)
    .await?;
    Ok(row.and_then(to_transaction))
}

fn to_transaction(
    (id, kind, status, amount_minor, currency, merchant, memo, created_at): RowTuple,
) -> Option<Transaction> {
    Some(Transaction {
        id,
        kind: parse_kind(&kind)?,
        status: parse_status(&status)?,
        amount: Money {
            minor: amount_minor,
            currency: parse_currency(&currency)?,
        },
        merchant,
        memo,
        created_at,
        dispute: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_words_are_the_api_words() {
        for kind in [
            TransactionKind::TopUp,
            TransactionKind::Payment,
            TransactionKind::Refund,
        ] {
            assert_eq!(
                serde_json::to_value(kind).unwrap().as_str(),
                Some(kind_str(kind))
            );
            assert_eq!(parse_kind(kind_str(kind)), Some(kind));
        }
        for status in [
            TransactionStatus::Pending,
            TransactionStatus::Completed,
            TransactionStatus::Declined,
        ] {
            assert_eq!(
                serde_json::to_value(status).unwrap().as_str(),
                Some(status_str(status))
            );
            assert_eq!(parse_status(status_str(status)), Some(status));
        }
    }
}
