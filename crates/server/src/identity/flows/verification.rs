//! Verification, a flow: proving an email address with a single-use link, valid for a day,
//! stored hashed; sent at registration and again on request. The browser that opens the link
//! has proved the mailbox as a device code would, so it is remembered as the account's device.

use crate::http::error::{ApiError, ApiResult};
use crate::http::json::Json;
use crate::identity::accounts::{self, Account};
use crate::identity::device;
use crate::identity::session::SignedIn;
use crate::identity::throttle::{self, Window};
use crate::mail::{templates, Outbox};
use crate::token;
use crate::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use portal_api::dto::{Locale, StatusResponse, VerifyEmailRequest};
use portal_api::error::{ErrorBody, ErrorCode};

/// New verification links one account may ask for per throttle window (each is a mail).
const VERIFY_MAILS_PER_WINDOW: u32 = 5;

const VALID_SECS: i64 = 24 * 60 * 60;

/// Issues a new link for the account's current address (voiding any earlier unused one) and
/// queues the mail, inside the caller's transaction.
pub async fn issue(
    state: &AppState,
    conn: &mut sqlx::AnyConnection,
    account_id: &str,
    email: &str,
    locale: Locale,
) -> ApiResult<()> {
    let t = token::new();
    let now = crate::clock::now();
    sqlx::query("DELETE FROM email_verifications WHERE account_id = $1 AND used_at IS NULL")
        .bind(account_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO email_verifications (token_hash, account_id, email_key, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&t.hash)
    .bind(account_id)
    .bind(email.to_lowercase())
    .bind(now)
    .bind(now + VALID_SECS)
    .execute(&mut *conn)
    .await?;
    let link = format!(
        "{}/verify-email?token={}",
        state.config.public_url.base, t.secret
    );
    Outbox::queue(
        &state.outbox,
        conn,
        &templates::verify_email(locale, email, &link),
    )
    .await?;
    Ok(())
}

/// Uses up a token and marks its address verified: the account, or `None` when the token is
/// unknown, used, expired, or was for an address the account no longer has (one answer for all).
pub async fn consume(state: &AppState, secret: &str) -> ApiResult<Option<Account>> {
    let now = crate::clock::now();
    let mut tx = state.db.pool.begin().await?;
    let row: Option<(String, String)> = sqlx::query_as(
        "UPDATE email_verifications SET used_at = $1
         WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1
         RETURNING account_id, email_key",
    )
    .bind(now)
    .bind(token::hash(secret))
    .fetch_optional(&mut *tx)
    .await?;
    let Some((account_id, email_key)) = row else {
        return Ok(None);
    };
    if !accounts::mark_verified(&mut *tx, &account_id, &email_key, now).await? {
        return Ok(None);
    }
    tx.commit().await?;
    accounts::find_by_id(&state.db, &account_id).await
}

/// Confirm an email address with the token from the link in the mail. This browser is then
/// remembered as the account's device (the device cookie), so signing in here needs no mailed
/// code.
#[utoipa::path(post, path = "/api/verify-email", operation_id = "verify_email", tag = "identity",
    request_body = VerifyEmailRequest,
    responses(
        (status = 200, description = "The address is verified; the device cookie is set", body = StatusResponse),
        (status = 400, description = "Unknown, used or expired token (`token_invalid`), or malformed JSON", body = ErrorBody),
    ))]
pub async fn verify_email(
    State(state): State<AppState>,
    Json(req): Json<VerifyEmailRequest>,
) -> ApiResult<Response> {
    let account = match req.token.len() {
        0..=128 => consume(&state, &req.token).await?,
        _ => None,
    };
    let Some(account) = account else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::TokenInvalid,
            "This link is invalid or has expired. Sign in to send a new one.",
        ));
    };
    Ok((
        [(header::SET_COOKIE, device::issue_for(&state, &account))],
        axum::Json(StatusResponse {
            status: "verified".into(),
        }),
    )
        .into_response())
}

/// Send a new verification link to the signed-in customer's unverified address.
#[utoipa::path(post, path = "/api/me/verification-email", operation_id = "resend_verification", tag = "identity",
    responses(
        (status = 202, description = "A new link is on its way (or the address is already verified)", body = StatusResponse),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 429, description = "Too many requests for new links", body = ErrorBody),
    ))]
pub async fn resend_verification(
    State(state): State<AppState>,
    SignedIn { account, .. }: SignedIn,
) -> ApiResult<(StatusCode, axum::Json<StatusResponse>)> {
    if account.email_verified_at.is_none() {
        let key = format!("verify-mail:{}", account.id);
        let now = crate::clock::now();
        throttle::take(
            &state.db,
            &Window::of(&state),
            &key,
            VERIFY_MAILS_PER_WINDOW,
            now,
        )
        .await?;
        let mut tx = state.db.pool.begin().await?;
        issue(
            &state,
            &mut tx,
            &account.id,
            &account.email,
            account.locale(),
        )
        .await?;
        tx.commit().await?;
        state.outbox.wake();
    }
    Ok((
        StatusCode::ACCEPTED,
        axum::Json(StatusResponse {
            status: "verification_sent".into(),
        }),
    ))
}
