//! More evidence for a report: screenshots, a note or both, as a new entry of its chain. Nothing
//! is replaced. A report waiting for more information goes back to review.

use super::{not_found, seal, table};
use crate::db::codec::plausible_id;
use crate::evidence::chain;
use crate::evidence::uploads::{self, Case};
use crate::http::error::ApiResult;
use crate::wallet::ledger::{self, TxError};
use crate::AppState;
use portal_api::evidence::ReportEventKind;
use portal_api::wallet::DisputeStatus;

/// Adds to `account_id`'s report `id`; another customer's report is "not found" like an unknown
/// id. `note` has passed its rules already.
pub async fn add(
    state: &AppState,
    account_id: &str,
    id: &str,
    note: Option<&str>,
    screenshots: &[String],
) -> ApiResult<()> {
    if !plausible_id(id) {
        return Err(not_found("report", None));
    }
    ledger::retrying(|| async move {
        let now = crate::clock::now();
        let mut tx = state.db.pool.begin().await?;
        let Some(status) = table::touch(&mut tx, id, account_id, now).await? else {
            return Err(TxError::Api(not_found("report", None)));
        };
        let (before, shots) =
            uploads::attach_more(&mut tx, account_id, screenshots, Case::Report(id), now).await?;
        let status = match status {
            DisputeStatus::MoreInfoNeeded => DisputeStatus::UnderReview,
            other => other,
        };
        let mut body = chain::body(id, ReportEventKind::EvidenceAdded, now, "customer", status);
        body.note = note.map(str::to_owned);
        body.screenshots = seal(&shots, before);
        chain::append(&mut tx, body).await?;
        tx.commit().await?;
        Ok(())
    })
    .await
}
