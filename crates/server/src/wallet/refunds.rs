//! What support has refunded of each history row. A refund records how much of which rows it pays
//! back (`refund_allocations`) when it is asked for, posted at once or waiting for a second agent,
//! so the refunds of one row, over every dispute and fraud report that names it, never add up to
//! more than the row. The sums are read in the refund's own transaction after it takes the
//! customer's wallet lock (support/actions.rs), so two refunds of one row cannot both see it
//! unrefunded.

use crate::http::error::ApiError;
use axum::http::StatusCode;
use portal_api::error::ErrorCode;
use sqlx::AnyConnection;

/// A row's refundable amount: its size, less what refunds paid back of it already.
const LEFT_SQL: &str = "CAST(ABS(t.amount_minor) - COALESCE((SELECT SUM(a.amount_minor)
     FROM refund_allocations a WHERE a.transaction_id = t.id), 0) AS BIGINT)";

/// What is left to refund of one history row: below zero only for a row refunded more than
/// once over before refunds were recorded per row.
pub async fn left(conn: &mut AnyConnection, transaction_id: &str) -> Result<i64, sqlx::Error> {
    let (left,): (i64,) = sqlx::query_as(&format!(
        "SELECT {LEFT_SQL} FROM wallet_transactions t WHERE t.id = $1"
    ))
    .bind(transaction_id)
    .fetch_one(conn)
    .await?;
    Ok(left)
}

/// What is left to refund of each row a case is about (a dispute's row, a report's rows), oldest
/// first: `(transaction id, left)`.
pub async fn left_for_case(
    conn: &mut AnyConnection,
    case_id: &str,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT t.id, {LEFT_SQL} FROM wallet_transactions t
         WHERE t.id IN (SELECT transaction_id FROM disputes WHERE id = $1
                        UNION SELECT transaction_id FROM fraud_report_transactions WHERE report_id = $1)
         ORDER BY t.created_at, t.id"
    ))
    .bind(case_id)
    .fetch_all(conn)
    .await
}

/// Splits `amount` over the rows, oldest first, each up to what is left of it; `None` when it is
/// more than all that is left.
pub fn split(left: &[(String, i64)], amount: i64) -> Option<Vec<(String, i64)>> {
    let mut rest = amount;
    let mut shares = Vec::new();
    for (id, left) in left {
        if rest == 0 {
            break;
        }
        let share = rest.min(*left);
        if share > 0 {
            shares.push((id.clone(), share));
            rest -= share;
        }
    }
    (rest == 0).then_some(shares)
}

/// Records what refund `refund_id` pays back of which rows, in the transaction that makes it.
pub async fn record(
    conn: &mut AnyConnection,
    refund_id: &str,
    shares: &[(String, i64)],
) -> Result<(), sqlx::Error> {
    for (transaction_id, amount) in shares {
        sqlx::query(
            "INSERT INTO refund_allocations (refund_id, transaction_id, amount_minor) VALUES ($1, $2, $3)",
        )
        .bind(refund_id)
        .bind(transaction_id)
        .bind(amount)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// A dispute or report of a row that refunds paid back in full: nothing is left to claim.
pub fn refunded_in_full(field: Option<&'static str>) -> ApiError {
    ApiError {
        field,
        ..ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::TransactionRefunded,
            "This transaction has been refunded in full already.",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(left: &[i64]) -> Vec<(String, i64)> {
        left.iter()
            .enumerate()
            .map(|(i, l)| (format!("t{i}"), *l))
            .collect()
    }

    #[test]
    fn a_refund_fills_the_oldest_rows_first_and_never_more_than_is_left() {
        let left = rows(&[300, 0, 500]);
        assert_eq!(split(&left, 200), Some(vec![("t0".into(), 200)]));
        assert_eq!(
            split(&left, 600),
            Some(vec![("t0".into(), 300), ("t2".into(), 300)])
        );
        assert_eq!(
            split(&left, 800),
            Some(vec![("t0".into(), 300), ("t2".into(), 500)])
        );
        assert_eq!(split(&left, 801), None);
        assert_eq!(split(&rows(&[0]), 1), None);
        assert_eq!(
            split(&rows(&[-100, 300]), 300),
            Some(vec![("t1".into(), 300)])
        );
        assert_eq!(split(&[], 1), None);
    }
}
