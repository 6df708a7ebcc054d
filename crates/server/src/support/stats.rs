//! The support console's chart of the hourly event counts (`crate::events`) over the last week,
//! and whether new cases now are a spike (docs/threat-model.md#t12, #t14): it reads 168 rows per
//! kind, at any size of store.

use super::agent::Agent;
use super::audit::{self, Event};
use crate::events::{
    DISPUTE, FRAUD_REPORT, HOUR, NEW_DEVICE_SIGN_IN, PASSWORD_RESET, SIGN_IN_FAILURE, TOP_UP,
};
use crate::http::error::ApiResult;
use crate::http::query::{NoParams, Query};
use crate::AppState;
use axum::extract::State;
use portal_api::agent::{CaseStats, HourCount, STATS_HOURS};
use portal_api::error::ErrorBody;
use std::collections::HashMap;

/// The current hour is a spike at this many times the usual number of new cases per hour…
const SPIKE_FACTOR: f64 = 3.0;
/// …and at least this many, so that a quiet queue's second case of the hour is not one.
const SPIKE_MIN: u64 = 5;

/// Whether `current` new cases this hour are well above `usual` per hour.
pub fn is_spike(current: u64, usual: f64) -> bool {
    current >= SPIKE_MIN && current as f64 >= SPIKE_FACTOR * usual
}

/// New cases and the other counts per hour over the last 7 days, the usual level and whether
/// the current hour is a spike, and how many cases are open and overdue.
#[utoipa::path(get, path = "/api/agent/stats", operation_id = "agent_case_stats", tag = "support",
    responses(
        (status = 200, description = "Counts per hour, oldest first, the current hour last", body = CaseStats),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an agent (`not_permitted`), or two-step verification is off (`agent_two_step_required`)", body = ErrorBody),
    ))]
pub async fn agent_case_stats(
    State(state): State<AppState>,
    agent: Agent,
    _: Query<NoParams>,
) -> ApiResult<axum::Json<CaseStats>> {
    let now = crate::clock::now();
    let current = now - now.rem_euclid(HOUR);
    let first = current - (STATS_HOURS as i64 - 1) * HOUR;
    // The counts are of no one customer, but reading them is still an agent's act on record.
    audit::record_view(
        &state.db,
        &agent.actor(),
        Event {
            action: "view_stats",
            customer_id: None,
            case_id: None,
            detail: serde_json::Value::Null,
        },
    )
    .await?;
    let rows: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT hour, kind, count FROM event_counts WHERE hour >= $1 AND hour <= $2",
    )
    .bind(first - HOUR * STATS_HOURS as i64)
    .bind(current)
    .fetch_all(&state.db.pool)
    .await?;
    let mut by_hour: HashMap<i64, HourCount> = HashMap::new();
    for (hour, kind, n) in rows {
        let h = by_hour.entry(hour).or_insert_with(|| empty(hour));
        let n = u64::try_from(n).unwrap_or(0);
        match kind.as_str() {
            DISPUTE => h.disputes = n,
            FRAUD_REPORT => h.fraud_reports = n,
            SIGN_IN_FAILURE => h.sign_in_failures = n,
            NEW_DEVICE_SIGN_IN => h.new_device_sign_ins = n,
            PASSWORD_RESET => h.password_resets = n,
            TOP_UP => h.top_ups = n,
            _ => {}
        }
    }
    let cases = |hour: i64| {
        by_hour
            .get(&hour)
            .map_or(0, |h| h.disputes + h.fraud_reports)
    };
    // The usual level: the 7 days before the current hour.
    let before: u64 = (1..=STATS_HOURS as i64)
        .map(|k| cases(current - k * HOUR))
        .sum();
    let usual_per_hour = before as f64 / STATS_HOURS as f64;
    let spike = is_spike(cases(current), usual_per_hour);
    let hours = (0..STATS_HOURS as i64)
        .map(|k| {
            let hour = first + k * HOUR;
            by_hour.remove(&hour).unwrap_or_else(|| empty(hour))
        })
        .collect();
    let target = state.config.support.case_target.as_secs() as i64;
    let (open,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM cases WHERE is_open = 1")
        .fetch_one(&state.db.pool)
        .await?;
    let (overdue,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM cases WHERE is_open = 1 AND created_at < $1")
            .bind(now - target)
            .fetch_one(&state.db.pool)
            .await?;
    Ok(axum::Json(CaseStats {
        hours,
        usual_per_hour,
        spike,
        open: u64::try_from(open).unwrap_or(0),
        overdue: u64::try_from(overdue).unwrap_or(0),
    }))
}

fn empty(hour: i64) -> HourCount {
    HourCount {
        hour,
        disputes: 0,
        fraud_reports: 0,
        sign_in_failures: 0,
        new_device_sign_ins: 0,
        password_resets: 0,
        top_ups: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spike_is_well_above_the_usual_and_not_a_handful() {
        assert!(!is_spike(4, 0.0), "four cases in a quiet week's hour");
        assert!(is_spike(5, 0.0));
        assert!(is_spike(30, 10.0));
        assert!(!is_spike(29, 10.0));
    }
}
