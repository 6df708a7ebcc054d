//! Recovery, a flow: a forgotten password, reset with a mailed link (and the second factor when
//! it is on). The link goes only to the verified address on file; a finished reset ends every
//! session at once and tells the customer by mail; the browser that used the link is remembered
//! as the account's device. The link's mechanism (`issue_link`) also
//! sends staff invitations (`support::invitation`).

use crate::http::client::Client;
use crate::http::error::{ApiError, ApiResult};
use crate::http::json::Json;
use crate::identity::accounts::{self, Account};
use crate::identity::device;
use crate::identity::factors::password::{self, rename_field, set_password_and_end_sessions};
use crate::identity::factors::second_factor;
use crate::identity::throttle::{self, Window};
use crate::mail::templates;
use crate::token;
use crate::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use portal_api::dto::{PasswordResetComplete, PasswordResetRequest, StatusResponse};
use portal_api::error::{ErrorBody, ErrorCode};

const VALID_SECS: i64 = 30 * 60;
/// Reset mails one address may be sent per throttle window, so the form cannot flood a mailbox.
const MAILS_PER_WINDOW: u32 = 3;

fn status(s: &str) -> axum::Json<StatusResponse> {
    axum::Json(StatusResponse { status: s.into() })
}

/// Ask for a reset link. The answer is the same whether or not the address has an account, is
/// verified, or has asked too often; only the mailbox learns which.
#[utoipa::path(post, path = "/api/password-reset", operation_id = "password_reset_request", tag = "identity",
    request_body = PasswordResetRequest,
    responses(
        (status = 202, description = "If the address is a verified customer's, a link is on its way", body = StatusResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 429, description = "Too many requests from this source address", body = ErrorBody),
    ))]
pub async fn password_reset_request(
    State(state): State<AppState>,
    client: Client,
    Json(req): Json<PasswordResetRequest>,
) -> ApiResult<(StatusCode, axum::Json<StatusResponse>)> {
    let now = crate::clock::now();
    let window = Window::of(&state);
    let by_address = format!("reset:address:{}", client.network());
    throttle::take(
        &state.db,
        &window,
        &by_address,
        state.config.throttle.per_address,
        now,
    )
    .await?;
    let email_key: String = req.email.trim().to_lowercase().chars().take(300).collect();
    let found = accounts::find_for_sign_in(&state.db, &email_key).await?;
    if let Some((account, _)) = found.filter(|(a, _)| a.email_verified_at.is_some()) {
        let by_account = format!("reset:account:{}", account.id);
        if throttle::try_take(&state.db, &window, &by_account, MAILS_PER_WINDOW, now).await? {
            issue(&state, &account, now).await?;
        }
    }
    Ok((StatusCode::ACCEPTED, status("reset_requested")))
}

async fn issue(state: &AppState, account: &Account, now: i64) -> ApiResult<()> {
    crate::events::count_now(&state.db, crate::events::PASSWORD_RESET).await;
    let mut tx = state.db.pool.begin().await?;
    issue_link(state, &mut tx, account, now, VALID_SECS, |link| {
        // To the address on file, whatever the request said.
        templates::password_reset(account.locale(), &account.email, link)
    })
    .await?;
    tx.commit().await?;
    state.outbox.wake();
    Ok(())
}

/// Mails a one-use link to choose a new password, valid for `valid_secs`, in the caller's
/// transaction; `mail` writes the message around the link. The reset's own mechanism, and what
/// staff invitations are sent with (`support::invitation`).
pub async fn issue_link(
    state: &AppState,
    tx: &mut sqlx::AnyConnection,
    account: &Account,
    now: i64,
    valid_secs: i64,
    mail: impl FnOnce(&str) -> crate::mail::Mail,
) -> ApiResult<()> {
    let t = token::new();
    // A newer link voids every older one.
    sqlx::query("DELETE FROM password_resets WHERE account_id = $1")
        .bind(&account.id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO password_resets (token_hash, account_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(&t.hash)
        .bind(&account.id)
        .bind(now)
        .bind(now + valid_secs)
        .execute(&mut *tx)
        .await?;
    let link = format!(
        "{}/reset-password?token={}",
        state.config.public_url.base, t.secret
    );
    state.outbox.queue(tx, &mail(&link)).await?;
    Ok(())
}

/// Voids any outstanding reset link of the account: signing in shows the customer still knows
/// their password, so a link someone else may have asked for has no business staying live.
pub async fn void_links(state: &AppState, account_id: &str) -> ApiResult<()> {
    sqlx::query("DELETE FROM password_resets WHERE account_id = $1")
        .bind(account_id)
        .execute(&state.db.pool)
        .await?;
    Ok(())
}

fn token_invalid() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        ErrorCode::TokenInvalid,
        "This link is invalid, used or expired. Ask for a new one.",
    )
}

