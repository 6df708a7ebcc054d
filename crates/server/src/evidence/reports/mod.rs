//! Fraud reports (docs/threat-model.md#t11): the customer names the transactions they do not
//! recognise, says what happened and attaches screenshots. In one database transaction the wallet
//! is frozen, the history is sealed (a snapshot of at least the last 180 days and every reported
//! row, stored by content) and the manifest becomes entry 1 of the report's evidence chain. Nothing
//! is hidden: history, disputes, reports and their evidence stay readable.

mod add_evidence;
mod snapshot;
mod submit;
mod table;

pub use submit::create;

use crate::db::codec::enum_str;
use crate::db::codec::plausible_id;
use crate::evidence::chain::{self, FileRef, SealedScreenshot};
use crate::evidence::uploads::{self, Case};
use crate::http::error::{ApiError, ApiResult};
use crate::http::json::Json;
use crate::http::query::{NoParams, Query};
use crate::identity::session::SignedIn;
use crate::wallet::history;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use portal_api::error::{ErrorBody, ErrorCode};
use portal_api::evidence::{
    AddEvidenceRequest, CreateFraudReportRequest, FraudReport, ReportEvent, Screenshot,
    REPORT_TEXT_MAX_CHARS,
};

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

/// The bundle path of the n-th screenshot of a report (1-based, in attach order).
fn screenshot_path(n: usize, s: &Screenshot) -> String {
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
    add_evidence::add(&state, account_id, &id, note.as_deref(), &req.screenshots).await?;
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

/// The customer's reports (or the one with id `only`), newest first, complete.
pub async fn load(
    state: &AppState,
    account_id: &str,
    only: Option<&str>,
) -> ApiResult<Vec<FraudReport>> {
    let mut conn = state.db.pool.acquire().await?;
    let mut out = Vec::new();
    for row in table::rows(&mut conn, account_id, only).await? {
        let ids = table::transaction_ids(&mut conn, &row.id).await?;
        let mut reported = Vec::with_capacity(ids.len());
        for id in &ids {
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
