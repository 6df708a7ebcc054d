//! The SQL of fraud reports: the `fraud_reports` row and the transactions it names.

use crate::db::codec::parse_enum;
use portal_api::wallet::DisputeStatus;
use sqlx::{AnyConnection, Row};

/// A report row as stored.
pub struct ReportRow {
    pub id: String,
    pub description: String,
    pub status: DisputeStatus,
    pub manifest_sha256: String,
    pub snapshot_rows: i64,
    pub created_at: i64,
}

/// A new report, submitted; its manifest is written by [`set_sealed`] in the same transaction.
pub async fn insert(
    conn: &mut AnyConnection,
    id: &str,
    account_id: &str,
    description: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO fraud_reports (id, account_id, description, status, manifest_sha256, snapshot_rows, created_at, updated_at, created_micros)
         VALUES ($1, $2, $3, 'submitted', '', 0, $4, $4, $5)",
    )
    .bind(id)
    .bind(account_id)
    .bind(description)
    .bind(now)
    .bind(crate::clock::now_micros())
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn insert_transactions(
    conn: &mut AnyConnection,
    id: &str,
    transaction_ids: &[&str],
) -> Result<(), sqlx::Error> {
    for transaction_id in transaction_ids {
        sqlx::query(
            "INSERT INTO fraud_report_transactions (report_id, transaction_id) VALUES ($1, $2)",
        )
        .bind(id)
        .bind(transaction_id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Records the sealed manifest's hash and how many rows its snapshot holds.
pub async fn set_sealed(
    conn: &mut AnyConnection,
    id: &str,
    manifest_sha256: &str,
    snapshot_rows: usize,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE fraud_reports SET manifest_sha256 = $1, snapshot_rows = $2 WHERE id = $3")
        .bind(manifest_sha256)
        .bind(snapshot_rows as i64)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Marks the customer's report changed and answers its status; `None` when `account_id` has no
/// report `id`. A write first, so that SQLite takes its lock before anything is read.
pub async fn touch(
    conn: &mut AnyConnection,
    id: &str,
    account_id: &str,
    now: i64,
) -> Result<Option<DisputeStatus>, sqlx::Error> {
    let status: Option<(String,)> = sqlx::query_as(
        "UPDATE fraud_reports SET updated_at = $1 WHERE id = $2 AND account_id = $3 RETURNING status",
    )
    .bind(now)
    .bind(id)
    .bind(account_id)
    .fetch_optional(conn)
    .await?;
    status.map(|(s,)| parse_enum(&s)).transpose()
}

/// The customer's reports (or the one with id `only`), newest first.
pub async fn rows(
    conn: &mut AnyConnection,
    account_id: &str,
    only: Option<&str>,
) -> Result<Vec<ReportRow>, sqlx::Error> {
    let mut text = String::from(
        "SELECT id, description, status, manifest_sha256, snapshot_rows, created_at
         FROM fraud_reports WHERE account_id = $1",
    );
    if only.is_some() {
        text.push_str(" AND id = $2");
    }
    text.push_str(" ORDER BY created_micros DESC");
    let mut q = sqlx::query(&text).bind(account_id);
    if let Some(id) = only {
        q = q.bind(id);
    }
    q.fetch_all(conn)
        .await?
        .iter()
        .map(|r| {
            Ok(ReportRow {
                id: r.try_get("id")?,
                description: r.try_get("description")?,
                status: parse_enum(&r.try_get::<String, _>("status")?)?,
                manifest_sha256: r.try_get("manifest_sha256")?,
                snapshot_rows: r.try_get("snapshot_rows")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect()
}

/// The ids of the transactions a report names.
pub async fn transaction_ids(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Vec<String>, sqlx::Error> {
    let ids: Vec<(String,)> =
        sqlx::query_as("SELECT transaction_id FROM fraud_report_transactions WHERE report_id = $1")
            .bind(id)
            .fetch_all(conn)
            .await?;
    Ok(ids.into_iter().map(|(id,)| id).collect())
}
