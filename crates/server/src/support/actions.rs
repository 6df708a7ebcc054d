//! What an agent does on a case: claim it or give it back, write an internal note, ask the
//! customer for more, refund (through the ledger, once per case, never more than is left of the
//! case's rows over every case, with a second agent above the four-eyes amount), decline with a
//! reason, lift the wallet's freeze. Never on a case about the agent's own account. Each action
//! and its audit entry commit together, or neither does.

use super::agent::Agent;
use super::audit::{self, Event};
use super::case_detail::{detail, find, Found};
use crate::db::codec::enum_str;
use crate::evidence::chain;
use crate::evidence::disputes;
use crate::http::error::{ApiError, ApiResult};
use crate::http::json::Json;
use crate::http::query::{NoParams, Query};
use crate::mail::templates::{self, CaseUpdate};
use crate::wallet::ledger::{self, Entry, Leg, TxError};
use crate::wallet::refunds;
use crate::wallet::rows::{self, NewRow};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use portal_api::agent::{CaseDetail, CaseKind, CaseTextRequest, RefundRequest};
use portal_api::error::{ErrorBody, ErrorCode};
use portal_api::evidence::ReportEventKind;
use portal_api::money::{Currency, Money};
use portal_api::wallet::{DisputeStatus, TransactionKind, TransactionStatus};
use sqlx::AnyConnection;

fn error(status: StatusCode, code: ErrorCode, message: &str) -> TxError {
    TxError::Api(ApiError::new(status, code, message))
}

fn closed() -> TxError {
    error(
        StatusCode::CONFLICT,
        ErrorCode::CaseClosed,
        "This case is closed (refunded or declined).",
    )
}

/// Locks the case for the rest of the transaction (a write first, as SQLite needs) and answers
/// whether it is open.
async fn lock_case(conn: &mut AnyConnection, id: &str) -> Result<bool, sqlx::Error> {
    let (is_open,): (i64,) =
        sqlx::query_as("UPDATE cases SET updated_at = updated_at WHERE id = $1 RETURNING is_open")
            .bind(id)
            .fetch_one(conn)
            .await?;
    Ok(is_open == 1)
}

fn event<'a>(found: &'a Found, action: &'a str, detail: serde_json::Value) -> Event<'a> {
    Event {
        action,
        customer_id: Some(&found.account_id),
        case_id: Some(&found.summary.id),
        detail,
    }
}

/// The page the customer follows a case on (a dispute's takes their answer to a question).
fn customer_link(state: &AppState, kind: CaseKind, id: &str) -> String {
    let page = match kind {
        CaseKind::Dispute => "disputes",
        CaseKind::FraudReport => "fraud-reports",
    };
    format!("{}/wallet/{page}/{id}", state.config.public_url.base)
}

/// Moves the case to `status`, with a note the customer sees, on its own timeline.
async fn set_status(
    conn: &mut AnyConnection,
    found: &Found,
    status: DisputeStatus,
    note: Option<String>,
    now: i64,
) -> Result<(), TxError> {
    match found.summary.kind {
        CaseKind::Dispute => {
            disputes::record_status_in(conn, &found.summary.id, status, note, now)
                .await
                .map_err(|e| match e {
                    disputes::TimelineError::Store(e) => TxError::Db(e),
                    disputes::TimelineError::Closed => closed(),
                    other => TxError::Api(ApiError::internal(other)),
                })?;
        }
        CaseKind::FraudReport => {
            let mut body = chain::body(
                &found.summary.id,
                ReportEventKind::StatusChanged,
                now,
                "support",
                status,
            );
            body.note = note;
            chain::append(conn, body).await?;
        }
    }
    Ok(())
}

/// Mails the customer what happened, in the same transaction.
async fn tell_customer(
    state: &AppState,
    conn: &mut AnyConnection,
    found: &Found,
    update: &CaseUpdate<'_>,
) -> Result<(), TxError> {
    let (kind, id) = (found.summary.kind, found.summary.id.as_str());
    tell_about(state, conn, &found.account_id, kind, id, update).await
}

