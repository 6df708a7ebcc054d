//! Calls to the portal's JSON API. Same origin, so the browser sends the session cookie and the
//! `Origin` header the server checks on state-changing requests.

use gloo_net::http::{Request, Response};
use portal_api::dto::{
    CodeRequest, EmailChangeConfirm, EmailChangeRequest, Me, PasswordChangeRequest,
    PasswordResetComplete, PasswordResetRequest, RecoveryCodes, RegisterRequest, RevokedResponse,
    SecondFactorRequired, SessionInfo, SignInHistoryPage, SignInRequest, StatusResponse,
    StepUpAnswer, StepUpRequest, TokenRequest, TotpDisableRequest, TotpEnrollment,
    VerifyEmailRequest,
};
use portal_api::error::{ErrorBody, ErrorCode, ErrorDetail};
use portal_api::evidence::{AddEvidenceRequest, CreateFraudReportRequest, FraudReport};
use portal_api::wallet::{
    AddCardRequest, Card, CreateDisputeRequest, Dispute, MonthlySpending, PaymentCode,
    SpendingQuery, TopUpRequest, Transaction, TransactionPage, TransactionQuery, Wallet,
    IDEMPOTENCY_HEADER,
};
use serde::de::DeserializeOwned;

/// Why a call failed, in the terms the page needs to show it.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// The server answered with its error shape.
    Api {
        detail: ErrorDetail,
        retry_after_secs: Option<u64>,
    },
    /// No answer (offline, DNS, the server is down) or an answer that is not ours.
    Network,
}

impl ApiError {
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            ApiError::Api { detail, .. } => Some(detail.code),
            ApiError::Network => None,
        }
    }
}

async fn error_from(response: Response) -> ApiError {
    let retry_after_secs = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.trim().parse().ok());
    match response.json::<ErrorBody>().await {
        Ok(body) => ApiError::Api {
            detail: body.error,
            retry_after_secs,
        },
        // A proxy's HTML error page, say: not something a person can act on beyond retrying.
        Err(_) => ApiError::Network,
    }
}

pub(crate) async fn expect_json<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    if response.ok() {
        response.json().await.map_err(|_| ApiError::Network)
    } else {
        Err(error_from(response).await)
    }
}

async fn expect_ok(response: Response) -> Result<(), ApiError> {
    if response.ok() {
        Ok(())
    } else {
        Err(error_from(response).await)
    }
}

pub(crate) async fn post<B: serde::Serialize>(path: &str, body: &B) -> Result<Response, ApiError> {
    Request::post(path)
        .json(body)
        .map_err(|_| ApiError::Network)?
        .send()
        .await
        .map_err(|_| ApiError::Network)
}

pub(crate) async fn post_empty(path: &str) -> Result<Response, ApiError> {
    Request::post(path)
        .send()
        .await
        .map_err(|_| ApiError::Network)
}

pub async fn register(request: &RegisterRequest) -> Result<(), ApiError> {
    expect_ok(post("/api/register", request).await?).await
}

pub async fn verify_email(token: String) -> Result<(), ApiError> {
    let response = post("/api/verify-email", &VerifyEmailRequest { token }).await?;
    expect_json::<StatusResponse>(response).await.map(|_| ())
}

/// What a right password leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignedIn {
    Done,
    /// The account has two-step verification: [`sign_in_second_factor`] finishes.
    NeedsCode,
    /// This browser is new to the account: [`sign_in_device_code`] finishes with the mailed code.
    NeedsDeviceCode,
}

pub async fn sign_in(email: String, password: String) -> Result<SignedIn, ApiError> {
    let response = post("/api/sign-in", &SignInRequest { email, password }).await?;
    if response.status() == 202 {
        let pending: SecondFactorRequired = expect_json(response).await?;
        return Ok(match pending.status.as_str() {
            "device_verification_required" => SignedIn::NeedsDeviceCode,
            _ => SignedIn::NeedsCode,
        });
    }
    expect_json::<Me>(response).await.map(|_| SignedIn::Done)
}

pub async fn sign_in_second_factor(code: String) -> Result<Me, ApiError> {
    expect_json(post("/api/sign-in/second-factor", &CodeRequest { code }).await?).await
}

pub async fn sign_in_device_code(code: String) -> Result<Me, ApiError> {
    expect_json(post("/api/sign-in/device-code", &CodeRequest { code }).await?).await
}

/// "This was not me": ends the pending sign-in the mail was about.
pub async fn sign_in_not_me(token: String) -> Result<(), ApiError> {
    let response = post("/api/sign-in/not-me", &TokenRequest { token }).await?;
    expect_json::<StatusResponse>(response).await.map(|_| ())
}

pub async fn password_reset_request(email: String) -> Result<(), ApiError> {
    expect_ok(post("/api/password-reset", &PasswordResetRequest { email }).await?).await
}

pub async fn password_reset_complete(request: &PasswordResetComplete) -> Result<(), ApiError> {
    expect_ok(post("/api/password-reset/complete", request).await?).await
}

pub async fn email_change_confirm(token: String) -> Result<(), ApiError> {
    expect_ok(post("/api/email-change/confirm", &EmailChangeConfirm { token }).await?).await
}

