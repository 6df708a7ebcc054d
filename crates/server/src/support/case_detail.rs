//! One case as an agent sees it: the customer, what they wrote, the disputed or reported rows,
//! a fraud report's sealed snapshot, the screenshots, the timeline the customer sees, the notes
//! the customer does not, and the refund. Every read is recorded in the audit log first.

use super::agent::Agent;
use super::audit::{self, Event};
use super::queue::{self, plausible_case_id, SUMMARY_SQL};
use crate::db::codec::parse_enum;
use crate::evidence::disputes;
use crate::evidence::{chain, reports, uploads};
use crate::http::error::{ApiError, ApiResult};
use crate::http::query::{NoParams, Query};
use crate::wallet::{freeze, history, ledger};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use portal_api::agent::{
    AgentRef, CaseCustomer, CaseDetail, CaseKind, CaseRefund, CaseSummary, InternalNote,
    RefundState, TimelineEntry,
};
use portal_api::error::{ErrorBody, ErrorCode};
use portal_api::evidence::{ReportEventKind, Screenshot};
use portal_api::money::Money;
use portal_api::wallet::{DisputeStatus, Transaction, TransactionPage, TransactionQuery};
use sqlx::Row;

pub fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, "No such case.")
}

pub fn self_dealing() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        ErrorCode::SelfDealing,
        "This case is about your own account: another agent must handle it.",
    )
}

/// A case as the queue has it, with its customer's id.
pub struct Found {
    pub summary: CaseSummary,
    pub account_id: String,
}

/// The case `id`, refused when it is about the agent's own account.
pub async fn find(state: &AppState, agent: &Agent, id: &str) -> ApiResult<Found> {
    if !plausible_case_id(id) {
        return Err(not_found());
    }
    let sql = format!("{SUMMARY_SQL} WHERE c.id = $1");
    let row = sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or_else(not_found)?;
    let account_id: String = row.try_get("account_id")?;
    if account_id == agent.account.id {
        return Err(self_dealing());
    }
    let target = state.config.support.case_target.as_secs() as i64;
    Ok(Found {
        summary: queue::summary(&row, crate::clock::now(), target)?,
        account_id,
    })
}

fn file_url(case_id: &str, upload_id: &str) -> String {
    format!("/api/agent/cases/{case_id}/files/{upload_id}")
}

fn for_agent(case_id: &str, shots: Vec<Screenshot>) -> Vec<Screenshot> {
    shots
        .into_iter()
        .map(|s| Screenshot {
            url: file_url(case_id, &s.id),
            ..s
        })
        .collect()
}

/// Everything about one case. The view is recorded (who, which customer, when, from where).
#[utoipa::path(get, path = "/api/agent/cases/{id}", operation_id = "agent_get_case", tag = "support",
    params(("id" = String, Path, description = "A case number from agent_list_cases")),
    responses(
        (status = 200, description = "The case", body = CaseDetail),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an agent (`not_permitted`), two-step verification is off (`agent_two_step_required`), or the case is about the agent's own account (`self_dealing`)", body = ErrorBody),
        (status = 404, description = "No such case", body = ErrorBody),
    ))]
pub async fn agent_get_case(
    State(state): State<AppState>,
    agent: Agent,
    Path(id): Path<String>,
    _: Query<NoParams>,
) -> ApiResult<axum::Json<CaseDetail>> {
    let found = find(&state, &agent, &id).await?;
    audit::record_view(
        &state.db,
        &agent.actor(),
        Event {
            action: "view_case",
            customer_id: Some(&found.account_id),
            case_id: Some(&id),
            detail: serde_json::Value::Null,
        },
    )
    .await?;
    detail(&state, found).await.map(axum::Json)
}