/// Mails the customer, in their language, what happened on their case `id` (which may be another
/// than the one the agent acts on: a freeze belongs to the report that put it on).
async fn tell_about(
    state: &AppState,
    conn: &mut AnyConnection,
    account_id: &str,
    kind: CaseKind,
    id: &str,
    update: &CaseUpdate<'_>,
) -> Result<(), TxError> {
    let customer = crate::identity::accounts::find_by_id(&state.db, account_id)
        .await?
        .ok_or_else(|| TxError::Api(ApiError::internal("the case's customer is gone")))?;
    let mail = templates::case_update(
        customer.locale(),
        &customer.email,
        id,
        update,
        &customer_link(state, kind, id),
    );
    state.outbox.queue(conn, &mail).await?;
    Ok(())
}

/// What an agent asked to do, with what it needs.
enum Action {
    Claim,
    Unassign,
    Note(String),
    RequestInfo(String),
    Decline(String),
    Refund(Money),
    ApproveRefund,
    Unfreeze,
}

impl Action {
    fn name(&self) -> &'static str {
        match self {
            Action::Claim => "claim",
            Action::Unassign => "unassign",
            Action::Note(_) => "add_note",
            Action::RequestInfo(_) => "request_info",
            Action::Decline(_) => "decline",
            Action::Refund(_) => "refund",
            Action::ApproveRefund => "approve_refund",
            Action::Unfreeze => "unfreeze",
        }
    }
}

/// Where the agent acts: the case, locked, and whether it is open.
struct At<'a> {
    state: &'a AppState,
    agent: &'a str,
    found: &'a Found,
    open: bool,
}

/// Does `action` on the locked case in one transaction with its audit entry, then answers the
/// case and the HTTP status the action chose.
async fn act(
    state: &AppState,
    agent: &Agent,
    id: &str,
    action: Action,
) -> ApiResult<(StatusCode, CaseDetail)> {
    let found = find(state, agent, id).await?;
    let (found_ref, action_ref) = (&found, &action);
    let status = ledger::retrying(|| async move {
        let mut tx = state.db.pool.begin().await?;
        let open = lock_case(&mut tx, id).await?;
        let at = At {
            state,
            agent: &agent.account.id,
            found: found_ref,
            open,
        };
        let (status, detail) = match action_ref {
            Action::Claim => claim(&mut tx, &at).await?,
            Action::Unassign => unassign(&mut tx, &at).await?,
            Action::Note(text) => note(&mut tx, &at, text).await?,
            Action::RequestInfo(text) => request_info(&mut tx, &at, text).await?,
            Action::Decline(text) => decline(&mut tx, &at, text).await?,
            Action::Refund(amount) => refund(&mut tx, &at, *amount).await?,
            Action::ApproveRefund => approve(&mut tx, &at).await?,
            Action::Unfreeze => unfreeze(&mut tx, &at).await?,
        };
        let event = event(found_ref, action_ref.name(), detail);
        audit::record(&mut tx, &agent.actor(), event).await?;
        tx.commit().await?;
        Ok(status)
    })
    .await?;
    state.outbox.wake();
    let found = find(state, agent, id).await?;
    Ok((status, detail(state, found).await?))
}

type Done = Result<(StatusCode, serde_json::Value), TxError>;

fn refund_exists() -> TxError {
    error(
        StatusCode::CONFLICT,
        ErrorCode::RefundExists,
        "This case has a refund already, posted or waiting for approval.",
    )
}

/// The case's refund: (id, amount, requested_by, posted).
async fn refund_row(
    conn: &mut AnyConnection,
    case_id: &str,
) -> Result<Option<(String, i64, String, bool)>, sqlx::Error> {
    let row: Option<(String, i64, String, Option<i64>)> = sqlx::query_as(
        "SELECT id, amount_minor, requested_by, posted_at FROM case_refunds WHERE case_id = $1",
    )
    .bind(case_id)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(id, amount, by, posted)| (id, amount, by, posted.is_some())))
}

/// The customer's wallet, locked for the rest of the transaction. Every refund takes this lock
/// before it reads what was refunded already, so two refunds of one customer's rows (or two
/// refunds by one agent to them) run one after the other and the second sees the first.
async fn lock_wallet(
    state: &AppState,
    conn: &mut AnyConnection,
    found: &Found,
    currency: Currency,
) -> Result<String, TxError> {
    let wallet = ledger::account(&mut *conn, ledger::WALLET, &found.account_id, currency).await?;
    ledger::lock(&mut *conn, state.db.backend, &wallet).await?;
    Ok(wallet)
}

