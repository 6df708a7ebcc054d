//! Disputes: a customer says a transaction of theirs is wrong, and always sees what happens to
//! that claim as a timeline (submitted, under review, more information needed, refunded,
//! declined with a reason). One open dispute per transaction, enforced by the database.
//!
//! Another customer's transaction or dispute is "not found", exactly like an id that never
//! existed: every query is scoped to the signed-in customer.

use super::uploads::{self, Case};
use crate::db::codec::{enum_str, parse_enum, plausible_id};
use crate::db::Db;
use crate::http::error::{ApiError, ApiResult};
use crate::http::json::Json;
use crate::http::query::{NoParams, Query};
use crate::identity::accounts::Account;
use crate::identity::session::SignedIn;
use crate::mail::templates;
use crate::wallet::history::{self, HistoryRow};
use crate::wallet::refunds;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use portal_api::error::{ErrorBody, ErrorCode, FieldError};
use portal_api::evidence::{AddEvidenceRequest, ReportEventKind};
use portal_api::wallet::{
    CreateDisputeRequest, Dispute, DisputeDetails, DisputeEvent, DisputeReason, DisputeStatus,
    DISPUTE_DETAILS_MAX_CHARS,
};
use sqlx::Row;
use std::collections::HashMap;

/// The statuses that keep a dispute open; the partial unique index `disputes_one_open` lists
/// the same ones.
const OPEN_STATUSES_SQL: &str = "('submitted', 'under_review', 'more_info_needed')";

/// A new dispute's id, which is also the number the customer quotes, e.g. `D-7KQ2-M9XA-4TRB`.
pub fn new_number() -> String {
    crate::cases::number('D')
}

/// Dispute one of the customer's own transactions, unless refunds paid it back in full already.
/// The details are stored exactly as typed. The customer is mailed the dispute's number.
#[utoipa::path(post, path = "/api/transactions/{id}/disputes", operation_id = "create_dispute", tag = "wallet",
    params(("id" = String, Path, description = "A transaction id from list_transactions")),
    request_body = CreateDisputeRequest,
    responses(
        (status = 201, description = "The dispute, submitted", body = Dispute),
        (status = 400, description = "Malformed JSON or wrong types (`invalid_json`), or any query parameter (`filter_invalid`)", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such transaction of this customer, or a screenshot not waiting to be sent (field `screenshots`)", body = ErrorBody),
        (status = 409, description = "The transaction already has an open dispute (`dispute_exists`), or refunds paid it back in full (`transaction_refunded`)", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 422, description = "Details empty, over 4,000 characters, or containing NUL (`details_required`, `details_too_long`, `details_invalid`), or over 10 screenshots (`too_many_files`)", body = ErrorBody),
    ))]
pub async fn create_dispute(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    _: Query<NoParams>,
    Json(req): Json<CreateDisputeRequest>,
) -> ApiResult<(StatusCode, axum::Json<Dispute>)> {
    let dispute = create(&state, &me.account, &id, &req).await?;
    Ok((StatusCode::CREATED, axum::Json(dispute)))
}

