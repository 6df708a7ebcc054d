//! Spending per calendar month for the history chart: completed payments less completed refunds,
//! in the wallet's currency, months cut at local midnight in the offset the page gives.
//!
//! Read from `wallet_spending_days` (migration 15: the same sums per UTC day, kept by triggers)
//! for the whole UTC days of each month, and from the rows for the rest. A local month begins at
//! UTC midnight only at offset 0; at any other offset (in whole minutes) each boundary cuts a UTC
//! day in two, and the pieces either side, less than a day each, are summed from the rows and put
//! in their months. So every second of a month is counted once, from one place or the other, and
//! the answer is the plain sum over the rows whatever the offset, for about 400 daily rows and a
//! day of rows per month instead of a year of rows.

use crate::clock::{civil_from_days, days_from_civil};
use crate::db::codec::parse_enum;
use crate::db::Db;
use crate::http::error::ApiResult;
use crate::http::query::{filter_invalid, Query};
use crate::identity::session::SignedIn;
use crate::AppState;
use axum::extract::State;
use portal_api::error::ErrorBody;
use portal_api::money::{Currency, Money};
use portal_api::wallet::{MonthTotal, MonthlySpending, SpendingQuery};
use sqlx::Row;

pub const DEFAULT_MONTHS: u32 = 12;
pub const MAX_MONTHS: u32 = 24;
/// UTC-14:00 to UTC+14:00, the widest offsets in use.
pub const MAX_OFFSET_MINUTES: i32 = 14 * 60;
const DAY: i64 = 86_400;

/// The calendar months the chart shows: `(year, month, first second, first second of the next)`,
/// oldest first, the last one holding `now`.
pub fn months(now: i64, count: u32, utc_offset_minutes: i32) -> Vec<(i64, u32, i64, i64)> {
    let offset = i64::from(utc_offset_minutes) * 60;
    let (year, month, _) = civil_from_days((now + offset).div_euclid(86_400));
    // Months counted from year 0, so stepping back and forth is plain arithmetic.
    let current = year * 12 + i64::from(month) - 1;
    let start = |index: i64| {
        let (y, m) = (index.div_euclid(12), index.rem_euclid(12) as u32 + 1);
        (y, m, days_from_civil(y, m, 1) * 86_400 - offset)
    };
    (current - i64::from(count) + 1..=current)
        .map(|index| {
            let (y, m, from) = start(index);
            let (_, _, until) = start(index + 1);
            (y, m, from, until)
        })
        .collect()
}

/// The wallet's currency: that of the customer's ledger account, or yen before they have one.
pub async fn wallet_currency(db: &Db, account_id: &str) -> Result<Currency, sqlx::Error> {
    let row: Option<(String,)> = sqlx::query_as(
        "SELECT currency FROM ledger_accounts WHERE owner_id = $1 ORDER BY created_at LIMIT 1",
    )
    .bind(account_id)
    .fetch_optional(&db.pool)
    .await?;
    match row {
        Some((code,)) => parse_enum(&code),
        None => Ok(Currency::JPY),
    }
}

/// Spending per calendar month, oldest first, every month present (zero when nothing was spent):
/// completed payments less completed refunds, in the wallet's currency. Months begin at local
/// midnight in `utc_offset_minutes` (Japan: 540).
#[utoipa::path(get, path = "/api/transactions/stats", operation_id = "transaction_stats", tag = "wallet",
    params(SpendingQuery),
    responses(
        (status = 200, description = "Spending per month, oldest first", body = MonthlySpending),
        (status = 400, description = "An unknown parameter, a value of the wrong type, months outside 1 to 24 or an offset outside -840 to 840 (`filter_invalid`)", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ))]
pub async fn transaction_stats(
    State(state): State<AppState>,
    me: SignedIn,
    Query(q): Query<SpendingQuery>,
) -> ApiResult<axum::Json<MonthlySpending>> {
    let count = q.months.unwrap_or(DEFAULT_MONTHS);
    if !(1..=MAX_MONTHS).contains(&count) {
        return Err(filter_invalid(
            Some("months"),
            format!("months must be 1 to {MAX_MONTHS}."),
        ));
    }
    let offset = q.utc_offset_minutes.unwrap_or(0);
    if !(-MAX_OFFSET_MINUTES..=MAX_OFFSET_MINUTES).contains(&offset) {
        return Err(filter_invalid(
            Some("utc_offset_minutes"),
            format!("utc_offset_minutes must be -{MAX_OFFSET_MINUTES} to {MAX_OFFSET_MINUTES}."),
        ));
    }
    let account_id = &me.account.id;
    let currency = wallet_currency(&state.db, account_id).await?;
    let months = months(crate::clock::now(), count, offset);
    let sums = month_sums(&state.db, account_id, currency, &months).await?;
    Ok(axum::Json(MonthlySpending {
        months: months
            .iter()
            // Payments are negative from the customer's side; spending is their size.
            .zip(sums.into_iter().map(i64::saturating_neg))
            .map(|((year, month, _, _), spent)| MonthTotal {
                month: format!("{year:04}-{month:02}"),
                spent: Money {
                    minor: spent,
                    currency,
                },
            })
            .collect(),
    }))
}