/// Splits `amount` over what is left to refund of the case's rows after every refund of them,
/// on any case, posted or waiting for approval (call with the wallet locked); refused when it is
/// more than that.
async fn shares(
    conn: &mut AnyConnection,
    found: &Found,
    amount: Money,
) -> Result<Vec<(String, i64)>, TxError> {
    let left = refunds::left_for_case(&mut *conn, &found.summary.id).await?;
    refunds::split(&left, amount.minor).ok_or_else(|| {
        let left = Money {
            minor: left.iter().map(|(_, l)| (*l).max(0)).sum(),
            currency: amount.currency,
        };
        TxError::Api(ApiError {
            field: Some("amount"),
            ..ApiError::new(
                StatusCode::CONFLICT,
                ErrorCode::RefundExceedsRemaining,
                format!(
                    "Refunds paid back some of this case's transactions already: at most {} is left to refund.",
                    left.format(portal_api::dto::Locale::En)
                ),
            )
        })
    })
}

/// What `agent` refunded to the case's customer on their own (no second agent) within the
/// four-eyes window (call with the wallet locked).
async fn refunded_alone(
    state: &AppState,
    conn: &mut AnyConnection,
    agent: &str,
    found: &Found,
    currency: Currency,
) -> Result<i64, sqlx::Error> {
    let since = crate::clock::now() - state.config.support.four_eyes_window.as_secs() as i64;
    let (sum,): (i64,) = sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(r.amount_minor), 0) AS BIGINT)
         FROM case_refunds r JOIN cases c ON c.id = r.case_id
         WHERE r.requested_by = $1 AND r.posted_at > $2 AND r.approved_by IS NULL
           AND c.account_id = $3 AND r.currency = $4",
    )
    .bind(agent)
    .bind(since)
    .bind(&found.account_id)
    .bind(enum_str(&currency))
    .fetch_one(conn)
    .await?;
    Ok(sum)
}

/// Posts the refund through the journal (one entry per case, ever: the case is the entry's
/// idempotency key) into `wallet`, writes it in the customer's history, closes the case as
/// refunded and mails the customer.
async fn post(
    state: &AppState,
    conn: &mut AnyConnection,
    found: &Found,
    refund_id: &str,
    amount: Money,
    wallet: &str,
) -> Result<(), TxError> {
    let now = crate::clock::now();
    let backend = state.db.backend;
    let refunds = ledger::account(
        &mut *conn,
        ledger::SUPPORT_REFUNDS,
        ledger::SYSTEM_OWNER,
        amount.currency,
    )
    .await?;
    let request_hash = crate::evidence::store::sha256_hex(
        format!("{}:{}", found.summary.id, amount.minor).as_bytes(),
    );
    let legs = [
        Leg {
            account_id: wallet.to_owned(),
            amount_minor: amount.minor,
        },
        Leg {
            account_id: refunds,
            amount_minor: -amount.minor,
        },
    ];
    let posted = ledger::post(
        &mut *conn,
        backend,
        &Entry {
            kind: "refund",
            scope: "case_refund",
            key: &found.summary.id,
            request_hash: &request_hash,
            currency: amount.currency,
            legs: &legs,
            at: now,
        },
    )
    .await?;
    let memo = format!("Refund for {}", found.summary.id);
    rows::insert(
        &mut *conn,
        &NewRow {
            id: refund_id,
            account_id: &found.account_id,
            wallet_id: wallet,
            kind: TransactionKind::Refund,
            status: TransactionStatus::Completed,
            amount_minor: amount.minor,
            currency: amount.currency,
            merchant_id: None,
            merchant_name: None,
            memo: Some(&memo),
            entry_id: Some(posted.entry_id()),
            at: now,
        },
    )
    .await?;
    sqlx::query("UPDATE case_refunds SET entry_id = $1, posted_at = $2 WHERE id = $3")
        .bind(posted.entry_id())
        .bind(now)
        .bind(refund_id)
        .execute(&mut *conn)
        .await?;
    set_status(conn, found, DisputeStatus::Refunded, None, now).await?;
    tell_customer(state, conn, found, &CaseUpdate::Refunded(amount)).await
}

/// Takes the case: it is the agent's until they give it back. A case someone else holds is
/// refused (`case_claimed`); claiming one's own again changes nothing.
#[utoipa::path(post, path = "/api/agent/cases/{id}/claim", operation_id = "agent_claim_case", tag = "support",
    params(("id" = String, Path, description = "A case number")),
    responses(
        (status = 200, description = "The case, now the agent's", body = CaseDetail),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an agent (`not_permitted`), two-step verification off (`agent_two_step_required`), or the agent's own case (`self_dealing`)", body = ErrorBody),
        (status = 404, description = "No such case", body = ErrorBody),
        (status = 409, description = "Another agent holds it (`case_claimed`)", body = ErrorBody),
    ))]
