//! Fraud reports (docs/threat-model.md#t11): the customer names the transactions they do not
//! recognise, says what happened and attaches screenshots. In one database transaction the wallet
//! is frozen, the history is sealed (a snapshot of at least the last 180 days and every reported
//! row, stored by content) and the manifest becomes entry 1 of the report's evidence chain. Nothing
//! is hidden: history, disputes, reports and their evidence stay readable.

use super::chain::{self, FileRef, SealedScreenshot};
use super::store::StoredFile;
use super::uploads::{self, Case};
use crate::db::codec::{enum_str, parse_enum};
use crate::http::error::{ApiError, ApiResult};
use crate::http::json::Json;
use crate::http::query::{NoParams, Query};
use crate::identity::accounts::Account;
use crate::identity::session::SignedIn;
use crate::mail::templates;
use crate::wallet::disputes::plausible_id;
use crate::wallet::history::{self, HistoryRow, ROW_COLUMNS};
use crate::wallet::ledger::{self, TxError, WALLET};
use crate::wallet::{csv, WALLET_CURRENCY};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use portal_api::error::{ErrorBody, ErrorCode};
use portal_api::evidence::{
    AddEvidenceRequest, CreateFraudReportRequest, FraudReport, ReportEvent, ReportEventKind,
    ReportText, Screenshot, REPORT_TEXT_MAX_CHARS, REPORT_TRANSACTIONS_MAX, SNAPSHOT_DAYS,
};
use portal_api::wallet::{DisputeStatus, Transaction};
use serde::Serialize;
use sqlx::{AnyConnection, Row};

/// A new report's id, which is also the number the customer quotes, e.g. `F-7KQ2-M9XA-4TRB`.
pub fn new_number() -> String {
    crate::wallet::disputes::case_number('F')
}

fn not_found(what: &str, field: Option<&'static str>) -> ApiError {
    ApiError {
        field,
        ..ApiError::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            format!("No such {what}."),
        )
    }
}

fn field_error(code: ErrorCode, field: &'static str, message: &str) -> ApiError {
    ApiError {
        field: Some(field),
        ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }
}

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

/// Reports fraud. Freezes money movement out of the wallet at once, in the same transaction that
/// stores the report, and seals the history and the screenshots. A transaction that refunds paid
/// back in full cannot be reported. The customer is mailed the
/// report's number and the sealed manifest's SHA-256.
#[utoipa::path(post, path = "/api/fraud-reports", operation_id = "create_fraud_report", tag = "evidence",
    request_body = CreateFraudReportRequest,
    responses(
        (status = 201, description = "The report; the wallet is frozen", body = FraudReport),
        (status = 400, description = "Malformed JSON or wrong types (`invalid_json`), or any query parameter (`filter_invalid`)", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "A transaction or screenshot that is not this customer's, or a screenshot attached already or expired (`not_found`, field `transaction_ids` or `screenshots`)", body = ErrorBody),
        (status = 409, description = "A transaction that refunds paid back in full already (`transaction_refunded`, field `transaction_ids`)", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 422, description = "No transactions or over 100 (`transactions_required`, `filter_invalid`), description empty, over 8,000 characters or with NUL (`details_required`, `details_too_long`, `details_invalid`), over 10 screenshots (`too_many_files`)", body = ErrorBody),
        (status = 503, description = "Busy; nothing was stored, try again", body = ErrorBody),
    ))]
pub async fn create_fraud_report(
    State(state): State<AppState>,
    me: SignedIn,
    _: Query<NoParams>,
    Json(req): Json<CreateFraudReportRequest>,
) -> ApiResult<(StatusCode, axum::Json<FraudReport>)> {
    let report = create(&state, &me.account, &req).await?;
    Ok((StatusCode::CREATED, axum::Json(report)))
}