/// Proves it is still the customer (a code, or the password while 2FA is off); sensitive changes
/// are allowed until the returned time.
pub async fn step_up(request: &StepUpRequest) -> Result<StepUpAnswer, ApiError> {
    expect_json(post("/api/me/step-up", request).await?).await
}

pub async fn totp_enroll_start() -> Result<TotpEnrollment, ApiError> {
    expect_json(post_empty("/api/me/totp/enroll").await?).await
}

pub async fn totp_enroll_confirm(code: String) -> Result<RecoveryCodes, ApiError> {
    expect_json(post("/api/me/totp/confirm", &CodeRequest { code }).await?).await
}

pub async fn totp_disable(password: String, code: String) -> Result<(), ApiError> {
    expect_ok(
        post(
            "/api/me/totp/disable",
            &TotpDisableRequest { password, code },
        )
        .await?,
    )
    .await
}

pub async fn recovery_codes_regenerate() -> Result<RecoveryCodes, ApiError> {
    expect_json(post_empty("/api/me/recovery-codes").await?).await
}

pub async fn password_change(request: &PasswordChangeRequest) -> Result<(), ApiError> {
    expect_ok(post("/api/me/password", request).await?).await
}

pub async fn email_change(new_email: String) -> Result<(), ApiError> {
    expect_ok(post("/api/me/email", &EmailChangeRequest { new_email }).await?).await
}

pub async fn sign_out() -> Result<(), ApiError> {
    expect_ok(post_empty("/api/sign-out").await?).await
}

/// `Ok(None)` when nobody is signed in: that is an answer, not a failure.
pub async fn me() -> Result<Option<Me>, ApiError> {
    let response = Request::get("/api/me")
        .send()
        .await
        .map_err(|_| ApiError::Network)?;
    if response.status() == 401 {
        return Ok(None);
    }
    expect_json(response).await.map(Some)
}

/// Every live session of the signed-in customer, most recently used first.
/// A page of the sign-in history; `cursor` is the `next_cursor` of the page before.
pub async fn sign_in_history(cursor: Option<&str>) -> Result<SignInHistoryPage, ApiError> {
    // A cursor is base64url: nothing in it needs encoding.
    let path = match cursor {
        Some(c) => format!("/api/me/sign-ins?cursor={c}"),
        None => "/api/me/sign-ins".to_owned(),
    };
    let response = Request::get(&path)
        .send()
        .await
        .map_err(|_| ApiError::Network)?;
    expect_json(response).await
}

pub async fn sessions() -> Result<Vec<SessionInfo>, ApiError> {
    let response = Request::get("/api/sessions")
        .send()
        .await
        .map_err(|_| ApiError::Network)?;
    expect_json(response).await
}

/// Ends one session of the customer (`id` from [`sessions`]).
pub async fn revoke_session(id: &str) -> Result<(), ApiError> {
    let path = format!("/api/sessions/{}", js_sys::encode_uri_component(id));
    let response = Request::delete(&path)
        .send()
        .await
        .map_err(|_| ApiError::Network)?;
    expect_ok(response).await
}

/// Ends every session but this one; returns how many were ended.
pub async fn revoke_other_sessions() -> Result<u64, ApiError> {
    let response = post_empty("/api/sessions/revoke-others").await?;
    expect_json::<RevokedResponse>(response)
        .await
        .map(|r| r.revoked)
}

pub async fn resend_verification() -> Result<(), ApiError> {
    expect_ok(post_empty("/api/me/verification-email").await?).await
}

/// The Pwned Passwords range answer for a 5-hex-character prefix. `Add-Padding` makes every
/// answer about the same size, so its length does not hint at which prefix was asked.
pub async fn pwned_range(prefix: &str) -> Result<String, ApiError> {
    let response = Request::get(&format!("/api/pwned/range/{prefix}"))
        .header("Add-Padding", "true")
        .send()
        .await
        .map_err(|_| ApiError::Network)?;
    if !response.ok() {
        return Err(error_from(response).await);
    }
    response.text().await.map_err(|_| ApiError::Network)
}

pub(crate) async fn get_json<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    let response = Request::get(path)
        .send()
        .await
        .map_err(|_| ApiError::Network)?;
    expect_json(response).await
}

/// A query string from a serializable struct (absent fields left out).
pub(crate) fn query<Q: serde::Serialize>(path: &str, q: &Q) -> String {
    let params = web_sys::UrlSearchParams::new().expect("URLSearchParams");
    if let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(q) {
        for (name, value) in fields {
            match value {
                serde_json::Value::Null => {}
                serde_json::Value::String(s) => params.append(&name, &s),
                other => params.append(&name, &other.to_string()),
            }
        }
    }
    let search = String::from(params.to_string());
    if search.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{search}")
    }
}

/// A fresh `Idempotency-Key`: one per attempt the customer makes, reused if that attempt is
/// sent again, so a retry after a lost answer cannot move money twice.
pub fn idempotency_key() -> String {
    web_sys::window()
        .and_then(|w| w.crypto().ok())
        .map(|c| c.random_uuid())
        .expect("crypto.randomUUID")
}

