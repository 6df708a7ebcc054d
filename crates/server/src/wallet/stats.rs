//! Spending per calendar month for the history chart: completed payments less completed refunds,
//! in the wallet's currency, months cut at local midnight in the offset the page gives.

use super::parse_enum;
use crate::clock::{civil_from_days, days_from_civil};
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

    // One range read over the whole span; each row is put in its month by a CASE on the bounds.
    let mut case = String::from("CASE");
    for (i, (_, _, _, until)) in months.iter().enumerate() {
        case.push_str(&format!(" WHEN created_at < {until} THEN {i}"));
    }
    case.push_str(" END");
    let sql = format!(
        "SELECT {case} AS month, COALESCE(CAST(SUM(amount_minor) AS BIGINT), 0) AS total
         FROM wallet_transactions
         WHERE account_id = $1 AND currency = $2 AND status = 'completed'
           AND kind IN ('payment', 'refund') AND created_at >= $3 AND created_at < $4
         GROUP BY {case}"
    );
    let rows = sqlx::query(&sql)
        .bind(account_id)
        .bind(super::enum_str(&currency))
        .bind(months[0].2)
        .bind(months[months.len() - 1].3)
        .fetch_all(&state.db.pool)
        .await?;
    let mut totals = vec![0i64; months.len()];
    for row in rows {
        let month: i64 = row.try_get::<i64, _>("month")?;
        let total: i64 = row.try_get("total")?;
        if let Some(slot) = usize::try_from(month).ok().and_then(|m| totals.get_mut(m)) {
            // Payments are negative from the customer's side; spending is their size.
            *slot = total.saturating_neg();
        }
    }
    Ok(axum::Json(MonthlySpending {
        months: months
            .iter()
            .zip(totals)
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
