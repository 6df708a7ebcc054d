//! The history a fraud report seals: every row of the last [`SNAPSHOT_DAYS`] days and every
//! reported row however old, as `history.json` and `history.csv` in the evidence store.

use crate::evidence::chain::{FileRef, Snapshot};
use crate::evidence::store::StoredFile;
use crate::evidence::uploads;
use crate::http::error::ApiError;
use crate::wallet::csv;
use crate::wallet::history::{self, HistoryRow};
use crate::wallet::ledger::TxError;
use crate::AppState;
use portal_api::evidence::SNAPSHOT_DAYS;
use portal_api::wallet::Transaction;
use serde::Serialize;
use sqlx::AnyConnection;

/// The history sealed with a report, as `history.json` holds it.
#[derive(Serialize)]
struct SnapshotFile<'a> {
    format: &'static str,
    report: &'a str,
    taken_at: i64,
    from: i64,
    to: i64,
    transactions: &'a [Transaction],
}

/// Takes the snapshot on the report's transaction, after it locked the wallet: the rows read are
/// then exactly those the wallet holds when it freezes (wallet::ledger::post waits on that lock).
pub async fn take(
    state: &AppState,
    conn: &mut AnyConnection,
    account_id: &str,
    report: &str,
    reported: &[HistoryRow],
    now: i64,
) -> Result<Snapshot, TxError> {
    let from = now - SNAPSHOT_DAYS * 86_400;
    let mut rows = history::since(&mut *conn, account_id, from).await?;
    rows.extend(reported.iter().filter(|r| r.created_at < from).cloned());
    rows.sort_by(|a, b| (b.created_at, &b.id).cmp(&(a.created_at, &a.id)));
    let transactions = history::with_disputes(&state.db, account_id, rows).await?;
    let json = serde_json::to_string_pretty(&SnapshotFile {
        format: "mamoru-history-snapshot/1",
        report,
        taken_at: now,
        from,
        to: now,
        transactions: &transactions,
    })
    .map_err(|e| TxError::Api(ApiError::internal(e)))?
        + "\n";
    let csv_text = csv::header() + &csv::rows(&transactions);
    let json_file = put(state, json.into_bytes()).await?;
    let csv_file = put(state, csv_text.into_bytes()).await?;
    uploads::record_file(&mut *conn, &json_file, now).await?;
    uploads::record_file(&mut *conn, &csv_file, now).await?;
    Ok(Snapshot {
        from,
        to: now,
        rows: transactions.len() as u64,
        json: file_ref("history.json", &json_file),
        csv: file_ref("history.csv", &csv_file),
    })
}

/// Stores `bytes` in the evidence store (off the async threads).
async fn put(state: &AppState, bytes: Vec<u8>) -> Result<StoredFile, TxError> {
    let store = state.evidence.clone();
    tokio::task::spawn_blocking(move || store.put(&bytes))
        .await
        .map_err(|e| TxError::Api(ApiError::internal(e)))?
        .map_err(|e| TxError::Api(ApiError::internal(format!("evidence store: {e}"))))
}

fn file_ref(path: &str, file: &StoredFile) -> FileRef {
    FileRef {
        path: path.to_owned(),
        sha256: file.sha256.clone(),
        size: file.size,
    }
}