/// [`create_dispute`] for `account` (also what `seed-demo` calls).
pub async fn create(
    state: &AppState,
    account: &Account,
    id: &str,
    req: &CreateDisputeRequest,
) -> ApiResult<Dispute> {
    let details = DisputeDetails::parse(&req.details)?;
    if !plausible_id(id) {
        return Err(ApiError::not_found("transaction"));
    }
    let transaction = history::find(&state.db, &account.id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("transaction"))?;
    // A read before the insert is enough here: refunds check the same sum again, under the
    // wallet's lock, before any money moves (support/actions.rs).
    let mut conn = state.db.pool.acquire().await?;
    if refunds::left(&mut conn, &transaction.id).await? <= 0 {
        return Err(refunds::refunded_in_full(None));
    }
    drop(conn);

    let number = new_number();
    let now = crate::clock::now();
    let mut tx = state.db.pool.begin().await?;
    // The insert is the check: the partial unique index lets only one open dispute exist per
    // transaction, however many requests race.
    let inserted: Option<(String,)> = sqlx::query_as(
        "INSERT INTO disputes (id, account_id, transaction_id, reason, details, status, created_at, updated_at, created_micros)
         VALUES ($1, $2, $3, $4, $5, 'submitted', $6, $6, $7)
         ON CONFLICT DO NOTHING
         RETURNING id",
    )
    .bind(&number)
    .bind(&account.id)
    .bind(&transaction.id)
    .bind(enum_str(&req.reason))
    .bind(details.as_str())
    .bind(now)
    .bind(crate::clock::now_micros())
    .fetch_optional(&mut *tx)
    .await?;
    if inserted.is_none() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::DisputeExists,
            "This transaction already has an open dispute.",
        ));
    }
    sqlx::query(
        "INSERT INTO dispute_events (dispute_id, seq, kind, status, note, created_at)
         VALUES ($1, 1, 'submitted', 'submitted', NULL, $2)",
    )
    .bind(&number)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    uploads::attach(
        &mut tx,
        &account.id,
        &req.screenshots,
        Case::Dispute(&number),
        now,
    )
    .await?;
    attached_by_step(&mut tx, &number, 1).await?;
    crate::cases::open(
        &mut tx,
        &number,
        portal_api::agent::CaseKind::Dispute,
        &account.id,
        transaction.amount,
        now,
    )
    .await?;
    let mail = templates::dispute_submitted(
        account.locale(),
        &account.email,
        &templates::DisputeFacts {
            number: &number,
            amount: transaction.amount,
            merchant: transaction.merchant.as_deref(),
            at: transaction.created_at,
        },
        &format!("{}/wallet/disputes/{number}", state.config.public_url.base),
    );
    state.outbox.queue(&mut tx, &mail).await?;
    tx.commit().await?;
    state.outbox.wake();

    load(&state.db, &account.id, Some(&number))
        .await?
        .pop()
        .ok_or_else(|| ApiError::internal("a dispute just created cannot be read"))
}

/// The customer's disputes, newest first, each with its transaction and timeline.
#[utoipa::path(get, path = "/api/disputes", operation_id = "list_disputes", tag = "wallet",
    responses(
        (status = 200, description = "The customer's disputes, newest first", body = Vec<Dispute>),
        (status = 400, description = "Any query parameter: there are no filters (`filter_invalid`)", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ))]
pub async fn list_disputes(
    State(state): State<AppState>,
    me: SignedIn,
    _: Query<NoParams>,
) -> ApiResult<axum::Json<Vec<Dispute>>> {
    Ok(axum::Json(load(&state.db, &me.account.id, None).await?))
}

/// One of the customer's disputes with its timeline, oldest event first.
#[utoipa::path(get, path = "/api/disputes/{id}", operation_id = "get_dispute", tag = "wallet",
    params(("id" = String, Path, description = "A dispute id (its number), e.g. D-7KQ2-M9XA-4TRB")),
    responses(
        (status = 200, description = "The dispute", body = Dispute),
        (status = 400, description = "Any query parameter (`filter_invalid`)", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such dispute of this customer", body = ErrorBody),
    ))]
pub async fn get_dispute(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    _: Query<NoParams>,
) -> ApiResult<axum::Json<Dispute>> {
    if !plausible_id(&id) {
        return Err(ApiError::not_found("dispute"));
    }
    load(&state.db, &me.account.id, Some(&id))
        .await?
        .pop()
        .map(axum::Json)
        .ok_or_else(|| ApiError::not_found("dispute"))
}

fn info_not_requested() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        ErrorCode::InfoNotRequested,
        "Support has not asked for more information on this dispute: there is nothing to answer.",
    )
}