pub async fn agent_claim_case(
    State(state): State<AppState>,
    agent: Agent,
    Path(id): Path<String>,
    _: Query<NoParams>,
) -> ApiResult<axum::Json<CaseDetail>> {
    let (_, case) = act(&state, &agent, &id, Action::Claim).await?;
    Ok(axum::Json(case))
}

async fn claim(conn: &mut AnyConnection, at: &At<'_>) -> Done {
    let taken = sqlx::query(
        "UPDATE cases SET assignee_id = $1 WHERE id = $2 AND (assignee_id IS NULL OR assignee_id = $1)",
    )
    .bind(at.agent)
    .bind(&at.found.summary.id)
    .execute(conn)
    .await?
    .rows_affected();
    if taken == 0 {
        return Err(error(
            StatusCode::CONFLICT,
            ErrorCode::CaseClaimed,
            "Another agent has this case. They, or any agent, can unassign it first.",
        ));
    }
    Ok((StatusCode::OK, serde_json::Value::Null))
}

/// Gives the case back to the queue (any agent may, so a case never waits on someone away).
#[utoipa::path(delete, path = "/api/agent/cases/{id}/claim", operation_id = "agent_unassign_case", tag = "support",
    params(("id" = String, Path, description = "A case number")),
    responses(
        (status = 200, description = "The case, assigned to no one", body = CaseDetail),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an agent, two-step verification off, or the agent's own case", body = ErrorBody),
        (status = 404, description = "No such case", body = ErrorBody),
    ))]
pub async fn agent_unassign_case(
    State(state): State<AppState>,
    agent: Agent,
    Path(id): Path<String>,
    _: Query<NoParams>,
) -> ApiResult<axum::Json<CaseDetail>> {
    let (_, case) = act(&state, &agent, &id, Action::Unassign).await?;
    Ok(axum::Json(case))
}

async fn unassign(conn: &mut AnyConnection, at: &At<'_>) -> Done {
    sqlx::query("UPDATE cases SET assignee_id = NULL WHERE id = $1")
        .bind(&at.found.summary.id)
        .execute(conn)
        .await?;
    let was = at.found.summary.assignee.as_ref().map(|a| a.id.clone());
    Ok((StatusCode::OK, serde_json::json!({ "was": was })))
}

/// Adds a note for other agents; the customer never sees it. Kept exactly as typed.
#[utoipa::path(post, path = "/api/agent/cases/{id}/notes", operation_id = "agent_add_note", tag = "support",
    params(("id" = String, Path, description = "A case number")),
    request_body = CaseTextRequest,
    responses(
        (status = 201, description = "The case with the note", body = CaseDetail),
        (status = 400, description = "Malformed JSON (`invalid_json`)", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an agent, two-step verification off, or the agent's own case", body = ErrorBody),
        (status = 404, description = "No such case", body = ErrorBody),
        (status = 422, description = "Empty, over 4,000 characters, or NUL (`details_required`, `details_too_long`, `details_invalid`)", body = ErrorBody),
    ))]
pub async fn agent_add_note(
    State(state): State<AppState>,
    agent: Agent,
    Path(id): Path<String>,
    _: Query<NoParams>,
    Json(req): Json<CaseTextRequest>,
) -> ApiResult<(StatusCode, axum::Json<CaseDetail>)> {
    let text = req.parse()?;
    let (_, case) = act(&state, &agent, &id, Action::Note(text)).await?;
    Ok((StatusCode::CREATED, axum::Json(case)))
}

