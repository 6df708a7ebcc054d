//! The freeze: a fraud report (`evidence::reports`) freezes money movement out of the wallet: new top-ups, payment codes and
//! payments at stores are refused until support lifts the freeze. History, disputes and reports
//! stay readable; money may still come in (a refund, a top-up the card network already took).
//!
//! The ledger is where the rule holds whatever the entry point: `wallet::ledger::post` refuses
//! any leg taking money out of a frozen wallet, under the same lock that orders postings. The
//! checks in the handlers only give an early, clear answer.

use crate::http::error::ApiError;
use axum::http::StatusCode;
use portal_api::error::ErrorCode;
use portal_api::evidence::Freeze;
use sqlx::AnyConnection;

/// The wallet's active freeze, if any.
pub async fn active(
    conn: &mut AnyConnection,
    account_id: &str,
) -> Result<Option<Freeze>, sqlx::Error> {
    let row: Option<(i64, String)> = sqlx::query_as(
        "SELECT frozen_at, report_id FROM wallet_freezes
         WHERE account_id = $1 AND lifted_at IS NULL
         ORDER BY frozen_at LIMIT 1",
    )
    .bind(account_id)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(since, report_id)| Freeze { since, report_id }))
}

/// Freezes the wallet for `report_id` (in the caller's transaction), unless it is frozen already,
/// and voids every payment code it has not used.
pub async fn freeze(
    conn: &mut AnyConnection,
    account_id: &str,
    report_id: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    if active(&mut *conn, account_id).await?.is_none() {
        sqlx::query(
            "INSERT INTO wallet_freezes (id, account_id, report_id, frozen_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(crate::token::id())
        .bind(account_id)
        .bind(report_id)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query(
        "UPDATE payment_codes SET voided_at = $1
         WHERE account_id = $2 AND used_at IS NULL AND voided_at IS NULL",
    )
    .bind(now)
    .bind(account_id)
    .execute(conn)
    .await?;
    Ok(())
}

pub fn frozen() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        ErrorCode::WalletFrozen,
        "The wallet is frozen by a fraud report: no money can leave it until support lifts the freeze.",
    )
}

/// Answers [`frozen`] when the customer's wallet is frozen.
pub async fn refuse_if_frozen(db: &crate::db::Db, account_id: &str) -> Result<(), ApiError> {
    let mut conn = db.pool.acquire().await?;
    match active(&mut conn, account_id).await? {
        Some(_) => Err(frozen()),
        None => Ok(()),
    }
}