async fn post_moving_money<B: serde::Serialize>(
    path: &str,
    body: &B,
    key: &str,
) -> Result<Response, ApiError> {
    Request::post(path)
        .header(IDEMPOTENCY_HEADER, key)
        .json(body)
        .map_err(|_| ApiError::Network)?
        .send()
        .await
        .map_err(|_| ApiError::Network)
}

pub async fn wallet() -> Result<Wallet, ApiError> {
    get_json("/api/wallet").await
}

pub async fn cards() -> Result<Vec<Card>, ApiError> {
    get_json("/api/cards").await
}

pub async fn add_card(request: &AddCardRequest) -> Result<Card, ApiError> {
    expect_json(post("/api/cards", request).await?).await
}

pub async fn remove_card(id: &str) -> Result<(), ApiError> {
    let path = format!("/api/cards/{}", js_sys::encode_uri_component(id));
    let response = Request::delete(&path)
        .send()
        .await
        .map_err(|_| ApiError::Network)?;
    expect_ok(response).await
}

/// A completed, pending or (as an error) declined top-up.
pub async fn top_up(request: &TopUpRequest, key: &str) -> Result<Transaction, ApiError> {
    expect_json(post_moving_money("/api/top-ups", request, key).await?).await
}

pub async fn payment_code() -> Result<PaymentCode, ApiError> {
    expect_json(post_empty("/api/payment-codes").await?).await
}

pub async fn transactions(q: &TransactionQuery) -> Result<TransactionPage, ApiError> {
    get_json(&query("/api/transactions", q)).await
}

/// Where the CSV of the rows `q` selects downloads from (no cursor, no limit).
pub fn transactions_csv_url(q: &TransactionQuery) -> String {
    let all = TransactionQuery {
        cursor: None,
        limit: None,
        ..q.clone()
    };
    query("/api/transactions/export.csv", &all)
}

pub async fn transaction(id: &str) -> Result<Transaction, ApiError> {
    get_json(&format!(
        "/api/transactions/{}",
        js_sys::encode_uri_component(id)
    ))
    .await
}

pub async fn spending(q: &SpendingQuery) -> Result<MonthlySpending, ApiError> {
    get_json(&query("/api/transactions/stats", q)).await
}

pub async fn create_dispute(
    transaction_id: &str,
    request: &CreateDisputeRequest,
) -> Result<Dispute, ApiError> {
    let path = format!(
        "/api/transactions/{}/disputes",
        js_sys::encode_uri_component(transaction_id)
    );
    expect_json(post(&path, request).await?).await
}

pub async fn disputes() -> Result<Vec<Dispute>, ApiError> {
    get_json("/api/disputes").await
}

pub async fn dispute(id: &str) -> Result<Dispute, ApiError> {
    get_json(&format!(
        "/api/disputes/{}",
        js_sys::encode_uri_component(id)
    ))
    .await
}

/// Answers support's question on a dispute (screenshots, a note or both); answers the dispute as
/// it now is.
pub async fn add_dispute_evidence(
    id: &str,
    request: &AddEvidenceRequest,
) -> Result<Dispute, ApiError> {
    let path = format!(
        "/api/disputes/{}/evidence",
        js_sys::encode_uri_component(id)
    );
    expect_json(post(&path, request).await?).await
}

/// Removes a screenshot that was uploaded but not yet attached to a report or a dispute.
pub async fn delete_evidence(id: &str) -> Result<(), ApiError> {
    let path = format!("/api/evidence/{}", js_sys::encode_uri_component(id));
    let response = Request::delete(&path)
        .send()
        .await
        .map_err(|_| ApiError::Network)?;
    expect_ok(response).await
}

/// Reports fraud; the wallet is frozen from the moment this answers.
pub async fn create_fraud_report(
    request: &CreateFraudReportRequest,
) -> Result<FraudReport, ApiError> {
    expect_json(post("/api/fraud-reports", request).await?).await
}

/// The customer's reports, newest first.
pub async fn fraud_reports() -> Result<Vec<FraudReport>, ApiError> {
    get_json("/api/fraud-reports").await
}

pub async fn fraud_report(id: &str) -> Result<FraudReport, ApiError> {
    get_json(&fraud_report_path(id)).await
}

/// Adds screenshots, a note or both to a report; answers the report as it now is.
pub async fn add_evidence(id: &str, request: &AddEvidenceRequest) -> Result<FraudReport, ApiError> {
    let path = format!("{}/evidence", fraud_report_path(id));
    expect_json(post(&path, request).await?).await
}

fn fraud_report_path(id: &str) -> String {
    format!("/api/fraud-reports/{}", js_sys::encode_uri_component(id))
}

/// The error an answer's body carries, for callers that read the body themselves (the
/// screenshot upload, which goes through XMLHttpRequest for its progress events).
pub fn error_from_text(body: &str, retry_after_secs: Option<u64>) -> ApiError {
    match serde_json::from_str::<ErrorBody>(body) {
        Ok(body) => ApiError::Api {
            detail: body.error,
            retry_after_secs,
        },
        Err(_) => ApiError::Network,
    }
}