/// Answers support's question on one of the customer's disputes with a note, screenshots or
/// both: a new step of its timeline (nothing is replaced), the same addition a fraud report takes
/// (`add_fraud_evidence`). Only while support waits for the customer (`more_info_needed`); the
/// dispute goes back to review.
#[utoipa::path(post, path = "/api/disputes/{id}/evidence", operation_id = "add_dispute_evidence", tag = "wallet",
    params(("id" = String, Path, description = "A dispute id (its number), e.g. D-7KQ2-M9XA-4TRB")),
    request_body = AddEvidenceRequest,
    responses(
        (status = 200, description = "The dispute, under review again, with the answer on its timeline", body = Dispute),
        (status = 400, description = "Malformed JSON or wrong types (`invalid_json`), or any query parameter (`filter_invalid`)", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such dispute of this customer: another customer's answers exactly like an unknown one; or a screenshot not waiting to be sent (field `screenshots`)", body = ErrorBody),
        (status = 409, description = "Support is not waiting for more information on it: submitted, under review, refunded or declined (`info_not_requested`)", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 422, description = "Nothing to add (`evidence_required`), a note empty, over 4,000 characters or with NUL (`details_required`, `details_too_long`, `details_invalid`, field `note`), or too many screenshots (`too_many_files`: 10 at once, 30 per dispute)", body = ErrorBody),
    ))]