/// Choose a new password with the token from the mailed link, and a TOTP or recovery code when
/// the account has two-step verification. Every session of the account ends; the customer signs
/// in again with the new password.
#[utoipa::path(post, path = "/api/password-reset/complete", operation_id = "password_reset_complete", tag = "identity",
    request_body = PasswordResetComplete,
    responses(
        (status = 200, description = "The password is changed and every session ended; this browser gets the device cookie", body = StatusResponse),
        (status = 400, description = "Unknown, used, replaced or expired token (`token_invalid`), the account has two-step verification and no `code` was given (`second_factor_required`), or malformed JSON", body = ErrorBody),
        (status = 401, description = "Wrong, used or expired TOTP or recovery code (`code_invalid`); the link stays usable", body = ErrorBody),
        (status = 422, description = "The new password breaks a rule; `field` names it", body = ErrorBody),
        (status = 429, description = "Too many wrong codes; see Retry-After", body = ErrorBody),
    ))]
pub async fn password_reset_complete(
    State(state): State<AppState>,
    Json(req): Json<PasswordResetComplete>,
) -> ApiResult<Response> {
    if req.token.len() > 128 {
        return Err(token_invalid());
    }
    let now = crate::clock::now();
    let hash = token::hash(&req.token);
    let sql = format!(
        "SELECT {} FROM password_resets JOIN accounts ON accounts.id = password_resets.account_id
         WHERE password_resets.token_hash = $1 AND password_resets.used_at IS NULL AND password_resets.expires_at > $2",
        accounts::COLUMNS
    );
    let row = sqlx::query(&sql)
        .bind(&hash)
        .bind(now)
        .fetch_optional(&state.db.pool)
        .await?;
    let account = Account::from_row(&row.ok_or_else(token_invalid)?)?;
    // With two-step verification on, the mailbox alone is not enough: a code is needed too.
    // Everything is checked before the token is spent, so a refusal does not cost the link.
    let code = match (account.totp_enabled(), req.code.as_deref()) {
        (false, _) => None,
        (true, None) => return Err(second_factor::second_factor_required()),
        (true, Some(code)) => Some(code),
    };
    let new_password = password::check_new(
        &req.new_password,
        &account.email,
        account.display_name.as_deref(),
        &state.pwned,
    )
    .await
    .map_err(|e| rename_field(e, "new_password"))?;
    let proof = match code {
        Some(code) => {
            let slots = second_factor::reserve(&state, &account.id).await?;
            match second_factor::judge(&state, &account, code).await? {
                Some(proof) => Some((proof, code, slots)),
                None => return Err(second_factor::refuse(slots, code).await),
            }
        }
        None => None,
    };
    let phc = state.hasher.hash(new_password.as_str()).await?;

    let mut tx = state.db.pool.begin().await?;
    let spent = sqlx::query(
        "UPDATE password_resets SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1",
    )
    .bind(now)
    .bind(&hash)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if spent != 1 {
        return Err(token_invalid());
    }
    let mut slots = None;
    if let Some((proof, code, taken)) = proof {
        if !second_factor::spend(&state, &mut tx, &account, &proof).await? {
            drop(tx);
            return Err(second_factor::refuse(taken, code).await);
        }
        slots = Some(taken);
    }
    set_password_and_end_sessions(&state, &mut tx, &account, &phc, None).await?;
    tx.commit().await?;
    // After the commit: on SQLite a write before it would wait for this transaction's lock.
    if let Some(slots) = slots {
        slots.give_back().await?;
    }
    state.outbox.wake();
    // The browser that opened the mailed link has proved the mailbox, as a device code would.
    Ok((
        [(header::SET_COOKIE, device::issue_for(&state, &account))],
        status("password_reset"),
    )
        .into_response())
}
