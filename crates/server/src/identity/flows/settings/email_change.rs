//! Changing the account's email address: after a step-up, a single-use link goes to the new
//! address, and only opening it makes the change. The old address is told when the change is
//! asked for and again when it is made. An address that already has an account gets a note
//! instead of a link, and the requester sees the same answer either way.

use crate::http::error::{ApiError, ApiResult};
use crate::http::json::Json;
use crate::identity::device;
use crate::identity::session::SignedIn;
use crate::identity::throttle::{self, Window};
use crate::mail::templates;
use crate::token;
use crate::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use portal_api::dto::{EmailChangeConfirm, EmailChangeRequest, Locale, StatusResponse};
use portal_api::error::{ErrorBody, ErrorCode};
use portal_api::rules::Email;

/// A day, like the sign-up verification link.
const VALID_SECS: i64 = 24 * 60 * 60;
/// Change requests one account may make per throttle window (each sends two mails).
const REQUESTS_PER_WINDOW: u32 = 5;

fn token_invalid() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        ErrorCode::TokenInvalid,
        "This link is invalid, used or expired. Ask for the change again.",
    )
}

/// Ask to change the account's email address (after a step-up). A confirmation link goes to the
/// new address; the current address is told. The answer is the same whether or not the new
/// address already has an account.
#[utoipa::path(post, path = "/api/me/email", operation_id = "email_change", tag = "identity",
    request_body = EmailChangeRequest,
    responses(
        (status = 202, description = "A confirmation link is on its way to the new address", body = StatusResponse),
        (status = 400, description = "The address is the current one (`email_unchanged`), or malformed JSON", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Step up first (`step_up_required`)", body = ErrorBody),
        (status = 422, description = "The new address breaks a rule (`field` is `new_email`)", body = ErrorBody),
        (status = 429, description = "Too many change requests; see Retry-After", body = ErrorBody),
    ))]
pub async fn email_change(
    State(state): State<AppState>,
    me: SignedIn,
    Json(req): Json<EmailChangeRequest>,
) -> ApiResult<(StatusCode, axum::Json<StatusResponse>)> {
    me.require_step_up(&state)?;
    let account = &me.account;
    let email = Email::parse(&req.new_email).map_err(|e| ApiError {
        field: Some("new_email"),
        ..ApiError::from(e)
    })?;
    if email.key() == account.email_key() {
        return Err(ApiError {
            field: Some("new_email"),
            ..ApiError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::EmailUnchanged,
                "That is already the account's email address.",
            )
        });
    }
    let now = crate::clock::now();
    throttle::take(
        &state.db,
        &Window::of(&state),
        &format!("email-change:{}", account.id),
        REQUESTS_PER_WINDOW,
        now,
    )
    .await?;
    let owner: Option<(String,)> =
        sqlx::query_as("SELECT locale FROM accounts WHERE email_key = $1")
            .bind(email.key())
            .fetch_optional(&state.db.pool)
            .await?;

    let t = token::new();
    let mut tx = state.db.pool.begin().await?;
    // A newer request voids every older one.
    crate::identity::accounts::cancel_email_changes(&mut tx, &account.id).await?;
    sqlx::query(
        "INSERT INTO email_changes (token_hash, account_id, new_email, new_email_key, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&t.hash)
    .bind(&account.id)
    .bind(email.as_str())
    .bind(email.key())
    .bind(now)
    .bind(now + VALID_SECS)
    .execute(&mut *tx)
    .await?;
    let base = &state.config.public_url.base;
    let to_new = match owner {
        // The token is dropped here, unsent: this row can never be confirmed.
        Some((their_locale,)) => templates::email_change_taken(
            Locale::from_tag(&their_locale).unwrap_or_default(),
            email.as_str(),
            &format!("{base}/sign-in"),
        ),
        None => templates::email_change_link(
            account.locale(),
            email.as_str(),
            &format!("{base}/confirm-email?token={}", t.secret),
        ),
    };
    state.outbox.queue(&mut tx, &to_new).await?;
    let to_old = templates::email_change_requested(
        account.locale(),
        &account.email,
        &templates::mask_email(email.as_str()),
        &format!("{base}/account/sessions"),
    );
    state.outbox.queue(&mut tx, &to_old).await?;
    tx.commit().await?;
    state.outbox.wake();
    Ok((
        StatusCode::ACCEPTED,
        axum::Json(StatusResponse {
            status: "confirmation_sent".into(),
        }),
    ))
}