/// The case's detail as it is now (also the answer to every action).
pub async fn detail(state: &AppState, found: Found) -> ApiResult<CaseDetail> {
    let Found {
        summary,
        account_id,
    } = found;
    let id = summary.id.clone();
    let customer = customer(state, &account_id).await?;
    let (reason, text, transactions, snapshot, screenshots, timeline) = match summary.kind {
        CaseKind::Dispute => {
            let d = disputes::load(&state.db, &account_id, Some(&id))
                .await?
                .pop()
                .ok_or_else(not_found)?;
            let timeline = d
                .timeline
                .iter()
                .map(|e| entry(e.at, e.status, e.kind, e.note.clone()))
                .collect();
            (
                Some(d.reason),
                d.details,
                vec![d.transaction],
                None,
                for_agent(&id, d.screenshots),
                timeline,
            )
        }
        CaseKind::FraudReport => {
            let r = reports::find(state, &account_id, &id).await?;
            let timeline = r
                .timeline
                .iter()
                .map(|e| entry(e.at, e.status, e.kind, e.note.clone()))
                .collect();
            let snapshot = sealed_snapshot(state, &id).await?;
            (
                None,
                r.description,
                r.transactions,
                Some(snapshot),
                for_agent(&id, r.screenshots),
                timeline,
            )
        }
    };
    let notes = notes(state, &id).await?;
    let refund = refund(state, &id).await?;
    Ok(CaseDetail {
        four_eyes_above: Money {
            minor: state.config.support.four_eyes_above,
            currency: summary.amount.currency,
        },
        summary,
        customer,
        reason,
        text,
        transactions,
        snapshot,
        screenshots,
        timeline,
        notes,
        refund,
    })
}

/// One step of a dispute's or a report's timeline, as the customer sees it.
fn entry(
    at: i64,
    status: DisputeStatus,
    kind: ReportEventKind,
    note: Option<String>,
) -> TimelineEntry {
    TimelineEntry {
        at,
        status,
        event: crate::db::codec::enum_str(&kind),
        by: match kind {
            ReportEventKind::Submitted | ReportEventKind::EvidenceAdded => "customer",
            ReportEventKind::StatusChanged | ReportEventKind::FreezeLifted => "support",
        }
        .to_owned(),
        note,
    }
}

async fn customer(state: &AppState, account_id: &str) -> ApiResult<CaseCustomer> {
    let account = crate::identity::accounts::find_by_id(&state.db, account_id)
        .await?
        .ok_or_else(not_found)?;
    let mut conn = state.db.pool.acquire().await?;
    let freeze = freeze::active(&mut conn, account_id).await?;
    let currency = crate::wallet::WALLET_CURRENCY;
    let balance =
        match ledger::find_account(&mut conn, ledger::WALLET, account_id, currency).await? {
            Some(wallet) => ledger::balance(&mut conn, &wallet).await?,
            None => 0,
        };
    Ok(CaseCustomer {
        id: account.id.clone(),
        email: account.email.clone(),
        display_name: account.display_name.clone(),
        created_at: account.created_at,
        totp_enabled: account.totp_enabled(),
        freeze,
        balance: Money {
            minor: balance,
            currency,
        },
    })
}

/// The history as the report sealed it: the snapshot file its first chain entry names.
async fn sealed_snapshot(state: &AppState, report_id: &str) -> ApiResult<Vec<Transaction>> {
    let mut conn = state.db.pool.acquire().await?;
    let entries = chain::entries(&mut conn, report_id).await?;
    let first = entries
        .first()
        .ok_or_else(|| ApiError::internal(format!("report {report_id} has no chain")))?;
    let body: chain::Body = serde_json::from_str(&first.body).map_err(ApiError::internal)?;
    let sealed = body
        .sealed
        .ok_or_else(|| ApiError::internal(format!("report {report_id}: entry 1 seals nothing")))?;
    let bytes = uploads::read_file(state, &sealed.snapshot.json.sha256).await?;
    #[derive(serde::Deserialize)]
    struct File {
        transactions: Vec<Transaction>,
    }
    let file: File = serde_json::from_slice(&bytes).map_err(ApiError::internal)?;
    Ok(file.transactions)
}