/// [`create_fraud_report`] for `account` (also what `seed-demo` calls).
pub async fn create(
    state: &AppState,
    account: &Account,
    req: &CreateFraudReportRequest,
) -> ApiResult<FraudReport> {
    let description = ReportText::parse(&req.description, "description")?;
    let mut ids: Vec<&str> = Vec::new();
    for id in &req.transaction_ids {
        if !ids.contains(&id.as_str()) {
            ids.push(id);
        }
    }
    if ids.is_empty() {
        return Err(field_error(
            ErrorCode::TransactionsRequired,
            "transaction_ids",
            "Choose at least one transaction.",
        ));
    }
    if ids.len() > REPORT_TRANSACTIONS_MAX {
        return Err(field_error(
            ErrorCode::FilterInvalid,
            "transaction_ids",
            &format!("Report at most {REPORT_TRANSACTIONS_MAX} transactions at once."),
        ));
    }
    let mut reported: Vec<HistoryRow> = Vec::with_capacity(ids.len());
    for id in &ids {
        let row = match crate::db::codec::could_be_id(id) {
            true => history::find(&state.db, &account.id, id).await?,
            false => None,
        };
        reported.push(row.ok_or_else(|| not_found("transaction", Some("transaction_ids")))?);
    }
    let wallet_id = ledger::account_in(&state.db, WALLET, &account.id, WALLET_CURRENCY).await?;
    let number = new_number();
    let (state_ref, reported, description) = (state, &reported, &description);
    let (wallet_id, number_ref, screenshots) = (&wallet_id, &number, &req.screenshots);
    let (manifest_sha256, rows, shots) = ledger::retrying(|| async move {
        let now = crate::clock::now();
        let mut tx = state_ref.db.pool.begin().await?;
        // The wallet's lock first: a payment in flight either commits before (and is in the
        // snapshot) or waits and finds the wallet frozen (wallet::ledger::post).
        ledger::lock(&mut tx, state_ref.db.backend, wallet_id).await?;
        // Under the same lock that refunds take before they read what is left (support/actions.rs).
        for row in reported {
            if crate::wallet::refunds::left(&mut tx, &row.id).await? <= 0 {
                return Err(TxError::Api(ApiError {
                    message: format!(
                        "Transaction {} has been refunded in full already: leave it out.",
                        row.id
                    ),
                    ..crate::wallet::refunds::refunded_in_full(Some("transaction_ids"))
                }));
            }
        }
        sqlx::query(
            "INSERT INTO fraud_reports (id, account_id, description, status, manifest_sha256, snapshot_rows, created_at, updated_at, created_micros)
             VALUES ($1, $2, $3, 'submitted', '', 0, $4, $4, $5)",
        )
        .bind(number_ref)
        .bind(&account.id)
        .bind(description.as_str())
        .bind(now)
        .bind(crate::clock::now_micros())
        .execute(&mut *tx)
        .await?;
        crate::wallet::freeze::freeze(&mut tx, &account.id, number_ref, now).await?;
        for row in reported {
            sqlx::query(
                "INSERT INTO fraud_report_transactions (report_id, transaction_id) VALUES ($1, $2)",
            )
            .bind(number_ref)
            .bind(&row.id)
            .execute(&mut *tx)
            .await?;
        }
        let shots = uploads::attach(&mut tx, &account.id, screenshots, Case::Report(number_ref), now)
            .await?;
        let at_stake = portal_api::money::Money {
            minor: reported.iter().map(|r| r.amount.minor.abs()).sum(),
            currency: WALLET_CURRENCY,
        };
        crate::cases::open(
            &mut tx,
            number_ref,
            portal_api::agent::CaseKind::FraudReport,
            &account.id,
            at_stake,
            now,
        )
        .await?;

        let from = now - SNAPSHOT_DAYS * 86_400;
        let snapshot = snapshot_rows(&mut tx, &account.id, from, reported).await?;
        let transactions = history::with_disputes(&state_ref.db, &account.id, snapshot).await?;
        let json = serde_json::to_string_pretty(&SnapshotFile {
            format: "mamoru-history-snapshot/1",
            report: number_ref,
            taken_at: now,
            from,
            to: now,
            transactions: &transactions,
        })
        .map_err(|e| TxError::Api(ApiError::internal(e)))?
            + "\n";
        let csv_text = csv::header() + &csv::rows(&transactions);
        let json_file = put(state_ref, json.into_bytes()).await?;
        let csv_file = put(state_ref, csv_text.into_bytes()).await?;
        uploads::record_file(&mut tx, &json_file, now).await?;
        uploads::record_file(&mut tx, &csv_file, now).await?;

        let mut body = chain::body(
            number_ref,
            ReportEventKind::Submitted,
            now,
            "customer",
            DisputeStatus::Submitted,
        );
        body.sealed = Some(chain::Sealed {
            customer_email: account.email.clone(),
            description: description.as_str().to_owned(),
            reported_transactions: reported.iter().map(|r| r.id.clone()).collect(),
            wallet_frozen_at: now,
            snapshot: chain::Snapshot {
                from,
                to: now,
                rows: transactions.len() as u64,
                json: file_ref("history.json", &json_file),
                csv: file_ref("history.csv", &csv_file),
            },
        });
        body.screenshots = seal(&shots, 0);
        let manifest_sha256 = chain::append(&mut tx, body).await?;
        sqlx::query("UPDATE fraud_reports SET manifest_sha256 = $1, snapshot_rows = $2 WHERE id = $3")
            .bind(&manifest_sha256)
            .bind(transactions.len() as i64)
            .bind(number_ref)
            .execute(&mut *tx)
            .await?;
        let mail = templates::fraud_report_submitted(
            account.locale(),
            &account.email,
            &templates::ReportFacts {
                number: number_ref,
                at: now,
                transactions: reported.len(),
                screenshots: shots.len(),
                manifest_sha256: &manifest_sha256,
            },
            &format!("{}/wallet/fraud-reports/{number_ref}", state_ref.config.public_url.base),
        );
        state_ref.outbox.queue(&mut tx, &mail).await?;
        tx.commit().await?;
        Ok((manifest_sha256, transactions.len(), shots.len()))
    })
    .await?;
    state.outbox.wake();
    tracing::info!(report = %number, rows, screenshots = shots, manifest = %manifest_sha256, "fraud report sealed; wallet frozen");
    load(state, &account.id, Some(&number))
        .await?
        .pop()
        .ok_or_else(|| ApiError::internal("a report just made cannot be read"))
}