async fn note(conn: &mut AnyConnection, at: &At<'_>, text: &str) -> Done {
    sqlx::query(
        "INSERT INTO case_notes (id, case_id, author_id, body, created_at, created_micros)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(crate::token::id())
    .bind(&at.found.summary.id)
    .bind(at.agent)
    .bind(text)
    .bind(crate::clock::now())
    .bind(crate::clock::now_micros())
    .execute(conn)
    .await?;
    Ok((
        StatusCode::CREATED,
        serde_json::json!({ "chars": text.chars().count() }),
    ))
}

/// Asks the customer for more information: the case waits for them (`more_info_needed`), the
/// question is on their timeline exactly as written, and they are mailed.
#[utoipa::path(post, path = "/api/agent/cases/{id}/request-info", operation_id = "agent_request_info", tag = "support",
    params(("id" = String, Path, description = "A case number")),
    request_body = CaseTextRequest,
    responses(
        (status = 200, description = "The case, waiting for the customer", body = CaseDetail),
        (status = 400, description = "Malformed JSON (`invalid_json`)", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an agent, two-step verification off, or the agent's own case", body = ErrorBody),
        (status = 404, description = "No such case", body = ErrorBody),
        (status = 409, description = "The case is closed (`case_closed`)", body = ErrorBody),
        (status = 422, description = "Empty, over 4,000 characters, or NUL", body = ErrorBody),
    ))]
pub async fn agent_request_info(
    State(state): State<AppState>,
    agent: Agent,
    Path(id): Path<String>,
    _: Query<NoParams>,
    Json(req): Json<CaseTextRequest>,
) -> ApiResult<axum::Json<CaseDetail>> {
    let text = req.parse()?;
    let (_, case) = act(&state, &agent, &id, Action::RequestInfo(text)).await?;
    Ok(axum::Json(case))
}

async fn request_info(conn: &mut AnyConnection, at: &At<'_>, text: &str) -> Done {
    if !at.open {
        return Err(closed());
    }
    answer(
        conn,
        at,
        DisputeStatus::MoreInfoNeeded,
        text,
        &CaseUpdate::MoreInfo(text),
    )
    .await
}

/// Moves the case to `status` with `text` on the customer's timeline, and mails them `update`.
async fn answer(
    conn: &mut AnyConnection,
    at: &At<'_>,
    status: DisputeStatus,
    text: &str,
    update: &CaseUpdate<'_>,
) -> Done {
    let now = crate::clock::now();
    set_status(conn, at.found, status, Some(text.to_owned()), now).await?;
    tell_customer(at.state, conn, at.found, update).await?;
    Ok((
        StatusCode::OK,
        serde_json::json!({ "chars": text.chars().count() }),
    ))
}

/// Declines the case with a reason the customer sees exactly as written, and mails them.
#[utoipa::path(post, path = "/api/agent/cases/{id}/decline", operation_id = "agent_decline", tag = "support",
    params(("id" = String, Path, description = "A case number")),
    request_body = CaseTextRequest,
    responses(
        (status = 200, description = "The case, declined", body = CaseDetail),
        (status = 400, description = "Malformed JSON (`invalid_json`)", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an agent, two-step verification off, or the agent's own case", body = ErrorBody),
        (status = 404, description = "No such case", body = ErrorBody),
        (status = 409, description = "The case is closed (`case_closed`), or a refund on it waits for approval (`refund_exists`)", body = ErrorBody),
        (status = 422, description = "Empty, over 4,000 characters, or NUL", body = ErrorBody),
    ))]
pub async fn agent_decline(
    State(state): State<AppState>,
    agent: Agent,
    Path(id): Path<String>,
    _: Query<NoParams>,
    Json(req): Json<CaseTextRequest>,
) -> ApiResult<axum::Json<CaseDetail>> {
    let text = req.parse()?;
    let (_, case) = act(&state, &agent, &id, Action::Decline(text)).await?;
    Ok(axum::Json(case))
}

async fn decline(conn: &mut AnyConnection, at: &At<'_>, text: &str) -> Done {
    if !at.open {
        return Err(closed());
    }
    if refund_row(conn, &at.found.summary.id).await?.is_some() {
        return Err(refund_exists());
    }
    answer(
        conn,
        at,
        DisputeStatus::Declined,
        text,
        &CaseUpdate::Declined(text),
    )
    .await
}