/// The sum of `amount_minor` of the wallet's completed payments and refunds in `currency` created
/// in each of `months` (those of [`months`]: consecutive, each longer than a day).
pub async fn month_sums(
    db: &Db,
    account_id: &str,
    currency: Currency,
    months: &[(i64, u32, i64, i64)],
) -> Result<Vec<i64>, sqlx::Error> {
    let currency = crate::db::codec::enum_str(&currency);
    let mut sums = vec![0i64; months.len()];
    // Each month's whole UTC days: from the first midnight in it to the last.
    let whole: Vec<(i64, i64)> = months
        .iter()
        .map(|&(_, _, from, until)| {
            (
                from + (-from).rem_euclid(DAY),
                until - until.rem_euclid(DAY),
            )
        })
        .collect();
    let days: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT day_start, amount_minor FROM wallet_spending_days
         WHERE account_id = $1 AND currency = $2 AND day_start >= $3 AND day_start < $4",
    )
    .bind(account_id)
    .bind(&currency)
    .bind(whole[0].0)
    .bind(whole[whole.len() - 1].1)
    .fetch_all(&db.pool)
    .await?;
    for (day, amount) in days {
        // A day cut by a month's boundary is in no month's whole days: its rows are read below.
        if let Some(i) = whole.iter().position(|&(a, b)| a <= day && day < b) {
            sums[i] += amount;
        }
    }

    // The rest of each month, before its first midnight and after its last: one index range each,
    // summed on its own (a UNION ALL of plain range sums, which no planner reads another way).
    let mut pieces = Vec::new();
    for (i, (&(_, _, from, until), &(first, last))) in months.iter().zip(&whole).enumerate() {
        for (a, b) in [(from, first), (last, until)] {
            if a < b {
                pieces.push(format!(
                    "SELECT {i} AS month, COALESCE(CAST(SUM(amount_minor) AS BIGINT), 0) AS total
                     FROM wallet_transactions
                     WHERE account_id = $1 AND status = 'completed' AND created_at >= {a}
                       AND created_at < {b} AND currency = $2 AND kind IN ('payment', 'refund')"
                ));
            }
        }
    }
    if pieces.is_empty() {
        return Ok(sums);
    }
    let rows = sqlx::query(&pieces.join(" UNION ALL "))
        .bind(account_id)
        .bind(&currency)
        .fetch_all(&db.pool)
        .await?;
    for row in rows {
        let month: i64 = row.try_get("month")?;
        let total: i64 = row.try_get("total")?;
        if let Some(slot) = usize::try_from(month).ok().and_then(|m| sums.get_mut(m)) {
            *slot += total;
        }
    }
    Ok(sums)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_end_at_local_midnight() {
        // 2026-01-31T15:30:00Z is already February in Japan (UTC+9).
        let now = days_from_civil(2026, 1, 31) * 86_400 + 15 * 3600 + 1800;
        let utc = months(now, 3, 0);
        assert_eq!(
            utc.iter().map(|m| (m.0, m.1)).collect::<Vec<_>>(),
            [(2025, 11), (2025, 12), (2026, 1)]
        );
        let tokyo = months(now, 2, 540);
        assert_eq!(
            tokyo.iter().map(|m| (m.0, m.1)).collect::<Vec<_>>(),
            [(2026, 1), (2026, 2)]
        );
        // February in Tokyo starts at 2026-01-31T15:00:00Z.
        assert_eq!(
            tokyo[1].2,
            days_from_civil(2026, 1, 31) * 86_400 + 15 * 3600
        );
        assert_eq!(tokyo[0].3, tokyo[1].2);
        // Honolulu (UTC-10): the month starts ten hours after UTC midnight.
        let hnl = months(now, 1, -600);
        assert_eq!((hnl[0].0, hnl[0].1), (2026, 1));
        assert_eq!(hnl[0].2, days_from_civil(2026, 1, 1) * 86_400 + 10 * 3600);
        assert_eq!(hnl[0].3, days_from_civil(2026, 2, 1) * 86_400 + 10 * 3600);
        // Two years back crosses year ends.
        let long = months(now, 24, 0);
        assert_eq!((long[0].0, long[0].1), (2024, 2));
        assert!(long.windows(2).all(|w| w[0].3 == w[1].2));
    }
}