/// Every row of the wallet from `from` on, and every reported row however old, newest first.
async fn snapshot_rows(
    conn: &mut AnyConnection,
    account_id: &str,
    from: i64,
    reported: &[HistoryRow],
) -> Result<Vec<HistoryRow>, sqlx::Error> {
    let text = format!(
        "SELECT {ROW_COLUMNS} FROM wallet_transactions
         WHERE account_id = $1 AND created_at >= $2 ORDER BY created_at DESC, id DESC"
    );
    let rows = sqlx::query(&text)
        .bind(account_id)
        .bind(from)
        .fetch_all(conn)
        .await?;
    let mut out: Vec<HistoryRow> = rows
        .iter()
        .map(HistoryRow::from_row)
        .collect::<Result<_, _>>()?;
    out.extend(reported.iter().filter(|r| r.created_at < from).cloned());
    out.sort_by(|a, b| (b.created_at, &b.id).cmp(&(a.created_at, &a.id)));
    Ok(out)
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

/// The bundle path of the n-th screenshot of a report (1-based, in attach order).
pub fn screenshot_path(n: usize, s: &Screenshot) -> String {
    format!(
        "screenshots/{n:02}-{}.{}",
        &s.sha256[..12],
        s.format.extension()
    )
}

/// Screenshots as sealed; `before` of the report's screenshots came earlier.
fn seal(shots: &[Screenshot], before: usize) -> Vec<SealedScreenshot> {
    shots
        .iter()
        .enumerate()
        .map(|(i, s)| SealedScreenshot {
            id: s.id.clone(),
            name: s.name.clone(),
            format: enum_str(&s.format),
            width: s.width,
            height: s.height,
            file: FileRef {
                path: screenshot_path(before + i + 1, s),
                sha256: s.sha256.clone(),
                size: s.size,
            },
            original_sha256: s.original_sha256.clone(),
            uploaded_at: s.uploaded_at,
        })
        .collect()
}

/// Adds screenshots, a note or both to one of the customer's reports, as a new entry of its
/// chain. Nothing is replaced. A report waiting for more information goes back to review.
#[utoipa::path(post, path = "/api/fraud-reports/{id}/evidence", operation_id = "add_fraud_evidence", tag = "evidence",
    params(("id" = String, Path, description = "A report id (its number), e.g. F-7KQ2-M9XA-4TRB")),
    request_body = AddEvidenceRequest,
    responses(
        (status = 200, description = "The report with the new entry", body = FraudReport),
        (status = 400, description = "Malformed JSON or wrong types (`invalid_json`)", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such report of this customer, or a screenshot not waiting to be sent (field `screenshots`)", body = ErrorBody),
        (status = 422, description = "Nothing to add (`evidence_required`), a note empty, over 8,000 characters or with NUL (`details_*`, field `note`), or too many screenshots (`too_many_files`: 10 at once, 30 per report)", body = ErrorBody),
    ))]