/// Refunds the customer: at most the amount in question, once per case, ever, and never more than
/// is left of the case's transactions after refunds on every case that names them
/// (`refund_exceeds_remaining`). When the amount, with what the same agent refunded alone to the
/// same customer within the four-eyes window, is up to the four-eyes amount, it is posted at once
/// (201); above it, it waits for a second agent (202). The same request again answers the refund
/// already made (idempotent by case); another amount is refused (`refund_exists`).
#[utoipa::path(post, path = "/api/agent/cases/{id}/refund", operation_id = "agent_refund", tag = "support",
    params(("id" = String, Path, description = "A case number")),
    request_body = RefundRequest,
    responses(
        (status = 201, description = "Posted to the customer's wallet; the case is refunded", body = CaseDetail),
        (status = 202, description = "Above the four-eyes amount (with the agent's own refunds to the customer in the window): waiting for a second agent's approval", body = CaseDetail),
        (status = 200, description = "The same refund was asked for before: nothing moved again", body = CaseDetail),
        (status = 400, description = "Malformed JSON (`invalid_json`)", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an agent, two-step verification off, or the agent's own case", body = ErrorBody),
        (status = 404, description = "No such case", body = ErrorBody),
        (status = 409, description = "Closed (`case_closed`), a different refund exists (`refund_exists`), or more than is left to refund of the case's transactions (`refund_exceeds_remaining`)", body = ErrorBody),
        (status = 422, description = "Not a positive amount in the case's currency, or more than the amount in question (`amount_invalid`)", body = ErrorBody),
    ))]
pub async fn agent_refund(
    State(state): State<AppState>,
    agent: Agent,
    Path(id): Path<String>,
    _: Query<NoParams>,
    Json(req): Json<RefundRequest>,
) -> ApiResult<(StatusCode, axum::Json<CaseDetail>)> {
    let at_stake = find(&state, &agent, &id).await?.summary.amount;
    if req.amount.currency != at_stake.currency
        || req.amount.minor <= 0
        || req.amount.minor > at_stake.minor
    {
        return Err(ApiError {
            field: Some("amount"),
            ..ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::AmountInvalid,
                "A refund is a positive amount in the case's currency, at most the amount in question.",
            )
        });
    }
    let (status, case) = act(&state, &agent, &id, Action::Refund(req.amount)).await?;
    Ok((status, axum::Json(case)))
}

async fn refund(conn: &mut AnyConnection, at: &At<'_>, amount: Money) -> Done {
    let case_id = &at.found.summary.id;
    if let Some((_, existing, _, _)) = refund_row(conn, case_id).await? {
        if existing == amount.minor {
            return Ok((
                StatusCode::OK,
                serde_json::json!({ "minor": amount.minor, "repeat": true }),
            ));
        }
        return Err(refund_exists());
    }
    if !at.open {
        return Err(closed());
    }
    let wallet = lock_wallet(at.state, conn, at.found, amount.currency).await?;
    let shares = shares(conn, at.found, amount).await?;
    let alone = refunded_alone(at.state, conn, at.agent, at.found, amount.currency).await?;
    let refund_id = crate::token::id();
    sqlx::query(
        "INSERT INTO case_refunds (id, case_id, amount_minor, currency, requested_by, requested_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&refund_id)
    .bind(case_id)
    .bind(amount.minor)
    .bind(enum_str(&amount.currency))
    .bind(at.agent)
    .bind(crate::clock::now())
    .execute(&mut *conn)
    .await?;
    // Taken from what is left now, even while it waits for a second agent: the approval can then
    // always post it, and no other case's refund can take the same money meanwhile.
    refunds::record(&mut *conn, &refund_id, &shares).await?;
    // Pieces under the four-eyes amount add up: what this agent refunded alone to this customer
    // lately counts with this refund.
    let four_eyes = amount.minor.saturating_add(alone) > at.state.config.support.four_eyes_above;
    let status = if four_eyes {
        StatusCode::ACCEPTED
    } else {
        post(at.state, conn, at.found, &refund_id, amount, &wallet).await?;
        StatusCode::CREATED
    };
    let detail = serde_json::json!({
        "minor": amount.minor,
        "currency": amount.currency,
        "four_eyes": four_eyes,
        "refunded_alone_in_window": alone,
    });
    Ok((status, detail))
}

/// Approves a refund waiting for a second agent, and posts it. The agent who asked for it cannot
/// (`second_agent_required`).
#[utoipa::path(post, path = "/api/agent/cases/{id}/refund/approve", operation_id = "agent_approve_refund", tag = "support",
    params(("id" = String, Path, description = "A case number")),
    responses(
        (status = 200, description = "Posted; the case is refunded", body = CaseDetail),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an agent, two-step verification off, the agent's own case (`self_dealing`), or the agent who asked for the refund (`second_agent_required`)", body = ErrorBody),
        (status = 404, description = "No such case, or no refund waiting on it", body = ErrorBody),
        (status = 409, description = "The refund is posted already, or the case is closed (`case_closed`)", body = ErrorBody),
    ))]
