//! Deletes what has expired, so tables of short-lived rows stay small and the evidence store
//! keeps only screenshots a report or a dispute can still name.

use crate::db::Db;
use crate::evidence::store::EvidenceStore;
use std::sync::Arc;
use std::time::Duration;

pub fn start(
    db: Db,
    evidence: Arc<dyn EvidenceStore>,
    throttle_window: Duration,
    session_idle: Duration,
) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(600));
        loop {
            tick.tick().await;
            if let Err(e) = sweep(
                &db,
                throttle_window.as_secs() as i64,
                session_idle.as_secs() as i64,
            )
            .await
            {
                tracing::warn!(error = %e, "maintenance sweep failed");
            }
            let now = crate::clock::now();
            if let Err(e) = crate::evidence::uploads::sweep_unattached(&db, &evidence, now).await {
                tracing::warn!(error = %e, "sweep of unattached uploads failed");
            }
        }
    });
}

async fn sweep(db: &Db, window: i64, idle: i64) -> Result<(), sqlx::Error> {
    let now = crate::clock::now();
    sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2")
        .bind(now)
        .bind(now - idle)
        .execute(&db.pool)
        .await?;
    sqlx::query("DELETE FROM throttle_counters WHERE window_start < $1")
        .bind(now - window)
        .execute(&db.pool)
        .await?;
    crate::identity::attempts::sweep(db, now).await?;
    for table in [
        "email_verifications",
        "password_resets",
        "pending_sign_ins",
        "email_changes",
        "payment_codes",
    ] {
        sqlx::query(&format!("DELETE FROM {table} WHERE expires_at <= $1"))
            .bind(now)
            .execute(&db.pool)
            .await?;
    }
    Ok(())
}