pub async fn add_dispute_evidence(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    _: Query<NoParams>,
    Json(req): Json<AddEvidenceRequest>,
) -> ApiResult<axum::Json<Dispute>> {
    let note = req.checked_note(DISPUTE_DETAILS_MAX_CHARS)?;
    let account_id = &me.account.id;
    if !plausible_id(&id) {
        return Err(ApiError::not_found("dispute"));
    }
    let now = crate::clock::now();
    let mut tx = state.db.pool.begin().await?;
    // The write is the check and takes the dispute's lock first: of two answers at once, the
    // second finds the dispute under review again.
    let answered = sqlx::query(
        "UPDATE disputes SET status = 'under_review', updated_at = $1
         WHERE id = $2 AND account_id = $3 AND status = 'more_info_needed'",
    )
    .bind(now)
    .bind(&id)
    .bind(account_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if answered == 0 {
        let mine: Option<(String,)> =
            sqlx::query_as("SELECT id FROM disputes WHERE id = $1 AND account_id = $2")
                .bind(&id)
                .bind(account_id)
                .fetch_optional(&mut *tx)
                .await?;
        return Err(match mine {
            Some(_) => info_not_requested(),
            None => ApiError::not_found("dispute"),
        });
    }
    let seq = append_event(
        &mut tx,
        &id,
        ReportEventKind::EvidenceAdded,
        DisputeStatus::UnderReview,
        note.as_deref(),
        now,
    )
    .await?;
    uploads::attach_more(
        &mut tx,
        account_id,
        &req.screenshots,
        Case::Dispute(&id),
        now,
    )
    .await?;
    attached_by_step(&mut tx, &id, seq).await?;
    tx.commit().await?;
    load(&state.db, account_id, Some(&id))
        .await?
        .pop()
        .map(axum::Json)
        .ok_or_else(|| ApiError::internal("a dispute just answered cannot be read"))
}

/// Appends a step to the dispute's timeline and keeps the queue's case in step; answers its
/// `seq`. The caller has changed the dispute's status (which orders concurrent steps).
async fn append_event(
    conn: &mut sqlx::AnyConnection,
    dispute_id: &str,
    kind: ReportEventKind,
    status: DisputeStatus,
    note: Option<&str>,
    now: i64,
) -> Result<i64, sqlx::Error> {
    let (seq,): (i64,) = sqlx::query_as(
        "INSERT INTO dispute_events (dispute_id, seq, kind, status, note, created_at)
         SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3, $4, $5 FROM dispute_events WHERE dispute_id = $1
         RETURNING seq",
    )
    .bind(dispute_id)
    .bind(enum_str(&kind))
    .bind(enum_str(&status))
    .bind(note)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    crate::cases::set_status(conn, dispute_id, status, now).await?;
    Ok(seq)
}

/// Notes step `seq` of the dispute's timeline as the one that attached the screenshots
/// attached just now (the only ones without a step yet).
async fn attached_by_step(
    conn: &mut sqlx::AnyConnection,
    dispute_id: &str,
    seq: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE uploads SET dispute_seq = $1 WHERE dispute_id = $2 AND dispute_seq IS NULL",
    )
    .bind(seq)
    .bind(dispute_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// The customer's disputes (or the one with id `only`), newest first, complete.
pub async fn load(
    db: &Db,
    account_id: &str,
    only: Option<&str>,
) -> Result<Vec<Dispute>, sqlx::Error> {
    let only_clause = if only.is_some() { " AND d.id = $2" } else { "" };
    let sql = format!(
        "SELECT d.id AS dispute_id, d.reason, d.details, d.status AS dispute_status,
                d.created_at AS dispute_created_at,
                t.id, t.kind, t.status, t.amount_minor, t.currency, t.merchant_name, t.memo, t.created_at
         FROM disputes d JOIN wallet_transactions t ON t.id = d.transaction_id AND t.account_id = d.account_id
         WHERE d.account_id = $1{only_clause}
         ORDER BY d.created_micros DESC, d.id DESC"
    );
    let mut q = sqlx::query(&sql).bind(account_id);
    if let Some(id) = only {
        q = q.bind(id);
    }
    let rows = q.fetch_all(&db.pool).await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }

    // Which step attached each screenshot, in the customer's order.
    let shots_sql = format!(
        "SELECT u.dispute_id, u.dispute_seq, u.id FROM uploads u
         JOIN disputes d ON d.id = u.dispute_id
         WHERE d.account_id = $1{only_clause}
         ORDER BY u.position"
    );
    let mut q = sqlx::query_as::<_, (String, Option<i64>, String)>(&shots_sql).bind(account_id);
    if let Some(id) = only {
        q = q.bind(id);
    }
    let mut step_shots: HashMap<(String, i64), Vec<String>> = HashMap::new();
    for (dispute_id, seq, upload_id) in q.fetch_all(&db.pool).await? {
        if let Some(seq) = seq {
            step_shots
                .entry((dispute_id, seq))
                .or_default()
                .push(upload_id);
        }
    }

    let events_sql = format!(
        "SELECT e.dispute_id, e.seq, e.kind, e.status, e.note, e.created_at FROM dispute_events e
         JOIN disputes d ON d.id = e.dispute_id
         WHERE d.account_id = $1{only_clause}
         ORDER BY e.dispute_id, e.seq"
    );
    let mut q = sqlx::query(&events_sql).bind(account_id);
    if let Some(id) = only {
        q = q.bind(id);
    }
    let mut timelines: HashMap<String, Vec<DisputeEvent>> = HashMap::new();
    for row in q.fetch_all(&db.pool).await? {
        let dispute_id: String = row.try_get("dispute_id")?;
        let seq: i64 = row.try_get("seq")?;
        let screenshots = step_shots
            .remove(&(dispute_id.clone(), seq))
            .unwrap_or_default();
        timelines.entry(dispute_id).or_default().push(DisputeEvent {
            kind: parse_enum(&row.try_get::<String, _>("kind")?)?,
            status: parse_enum(&row.try_get::<String, _>("status")?)?,
            at: row.try_get("created_at")?,
            note: row.try_get("note")?,
            screenshots,
        });
    }

    let mut transactions = Vec::with_capacity(rows.len());
    for row in &rows {
        transactions.push(HistoryRow::from_row(row)?);
    }
    let ids: Vec<&str> = transactions.iter().map(|t| t.id.as_str()).collect();
    let summaries = history::dispute_summaries(db, account_id, &ids).await?;

    let mut conn = db.pool.acquire().await?;
    let mut out = Vec::with_capacity(rows.len());
    for (row, transaction) in rows.iter().zip(transactions) {
        let id: String = row.try_get("dispute_id")?;
        let summary = summaries.get(&transaction.id).cloned();
        let screenshots = uploads::attached(&mut conn, Case::Dispute(&id))
            .await?
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        out.push(Dispute {
            transaction: transaction.into_transaction(summary),
            reason: parse_enum::<DisputeReason>(&row.try_get::<String, _>("reason")?)?,
            details: row.try_get("details")?,
            status: parse_enum(&row.try_get::<String, _>("dispute_status")?)?,
            created_at: row.try_get("dispute_created_at")?,
            timeline: timelines.remove(&id).unwrap_or_default(),
            screenshots,
            id,
        });
    }
    Ok(out)
}

/// Why a status change was refused.
#[derive(Debug)]
pub enum TimelineError {
    NotFound,
    /// Refunded or declined: final.
    Closed,
    /// `submitted` is only ever the first event.
    NotAStep,
    /// More information needed and declined say what or why.
    NoteRequired,
    /// Only more information needed and declined carry a note.
    NoteNotAllowed,
    /// The note breaks the free-text rules (empty, over 4,000 characters, NUL).
    Note(FieldError),
    Store(sqlx::Error),
}

impl From<sqlx::Error> for TimelineError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(e)
    }
}