pub async fn agent_approve_refund(
    State(state): State<AppState>,
    agent: Agent,
    Path(id): Path<String>,
    _: Query<NoParams>,
) -> ApiResult<axum::Json<CaseDetail>> {
    let (_, case) = act(&state, &agent, &id, Action::ApproveRefund).await?;
    Ok(axum::Json(case))
}

async fn approve(conn: &mut AnyConnection, at: &At<'_>) -> Done {
    let Some((refund_id, minor, requested_by, posted)) =
        refund_row(conn, &at.found.summary.id).await?
    else {
        return Err(error(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            "No refund waits for approval on this case.",
        ));
    };
    if posted || !at.open {
        return Err(closed());
    }
    if requested_by == at.agent {
        return Err(error(
            StatusCode::FORBIDDEN,
            ErrorCode::SecondAgentRequired,
            "Another agent must approve a refund you asked for.",
        ));
    }
    let amount = Money {
        minor,
        currency: at.found.summary.amount.currency,
    };
    sqlx::query("UPDATE case_refunds SET approved_by = $1 WHERE id = $2")
        .bind(at.agent)
        .bind(&refund_id)
        .execute(&mut *conn)
        .await?;
    // What it pays back of which rows was set aside when it was asked for.
    let wallet = ledger::account(
        &mut *conn,
        ledger::WALLET,
        &at.found.account_id,
        amount.currency,
    )
    .await?;
    post(at.state, conn, at.found, &refund_id, amount, &wallet).await?;
    Ok((
        StatusCode::OK,
        serde_json::json!({ "minor": minor, "requested_by": requested_by }),
    ))
}

/// Lifts the freeze a fraud report put on the case's customer's wallet: money may leave it
/// again. The lifting is an entry of the report's evidence chain, on the customer's timeline, and
/// the customer is mailed, in their language, with a link to that report.
#[utoipa::path(post, path = "/api/agent/cases/{id}/unfreeze", operation_id = "agent_unfreeze", tag = "support",
    params(("id" = String, Path, description = "A case number")),
    responses(
        (status = 200, description = "The wallet is no longer frozen", body = CaseDetail),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an agent, two-step verification off, or the agent's own case", body = ErrorBody),
        (status = 404, description = "No such case", body = ErrorBody),
        (status = 409, description = "The wallet is not frozen (`not_frozen`)", body = ErrorBody),
    ))]
pub async fn agent_unfreeze(
    State(state): State<AppState>,
    agent: Agent,
    Path(id): Path<String>,
    _: Query<NoParams>,
) -> ApiResult<axum::Json<CaseDetail>> {
    let (_, case) = act(&state, &agent, &id, Action::Unfreeze).await?;
    Ok(axum::Json(case))
}

async fn unfreeze(conn: &mut AnyConnection, at: &At<'_>) -> Done {
    let now = crate::clock::now();
    let lifted: Vec<(String,)> = sqlx::query_as(
        "UPDATE wallet_freezes SET lifted_at = $1, lifted_by = $2
         WHERE account_id = $3 AND lifted_at IS NULL RETURNING report_id",
    )
    .bind(now)
    .bind(at.agent)
    .bind(&at.found.account_id)
    .fetch_all(&mut *conn)
    .await?;
    if lifted.is_empty() {
        return Err(error(
            StatusCode::CONFLICT,
            ErrorCode::NotFrozen,
            "The customer's wallet is not frozen.",
        ));
    }
    for (report,) in &lifted {
        let (status,): (String,) = sqlx::query_as("SELECT status FROM fraud_reports WHERE id = $1")
            .bind(report)
            .fetch_one(&mut *conn)
            .await?;
        let status: DisputeStatus = crate::db::codec::parse_enum(&status)?;
        let body = chain::body(
            report,
            ReportEventKind::FreezeLifted,
            now,
            "support",
            status,
        );
        chain::append(&mut *conn, body).await?;
    }
    // One freeze at a time (wallet::freeze::freeze), so one mail.
    let (report,) = &lifted[0];
    let (account, update) = (&at.found.account_id, &CaseUpdate::FreezeLifted);
    tell_about(
        at.state,
        conn,
        account,
        CaseKind::FraudReport,
        report,
        update,
    )
    .await?;
    let reports: Vec<&str> = lifted.iter().map(|(r,)| r.as_str()).collect();
    Ok((StatusCode::OK, serde_json::json!({ "reports": reports })))
}