/// Make the change with the token from the link mailed to the new address. No session is
/// needed: the token is the proof that the new mailbox is the customer's.
#[utoipa::path(post, path = "/api/email-change/confirm", operation_id = "email_change_confirm", tag = "identity",
    request_body = EmailChangeConfirm,
    responses(
        (status = 200, description = "The new address is the account's, verified; the old one was told; every session but the one this request came with (if any) is ended", body = StatusResponse),
        (status = 400, description = "Unknown, used, replaced or expired token, or the address has meanwhile been taken (`token_invalid`), or malformed JSON", body = ErrorBody),
    ))]
pub async fn email_change_confirm(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(req): Json<EmailChangeConfirm>,
) -> ApiResult<Response> {
    if req.token.is_empty() || req.token.len() > 128 {
        return Err(token_invalid());
    }
    let now = crate::clock::now();
    let mut tx = state.db.pool.begin().await?;
    let row: Option<(String, String, String)> = sqlx::query_as(
        "UPDATE email_changes SET used_at = $1
         WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1
         RETURNING account_id, new_email, new_email_key",
    )
    .bind(now)
    .bind(token::hash(&req.token))
    .fetch_optional(&mut *tx)
    .await?;
    let Some((account_id, new_email, new_key)) = row else {
        return Err(token_invalid());
    };
    let (old_email, old_key, locale): (String, String, String) =
        sqlx::query_as("SELECT email, email_key, locale FROM accounts WHERE id = $1")
            .bind(&account_id)
            .fetch_one(&mut *tx)
            .await?;
    let taken: Option<(String,)> =
        sqlx::query_as("SELECT id FROM accounts WHERE email_key = $1 AND id <> $2")
            .bind(&new_key)
            .bind(&account_id)
            .fetch_optional(&mut *tx)
            .await?;
    if taken.is_some() {
        // Rolled back: nothing changes, not even the token's state.
        return Err(token_invalid());
    }
    let changed =
        crate::identity::accounts::set_email(&mut *tx, &account_id, &new_email, &new_key, now)
            .await;
    match changed {
        Ok(_) => {}
        // Taken by a sign-up between the check and the change.
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => return Err(token_invalid()),
        Err(e) => return Err(e.into()),
    }
    // Every other browser signed in to the account proves itself again, with the new address.
    let keep =
        crate::identity::session::id_in_request(&mut tx, &state, &headers, &account_id).await?;
    crate::identity::session::end_others(&mut tx, &account_id, keep.as_deref()).await?;
    // Links that were mailed to the old address, or that prove it, have no business staying live.
    for table in ["email_verifications", "password_resets"] {
        sqlx::query(&format!(
            "DELETE FROM {table} WHERE account_id = $1 AND used_at IS NULL"
        ))
        .bind(&account_id)
        .execute(&mut *tx)
        .await?;
    }
    let mail = templates::email_changed(
        Locale::from_tag(&locale).unwrap_or_default(),
        &old_email,
        &templates::mask_email(&new_email),
        &format!("{}/sign-in", state.config.public_url.base),
    );
    state.outbox.queue(&mut tx, &mail).await?;
    tx.commit().await?;
    state.outbox.wake();

    let mut response = axum::Json(StatusResponse {
        status: "email_changed".into(),
    })
    .into_response();
    // Device cookies name the address; a browser remembered for the old one stays remembered.
    if let Some(cookie) = device::recognised(&state, &headers, &old_key) {
        response.headers_mut().append(
            header::SET_COOKIE,
            device::issue(&state, &new_key, cookie.generation),
        );
    }
    Ok(response)
}