async fn notes(state: &AppState, case_id: &str) -> ApiResult<Vec<InternalNote>> {
    let rows = sqlx::query(
        "SELECT n.id, n.author_id, a.email, n.body, n.created_at FROM case_notes n
         JOIN accounts a ON a.id = n.author_id
         WHERE n.case_id = $1 ORDER BY n.created_micros, n.id",
    )
    .bind(case_id)
    .fetch_all(&state.db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(InternalNote {
                id: r.try_get("id")?,
                author: AgentRef {
                    id: r.try_get("author_id")?,
                    email: r.try_get("email")?,
                },
                text: r.try_get("body")?,
                at: r.try_get("created_at")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

pub async fn refund(state: &AppState, case_id: &str) -> ApiResult<Option<CaseRefund>> {
    let row = sqlx::query(
        "SELECT r.id, r.amount_minor, r.currency, r.requested_by, q.email AS requested_email,
                r.requested_at, r.approved_by, p.email AS approved_email, r.posted_at
         FROM case_refunds r
         JOIN accounts q ON q.id = r.requested_by
         LEFT JOIN accounts p ON p.id = r.approved_by
         WHERE r.case_id = $1",
    )
    .bind(case_id)
    .fetch_optional(&state.db.pool)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let posted_at: Option<i64> = r.try_get("posted_at")?;
    let approved_by: Option<String> = r.try_get("approved_by")?;
    Ok(Some(CaseRefund {
        id: r.try_get("id")?,
        amount: Money {
            minor: r.try_get("amount_minor")?,
            currency: parse_enum(&r.try_get::<String, _>("currency")?)?,
        },
        state: if posted_at.is_some() {
            RefundState::Posted
        } else {
            RefundState::AwaitingApproval
        },
        requested_by: AgentRef {
            id: r.try_get("requested_by")?,
            email: r.try_get("requested_email")?,
        },
        requested_at: r.try_get("requested_at")?,
        approved_by: match approved_by {
            Some(id) => Some(AgentRef {
                id,
                email: r
                    .try_get::<Option<String>, _>("approved_email")?
                    .unwrap_or_default(),
            }),
            None => None,
        },
        posted_at,
    }))
}

/// A screenshot of the case, for an agent. The view is recorded.
#[utoipa::path(get, path = "/api/agent/cases/{id}/files/{file}", operation_id = "agent_get_case_file", tag = "support",
    params(
        ("id" = String, Path, description = "A case number"),
        ("file" = String, Path, description = "A screenshot id from agent_get_case"),
    ),
    responses(
        (status = 200, description = "The image as stored (metadata removed), sandboxed", content_type = "image/*"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an agent, two-step verification off, or the agent's own case", body = ErrorBody),
        (status = 404, description = "No such case, or no such screenshot on it", body = ErrorBody),
    ))]
pub async fn agent_get_case_file(
    State(state): State<AppState>,
    agent: Agent,
    Path((id, file)): Path<(String, String)>,
    _: Query<NoParams>,
) -> ApiResult<Response> {
    let found = find(&state, &agent, &id).await?;
    if !crate::db::codec::could_be_id(&file) {
        return Err(not_found());
    }
    let column = match found.summary.kind {
        CaseKind::Dispute => "dispute_id",
        CaseKind::FraudReport => "report_id",
    };
    let row: Option<(String, String)> = sqlx::query_as(&format!(
        "SELECT sha256, format FROM uploads WHERE id = $1 AND {column} = $2"
    ))
    .bind(&file)
    .bind(&id)
    .fetch_optional(&state.db.pool)
    .await?;
    let (sha256, format) = row.ok_or_else(not_found)?;
    audit::record_view(
        &state.db,
        &agent.actor(),
        Event {
            action: "view_file",
            customer_id: Some(&found.account_id),
            case_id: Some(&id),
            detail: serde_json::json!({ "file": file }),
        },
    )
    .await?;
    uploads::serve(&state, &file, &sha256, &format).await
}

/// The customer's live history, as the customer's own history page reads it (the same filters
/// and cursor). The view is recorded.
#[utoipa::path(get, path = "/api/agent/cases/{id}/transactions", operation_id = "agent_case_transactions", tag = "support",
    params(("id" = String, Path, description = "A case number"), TransactionQuery),
    responses(
        (status = 200, description = "One page of the customer's history, newest first", body = TransactionPage),
        (status = 400, description = "A bad filter or cursor (`filter_invalid`)", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an agent, two-step verification off, or the agent's own case", body = ErrorBody),
        (status = 404, description = "No such case", body = ErrorBody),
    ))]
pub async fn agent_case_transactions(
    State(state): State<AppState>,
    agent: Agent,
    Path(id): Path<String>,
    Query(q): Query<TransactionQuery>,
) -> ApiResult<axum::Json<TransactionPage>> {
    let found = find(&state, &agent, &id).await?;
    audit::record_view(
        &state.db,
        &agent.actor(),
        Event {
            action: "view_history",
            customer_id: Some(&found.account_id),
            case_id: Some(&id),
            detail: serde_json::json!({ "cursor": q.cursor.is_some() }),
        },
    )
    .await?;
    history::page(&state, &found.account_id, &q)
        .await
        .map(axum::Json)
}