impl std::fmt::Display for TimelineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotFound => f.write_str("no such dispute"),
            Self::Closed => f.write_str("the dispute is closed"),
            Self::NotAStep => f.write_str("submitted is only the first event"),
            Self::NoteRequired => f.write_str("this status needs a note"),
            Self::NoteNotAllowed => f.write_str("this status takes no note"),
            Self::Note(e) => write!(f, "note: {}", e.message()),
            Self::Store(e) => write!(f, "store: {e}"),
        }
    }
}

impl std::error::Error for TimelineError {}

/// Moves an open dispute to `status`, appending the event to its timeline; what the support
/// console calls. `more_info_needed` and `declined` need a note (what is asked for, why it was
/// declined), checked by the same rules as a dispute's details and kept exactly; the other
/// statuses take none. Refunded and declined close the dispute for good (the transaction may then
/// be disputed again, unless refunds paid it back in full). Moving the money of a refund is the
/// ledger's business, not this one's.
pub async fn record_status(
    db: &Db,
    dispute_id: &str,
    status: DisputeStatus,
    note: Option<&str>,
) -> Result<DisputeEvent, TimelineError> {
    let needs_note = matches!(
        status,
        DisputeStatus::MoreInfoNeeded | DisputeStatus::Declined
    );
    if status == DisputeStatus::Submitted {
        return Err(TimelineError::NotAStep);
    }
    let note = match (note, needs_note) {
        (None, true) => return Err(TimelineError::NoteRequired),
        (Some(_), false) => return Err(TimelineError::NoteNotAllowed),
        (Some(text), true) => Some(
            DisputeDetails::parse(text)
                .map_err(TimelineError::Note)?
                .as_str()
                .to_owned(),
        ),
        (None, false) => None,
    };
    let now = crate::clock::now();
    let mut tx = db.pool.begin().await?;
    let event = record_status_in(&mut tx, dispute_id, status, note, now).await?;
    tx.commit().await?;
    Ok(event)
}

/// [`record_status`] in the caller's transaction, with the note already checked; the caller
/// commits it with whatever else the change does (a refund, the audit entry).
pub async fn record_status_in(
    conn: &mut sqlx::AnyConnection,
    dispute_id: &str,
    status: DisputeStatus,
    note: Option<String>,
    now: i64,
) -> Result<DisputeEvent, TimelineError> {
    // The write comes first, so concurrent changes of one dispute queue up behind its row lock
    // (SQLite: the write lock) instead of reading the same last event.
    let changed = sqlx::query(&format!(
        "UPDATE disputes SET status = $1, updated_at = $2 WHERE id = $3 AND status IN {OPEN_STATUSES_SQL}"
    ))
    .bind(enum_str(&status))
    .bind(now)
    .bind(dispute_id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if changed == 0 {
        let exists: Option<(String,)> = sqlx::query_as("SELECT id FROM disputes WHERE id = $1")
            .bind(dispute_id)
            .fetch_optional(&mut *conn)
            .await?;
        return Err(if exists.is_some() {
            TimelineError::Closed
        } else {
            TimelineError::NotFound
        });
    }
    append_event(
        conn,
        dispute_id,
        ReportEventKind::StatusChanged,
        status,
        note.as_deref(),
        now,
    )
    .await?;
    Ok(DisputeEvent {
        kind: ReportEventKind::StatusChanged,
        status,
        at: now,
        note,
        screenshots: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_readable_and_random() {
        let a = new_number();
        assert_eq!(a.len(), 16, "{a}");
        assert!(a.starts_with("D-"));
        let groups: Vec<&str> = a[2..].split('-').collect();
        assert_eq!(groups.len(), 3);
        assert!(groups.iter().all(|g| g.len() == 4
            && g.bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())));
        assert!(!a.contains(['I', 'L', 'O', 'U']));
        assert_ne!(a, new_number());
    }
}
