//! The support console's calls. Every action answers the case as it now is.

use gloo_net::http::Request;
use portal_api::agent::{
    AuditPage, AuditQuery, CaseDetail, CasePage, CaseQuery, CaseStats, CaseTextRequest,
    RefundRequest,
};
use portal_api::money::Money;
use portal_api::wallet::{TransactionPage, TransactionQuery};

use crate::api::{expect_json, get_json, post, post_empty, query, ApiError};

fn case_path(id: &str) -> String {
    format!("/api/agent/cases/{}", js_sys::encode_uri_component(id))
}

pub async fn cases(q: &CaseQuery) -> Result<CasePage, ApiError> {
    get_json(&query("/api/agent/cases", q)).await
}

pub async fn stats() -> Result<CaseStats, ApiError> {
    get_json("/api/agent/stats").await
}

pub async fn case(id: &str) -> Result<CaseDetail, ApiError> {
    get_json(&case_path(id)).await
}

/// The customer's history as it is now, a page at a time.
pub async fn transactions(id: &str, q: &TransactionQuery) -> Result<TransactionPage, ApiError> {
    get_json(&query(&format!("{}/transactions", case_path(id)), q)).await
}

pub async fn claim(id: &str) -> Result<CaseDetail, ApiError> {
    expect_json(post_empty(&format!("{}/claim", case_path(id))).await?).await
}

pub async fn unassign(id: &str) -> Result<CaseDetail, ApiError> {
    let response = Request::delete(&format!("{}/claim", case_path(id)))
        .send()
        .await
        .map_err(|_| ApiError::Network)?;
    expect_json(response).await
}

/// What an agent writes on a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    Note,
    RequestInfo,
    Decline,
}

pub async fn write(id: &str, what: Written, text: String) -> Result<CaseDetail, ApiError> {
    let action = match what {
        Written::Note => "notes",
        Written::RequestInfo => "request-info",
        Written::Decline => "decline",
    };
    let path = format!("{}/{action}", case_path(id));
    expect_json(post(&path, &CaseTextRequest { text }).await?).await
}

/// Posts the refund, or leaves it waiting for a second agent (the answer's `refund` says which).
pub async fn refund(id: &str, amount: Money) -> Result<CaseDetail, ApiError> {
    let path = format!("{}/refund", case_path(id));
    expect_json(post(&path, &RefundRequest { amount }).await?).await
}

pub async fn approve_refund(id: &str) -> Result<CaseDetail, ApiError> {
    expect_json(post_empty(&format!("{}/refund/approve", case_path(id))).await?).await
}

pub async fn unfreeze(id: &str) -> Result<CaseDetail, ApiError> {
    expect_json(post_empty(&format!("{}/unfreeze", case_path(id))).await?).await
}

pub async fn audit_log(q: &AuditQuery) -> Result<AuditPage, ApiError> {
    get_json(&query("/api/admin/audit-log", q)).await
}

/// Where every entry downloads as CSV.
pub const AUDIT_CSV_URL: &str = "/api/admin/audit-log?format=csv";