pub async fn add_fraud_evidence(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    _: Query<NoParams>,
    Json(req): Json<AddEvidenceRequest>,
) -> ApiResult<axum::Json<FraudReport>> {
    let note = req.checked_note(REPORT_TEXT_MAX_CHARS)?;
    let account_id = &me.account.id;
    if !plausible_id(&id) {
        return Err(not_found("report", None));
    }
    let (id_ref, note_ref, screenshots) = (&id, &note, &req.screenshots);
    let state_ref = &state;
    ledger::retrying(|| async move {
        let now = crate::clock::now();
        let mut tx = state_ref.db.pool.begin().await?;
        // A write first (SQLite takes its lock here), and the report must be the customer's.
        let status: Option<(String,)> = sqlx::query_as(
            "UPDATE fraud_reports SET updated_at = $1 WHERE id = $2 AND account_id = $3 RETURNING status",
        )
        .bind(now)
        .bind(id_ref)
        .bind(account_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((status,)) = status else {
            return Err(TxError::Api(not_found("report", None)));
        };
        let status: DisputeStatus = parse_enum(&status)?;
        let (before, shots) =
            uploads::attach_more(&mut tx, account_id, screenshots, Case::Report(id_ref), now)
                .await?;
        let status = match status {
            DisputeStatus::MoreInfoNeeded => DisputeStatus::UnderReview,
            other => other,
        };
        let mut body = chain::body(id_ref, ReportEventKind::EvidenceAdded, now, "customer", status);
        body.note = note_ref.clone();
        body.screenshots = seal(&shots, before);
        chain::append(&mut tx, body).await?;
        tx.commit().await?;
        Ok(())
    })
    .await?;
    load(&state, account_id, Some(&id))
        .await?
        .pop()
        .map(axum::Json)
        .ok_or_else(|| ApiError::internal("a report just added to cannot be read"))
}

/// The customer's fraud reports, newest first, complete.
#[utoipa::path(get, path = "/api/fraud-reports", operation_id = "list_fraud_reports", tag = "evidence",
    responses(
        (status = 200, description = "The customer's reports, newest first", body = Vec<FraudReport>),
        (status = 400, description = "Any query parameter (`filter_invalid`)", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ))]
pub async fn list_fraud_reports(
    State(state): State<AppState>,
    me: SignedIn,
    _: Query<NoParams>,
) -> ApiResult<axum::Json<Vec<FraudReport>>> {
    Ok(axum::Json(load(&state, &me.account.id, None).await?))
}

