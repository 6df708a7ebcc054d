//! Submitting a fraud report (docs/threat-model.md#t11): in one database transaction the wallet
//! is frozen, the history is sealed and the manifest becomes entry 1 of the report's evidence
//! chain; the customer is mailed the report's number and the manifest's SHA-256.

use super::{not_found, seal, snapshot, table};
use crate::evidence::chain;
use crate::evidence::uploads::{self, Case};
use crate::http::error::{ApiError, ApiResult};
use crate::identity::accounts::Account;
use crate::mail::templates;
use crate::wallet::history::{self, HistoryRow};
use crate::wallet::ledger::{self, TxError, WALLET};
use crate::wallet::{refunds, WALLET_CURRENCY};
use crate::AppState;
use axum::http::StatusCode;
use portal_api::agent::CaseKind;
use portal_api::error::ErrorCode;
use portal_api::evidence::{
    CreateFraudReportRequest, ReportEventKind, ReportText, REPORT_TRANSACTIONS_MAX,
};
use portal_api::money::Money;
use portal_api::wallet::DisputeStatus;
use sqlx::AnyConnection;

/// A request that passed every check made before the transaction.
struct Draft<'r> {
    description: ReportText,
    reported: Vec<HistoryRow>,
    screenshots: &'r [String],
}

/// What the transaction sealed.
struct Sealed {
    manifest_sha256: String,
    rows: u64,
    screenshots: usize,
}

/// Submits a report for `account`: what `POST /api/fraud-reports` and `seed-demo` call. Answers
/// the report as the customer reads it back.
pub async fn create(
    state: &AppState,
    account: &Account,
    req: &CreateFraudReportRequest,
) -> ApiResult<portal_api::evidence::FraudReport> {
    let draft = check(state, account, req).await?;
    let wallet_id = ledger::account_in(&state.db, WALLET, &account.id, WALLET_CURRENCY).await?;
    let number = new_number();
    let (draft, wallet_id, number_ref) = (&draft, &wallet_id, &number);
    let sealed =
        ledger::retrying(|| seal_report(state, account, draft, wallet_id, number_ref)).await?;
    state.outbox.wake();
    tracing::info!(report = %number, rows = sealed.rows, screenshots = sealed.screenshots,
        manifest = %sealed.manifest_sha256, "fraud report sealed; wallet frozen");
    super::load(state, &account.id, Some(&number))
        .await?
        .pop()
        .ok_or_else(|| ApiError::internal("a report just made cannot be read"))
}

/// A new report's id, which is also the number the customer quotes, e.g. `F-7KQ2-M9XA-4TRB`.
fn new_number() -> String {
    crate::cases::number('F')
}

/// The description's rules, one to [`REPORT_TRANSACTIONS_MAX`] distinct transactions, each the
/// customer's own.
async fn check<'r>(
    state: &AppState,
    account: &Account,
    req: &'r CreateFraudReportRequest,
) -> ApiResult<Draft<'r>> {
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
            "Choose at least one transaction.",
        ));
    }
    if ids.len() > REPORT_TRANSACTIONS_MAX {
        return Err(field_error(
            ErrorCode::FilterInvalid,
            &format!("Report at most {REPORT_TRANSACTIONS_MAX} transactions at once."),
        ));
    }
    let mut reported = Vec::with_capacity(ids.len());
    for id in ids {
        let row = match crate::db::codec::could_be_id(id) {
            true => history::find(&state.db, &account.id, id).await?,
            false => None,
        };
        reported.push(row.ok_or_else(|| not_found("transaction", Some("transaction_ids")))?);
    }
    Ok(Draft {
        description,
        reported,
        screenshots: &req.screenshots,
    })
}

fn field_error(code: ErrorCode, message: &str) -> ApiError {
    ApiError {
        field: Some("transaction_ids"),
        ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }
}

/// One attempt of the report's transaction.
async fn seal_report(
    state: &AppState,
    account: &Account,
    draft: &Draft<'_>,
    wallet_id: &str,
    number: &str,
) -> Result<Sealed, TxError> {
    let now = crate::clock::now();
    let mut tx = state.db.pool.begin().await?;
    // The wallet's lock first: a payment in flight either commits before (and is in the
    // snapshot) or waits and finds the wallet frozen (wallet::ledger::post).
    ledger::lock(&mut tx, state.db.backend, wallet_id).await?;
    none_refunded_in_full(&mut tx, &draft.reported).await?;
    table::insert(
        &mut tx,
        number,
        &account.id,
        draft.description.as_str(),
        now,
    )
    .await?;
    crate::wallet::freeze::freeze(&mut tx, &account.id, number, now).await?;
    let ids: Vec<&str> = draft.reported.iter().map(|r| r.id.as_str()).collect();
    table::insert_transactions(&mut tx, number, &ids).await?;
    let shots = uploads::attach(
        &mut tx,
        &account.id,
        draft.screenshots,
        Case::Report(number),
        now,
    )
    .await?;
    let at_stake = Money {
        minor: draft.reported.iter().map(|r| r.amount.minor.abs()).sum(),
        currency: WALLET_CURRENCY,
    };
    crate::cases::open(
        &mut tx,
        number,
        CaseKind::FraudReport,
        &account.id,
        at_stake,
        now,
    )
    .await?;
    let snapshot =
        snapshot::take(state, &mut tx, &account.id, number, &draft.reported, now).await?;
    let rows = snapshot.rows;

    let mut body = chain::body(
        number,
        ReportEventKind::Submitted,
        now,
        "customer",
        DisputeStatus::Submitted,
    );
    body.sealed = Some(chain::Sealed {
        customer_email: account.email.clone(),
        description: draft.description.as_str().to_owned(),
        reported_transactions: ids.iter().map(|id| id.to_string()).collect(),
        wallet_frozen_at: now,
        snapshot,
    });
    body.screenshots = seal(&shots, 0);
    let manifest_sha256 = chain::append(&mut tx, body).await?;
    table::set_sealed(&mut tx, number, &manifest_sha256, rows as usize).await?;
    let mail = templates::fraud_report_submitted(
        account.locale(),
        &account.email,
        &templates::ReportFacts {
            number,
            at: now,
            transactions: draft.reported.len(),
            screenshots: shots.len(),
            manifest_sha256: &manifest_sha256,
        },
        &format!(
            "{}/wallet/fraud-reports/{number}",
            state.config.public_url.base
        ),
    );
    state.outbox.queue(&mut tx, &mail).await?;
    tx.commit().await?;
    Ok(Sealed {
        manifest_sha256,
        rows,
        screenshots: shots.len(),
    })
}

/// Under the same lock that refunds take before they read what is left (support/actions.rs): a
/// row paid back in full has nothing left to report.
async fn none_refunded_in_full(
    conn: &mut AnyConnection,
    reported: &[HistoryRow],
) -> Result<(), TxError> {
    for row in reported {
        if refunds::left(&mut *conn, &row.id).await? <= 0 {
            return Err(TxError::Api(ApiError {
                message: format!(
                    "Transaction {} has been refunded in full already: leave it out.",
                    row.id
                ),
                ..refunds::refunded_in_full(Some("transaction_ids"))
            }));
        }
    }
    Ok(())
}
