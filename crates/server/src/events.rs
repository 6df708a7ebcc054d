//! Counts per hour of what shows an attack or a failure in progress
//! (docs/threat-model.md#t12, #t14): new disputes and fraud reports, sign-in failures, new-device
//! sign-ins, password resets, top-ups. Each is one upsert where it happens, by whichever domain
//! sees it; the support console's chart (`support::stats`) reads them back.

use crate::db::Db;
use sqlx::AnyConnection;

pub const DISPUTE: &str = "dispute";
pub const FRAUD_REPORT: &str = "fraud_report";
pub const SIGN_IN_FAILURE: &str = "sign_in_failure";
pub const NEW_DEVICE_SIGN_IN: &str = "new_device_sign_in";
pub const PASSWORD_RESET: &str = "password_reset";
pub const TOP_UP: &str = "top_up";

/// The counts' bucket, in seconds.
pub const HOUR: i64 = 3600;

/// Counts one `kind` event at `at`, in the caller's transaction.
pub async fn count(conn: &mut AnyConnection, kind: &str, at: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO event_counts (hour, kind, count) VALUES ($1, $2, 1)
         ON CONFLICT (hour, kind) DO UPDATE SET count = event_counts.count + 1",
    )
    .bind(at - at.rem_euclid(HOUR))
    .bind(kind)
    .execute(conn)
    .await?;
    Ok(())
}

/// Counts one event now, on its own. A count that fails is logged, never the caller's failure:
/// a sign-in must not fail because a counter could not be written.
pub async fn count_now(db: &Db, kind: &str) {
    let result = async {
        let mut conn = db.pool.acquire().await?;
        count(&mut conn, kind, crate::clock::now()).await
    }
    .await;
    if let Err(e) = result {
        tracing::warn!(error = %e, kind, "event count not written");
    }
}