/// One of the customer's fraud reports with its evidence and timeline.
#[utoipa::path(get, path = "/api/fraud-reports/{id}", operation_id = "get_fraud_report", tag = "evidence",
    params(("id" = String, Path, description = "A report id (its number), e.g. F-7KQ2-M9XA-4TRB")),
    responses(
        (status = 200, description = "The report", body = FraudReport),
        (status = 400, description = "Any query parameter (`filter_invalid`)", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such report of this customer: another customer's answers exactly like an unknown one", body = ErrorBody),
    ))]
pub async fn get_fraud_report(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    _: Query<NoParams>,
) -> ApiResult<axum::Json<FraudReport>> {
    find(&state, &me.account.id, &id).await.map(axum::Json)
}

/// One of the customer's reports, complete; another customer's is "not found" like an unknown id.
pub async fn find(state: &AppState, account_id: &str, id: &str) -> ApiResult<FraudReport> {
    if !plausible_id(id) {
        return Err(not_found("report", None));
    }
    load(state, account_id, Some(id))
        .await?
        .pop()
        .ok_or_else(|| not_found("report", None))
}

/// A report row as stored.
pub struct ReportRow {
    pub id: String,
    pub account_id: String,
    pub description: String,
    pub status: DisputeStatus,
    pub manifest_sha256: String,
    pub snapshot_rows: i64,
    pub created_at: i64,
}

/// The customer's reports (or the one with id `only`), newest first.
pub async fn rows(
    conn: &mut AnyConnection,
    account_id: &str,
    only: Option<&str>,
) -> Result<Vec<ReportRow>, sqlx::Error> {
    let mut text = String::from(
        "SELECT id, account_id, description, status, manifest_sha256, snapshot_rows, created_at
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
                account_id: r.try_get("account_id")?,
                description: r.try_get("description")?,
                status: parse_enum(&r.try_get::<String, _>("status")?)?,
                manifest_sha256: r.try_get("manifest_sha256")?,
                snapshot_rows: r.try_get("snapshot_rows")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect()
}

/// The customer's reports (or the one with id `only`), newest first, complete.
pub async fn load(
    state: &AppState,
    account_id: &str,
    only: Option<&str>,
) -> ApiResult<Vec<FraudReport>> {
    let mut conn = state.db.pool.acquire().await?;
    let mut out = Vec::new();
    for row in rows(&mut conn, account_id, only).await? {
        let ids: Vec<(String,)> = sqlx::query_as(
            "SELECT transaction_id FROM fraud_report_transactions WHERE report_id = $1",
        )
        .bind(&row.id)
        .fetch_all(&mut *conn)
        .await?;
        let mut reported = Vec::with_capacity(ids.len());
        for (id,) in &ids {
            if let Some(r) = history::find(&state.db, account_id, id).await? {
                reported.push(r);
            }
        }
        reported.sort_by(|a, b| (b.created_at, &b.id).cmp(&(a.created_at, &a.id)));
        let transactions = history::with_disputes(&state.db, account_id, reported).await?;
        let screenshots = uploads::attached(&mut conn, Case::Report(&row.id))
            .await?
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        let timeline = chain::entries(&mut conn, &row.id)
            .await?
            .iter()
            .map(event)
            .collect::<Result<_, _>>()?;
        out.push(FraudReport {
            bundle_url: format!("/api/fraud-reports/{}/bundle.zip", row.id),
            id: row.id,
            status: row.status,
            description: row.description,
            transactions,
            screenshots,
            created_at: row.created_at,
            manifest_sha256: row.manifest_sha256,
            snapshot_rows: row.snapshot_rows as u64,
            timeline,
        });
    }
    Ok(out)
}

fn event(entry: &chain::Stored) -> ApiResult<ReportEvent> {
    let body: chain::Body = serde_json::from_str(&entry.body)
        .map_err(|e| ApiError::internal(format!("evidence entry {}: {e}", entry.seq)))?;
    Ok(ReportEvent {
        seq: body.seq,
        kind: body.kind,
        at: body.at,
        status: body.status,
        note: body.note,
        screenshots: body.screenshots.into_iter().map(|s| s.id).collect(),
        sha256: entry.sha256.clone(),
    })
}
