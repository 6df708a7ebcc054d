//! The pending sign-in: the password was right and one more step is still to come, a TOTP or
//! recovery code (kind `second_factor`, `second_step`) or the code mailed to prove a new browser
//! (kind `device`, `device_step`). It lives in its own short-lived cookie naming a stored row (the
//! token kept hashed), never in the session cookie, so no session exists until the step passes.

use crate::http::error::{ApiError, ApiResult};
use crate::identity::accounts::{self, Account};
use crate::identity::session::{cookie, token_from};
use crate::token;
use crate::AppState;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use portal_api::error::ErrorCode;
use sqlx::any::AnyExecutor;

/// Wrong codes one pending sign-in takes before it is deleted.
pub const MAX_ATTEMPTS: i64 = 5;

/// `__Host-` on https, like the session cookie.
pub fn cookie_name(state: &AppState) -> &'static str {
    if state.config.public_url.https {
        "__Host-pending-sign-in"
    } else {
        "pending-sign-in"
    }
}

pub fn cookie_for(state: &AppState, secret: &str, valid_secs: i64) -> HeaderValue {
    cookie(state, cookie_name(state), secret, valid_secs as u64)
}

pub fn clear_cookie(state: &AppState) -> HeaderValue {
    cookie(state, cookie_name(state), "", 0)
}

/// A live pending sign-in, as the browser's cookie names it.
pub struct Pending {
    /// SHA-256 of the cookie's token: the row's key.
    pub token_hash: String,
    pub account: Account,
    /// The mailed code's HMAC (kind `device` only).
    pub code_hash: Option<String>,
}

/// The live pending sign-in of `kind` (`second_factor` or `device`) that this request's cookie
/// names, with its account; `None` when there is none (the password must be given again).
pub async fn find(state: &AppState, headers: &HeaderMap, kind: &str) -> ApiResult<Option<Pending>> {
    let Some(secret) = token_from(headers, cookie_name(state)).filter(|t| t.len() <= 128) else {
        return Ok(None);
    };
    let token_hash = token::hash(&secret);
    let row: Option<(String, Option<String>)> = sqlx::query_as(
        "SELECT account_id, code_hash FROM pending_sign_ins
         WHERE token_hash = $1 AND expires_at > $2 AND kind = $3",
    )
    .bind(&token_hash)
    .bind(crate::clock::now())
    .bind(kind)
    .fetch_optional(&state.db.pool)
    .await?;
    let Some((account_id, code_hash)) = row else {
        return Ok(None);
    };
    let account = accounts::find_by_id(&state.db, &account_id).await?;
    Ok(account.map(|account| Pending {
        token_hash,
        account,
        code_hash,
    }))
}

/// Uses the pending sign-in `token_hash` up, in the caller's transaction or not: false when
/// another request with the same cookie took it first (or it expired), so of two, one wins.
pub async fn take<'c>(conn: impl AnyExecutor<'c>, token_hash: &str) -> ApiResult<bool> {
    let taken =
        sqlx::query("DELETE FROM pending_sign_ins WHERE token_hash = $1 AND expires_at > $2")
            .bind(token_hash)
            .bind(crate::clock::now())
            .execute(conn)
            .await?
            .rows_affected();
    Ok(taken == 1)
}

/// Drops the pending sign-in this browser already has, if any: a browser has one at a time.
pub async fn drop_earlier(state: &AppState, headers: &HeaderMap) -> ApiResult<()> {
    if let Some(old) = token_from(headers, cookie_name(state)) {
        sqlx::query("DELETE FROM pending_sign_ins WHERE token_hash = $1")
            .bind(token::hash(&old))
            .execute(&state.db.pool)
            .await?;
    }
    Ok(())
}

/// Counts a wrong code against the pending sign-in `token_hash`, deleting it at the limit.
pub async fn count_wrong_code(state: &AppState, token_hash: &str) -> ApiResult<()> {
    let (attempts,): (i64,) = sqlx::query_as(
        "UPDATE pending_sign_ins SET attempts = attempts + 1 WHERE token_hash = $1 RETURNING attempts",
    )
    .bind(token_hash)
    .fetch_optional(&state.db.pool)
    .await?
    .unwrap_or((MAX_ATTEMPTS,));
    if attempts >= MAX_ATTEMPTS {
        sqlx::query("DELETE FROM pending_sign_ins WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&state.db.pool)
            .await?;
    }
    Ok(())
}

/// 401 `sign_in_expired`, clearing the cookie: the password must be given again.
pub fn expired(state: &AppState) -> Response {
    let mut response = ApiError::new(
        StatusCode::UNAUTHORIZED,
        ErrorCode::SignInExpired,
        "The sign-in has expired. Enter your email address and password again.",
    )
    .into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, clear_cookie(state));
    response
}
