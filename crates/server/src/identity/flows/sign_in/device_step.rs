//! Signing in, device verification (docs/threat-model.md#t16): a right password from a browser
//! without a trusted device cookie, on an account without a second factor, is a pending sign-in
//! of kind `device` until the six-digit code mailed to the account's address comes back from the
//! same browser. A leaked password alone therefore opens nothing.

use super::complete::{complete_sign_in, sign_in_keys, Device};
use super::pending;
use crate::http::client::Client;
use crate::http::error::{ApiError, ApiResult};
use crate::http::json::Json;
use crate::identity::accounts::Account;
use crate::identity::attempts;
use crate::identity::factors::device_code;
use crate::identity::throttle::{self, Window};
use crate::identity::user_agent;
use crate::mail::templates;
use crate::token;
use crate::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use portal_api::dto::{
    CodeRequest, DeviceVerificationRequired, Me, SignInOutcome, StatusResponse, TokenRequest,
};
use portal_api::error::{ErrorBody, ErrorCode};

/// How long the mailed code works.
pub const VALID_SECS: i64 = 10 * 60;

/// The throttle key for device-code mails: a thief who has the password cannot flood the
/// customer's inbox with codes.
fn mail_key(account_id: &str) -> String {
    format!("device-code-mail:{account_id}")
}

/// Starts device verification for `account` (whose password was right): mails the code and
/// answers 202 with the pending sign-in's cookie. An earlier pending sign-in of this browser is
/// dropped.
pub async fn start(
    state: &AppState,
    client: &Client,
    headers: &HeaderMap,
    account: &Account,
) -> ApiResult<Response> {
    let now = crate::clock::now();
    let limit = state.config.throttle.per_account;
    throttle::take(
        &state.db,
        &Window::of(state),
        &mail_key(&account.id),
        limit,
        now,
    )
    .await?;
    pending::drop_earlier(state, headers).await?;

    let t = token::new();
    let not_me = token::new();
    let code = device_code::new();
    let expires_at = now + VALID_SECS;
    let mut tx = state.db.pool.begin().await?;
    sqlx::query(
        "INSERT INTO pending_sign_ins (token_hash, account_id, created_at, expires_at, attempts, kind, code_hash, not_me_hash)
         VALUES ($1, $2, $3, $4, 0, 'device', $5, $6)",
    )
    .bind(&t.hash)
    .bind(&account.id)
    .bind(now)
    .bind(expires_at)
    .bind(device_code::hash(&state.secret_key[..], &t.hash, &code))
    .bind(&not_me.hash)
    .execute(&mut *tx)
    .await?;
    let ua = client.user_agent.as_deref().unwrap_or("");
    let address = client.ip.to_string();
    let facts = templates::SignInFacts {
        at: now,
        address: &address,
        browser: user_agent::browser(ua),
        os: user_agent::os(ua),
    };
    let link = format!(
        "{}/sign-in/not-me?token={}",
        state.config.public_url.base, not_me.secret
    );
    let mail = templates::device_code(
        account.locale(),
        &account.email,
        &code,
        &facts,
        VALID_SECS / 60,
        &link,
    );
    state.outbox.queue(&mut tx, &mail).await?;
    tx.commit().await?;
    state.outbox.wake();
    attempts::record(
        &state.db,
        &account.id,
        SignInOutcome::DeviceCodeSent,
        client,
    )
    .await;
    Ok((
        StatusCode::ACCEPTED,
        [(
            header::SET_COOKIE,
            pending::cookie_for(state, &t.secret, VALID_SECS),
        )],
        axum::Json(DeviceVerificationRequired {
            status: "device_verification_required".into(),
            expires_at,
        }),
    )
        .into_response())
}

/// Finish a sign-in from a new browser with the code mailed to the account's address. The code
/// works only for the pending sign-in it was mailed for, once, for ten minutes and five tries;
/// wrong codes count against the sign-in throttle like wrong passwords. The browser is then
/// remembered (`PORTAL_DEVICE_TRUST_DAYS`) and not asked again.
#[utoipa::path(post, path = "/api/sign-in/device-code", operation_id = "sign_in_device_code", tag = "identity",
    request_body = CodeRequest,
    responses(
        (status = 200, description = "Signed in; the session and device cookies are set", body = Me),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Wrong code (`code_invalid`), or no live pending device verification in this browser (`sign_in_expired`: give the password again)", body = ErrorBody),
        (status = 429, description = "Too many failed attempts; see Retry-After", body = ErrorBody),
    ))]
pub async fn sign_in_device_code(
    State(state): State<AppState>,
    client: Client,
    headers: HeaderMap,
    Json(req): Json<CodeRequest>,
) -> ApiResult<Response> {
    let now = crate::clock::now();
    // Two-step verification turned on meanwhile: the mailed code is no longer enough.
    let Some((hash, account, stored)) = pending::find(&state, &headers, "device")
        .await?
        .filter(|p| !p.account.totp_enabled())
        .and_then(|p| Some((p.token_hash, p.account, p.code_hash?)))
    else {
        return Ok(pending::expired(&state));
    };

    let keys = sign_in_keys(&state, &client, &account.email_key(), None);
    let slots = throttle::reserve(&state.db, &Window::of(&state), &keys, now).await?;
    if !device_code::matches(&state.secret_key[..], &hash, &req.code, &stored) {
        // Input that could never be a code (letters, the wrong length) costs no guess.
        if device_code::normalise(&req.code).is_some() {
            pending::count_wrong_code(&state, &hash).await?;
            attempts::record(&state.db, &account.id, SignInOutcome::WrongCode, &client).await;
            slots.keep();
        } else {
            slots.give_back().await?;
        }
        return Err(crate::identity::factors::second_factor::code_invalid());
    }
    if !pending::take(&state.db.pool, &hash).await? {
        return Ok(pending::expired(&state));
    }
    slots.give_back().await?;
    throttle::clear(&state.db, &keys[0].0).await?;
    attempts::record(
        &state.db,
        &account.id,
        SignInOutcome::DeviceVerified,
        &client,
    )
    .await;
    let mut response = complete_sign_in(&state, &client, &account, Device::Mailed).await?;
    response
        .headers_mut()
        .append(header::SET_COOKIE, pending::clear_cookie(&state));
    Ok(response)
}

/// "This was not me", the link in the device-code mail: ends that pending sign-in at once, so
/// its code finishes nothing. The page then leads the customer to a password reset, since
/// someone else knows their password.
#[utoipa::path(post, path = "/api/sign-in/not-me", operation_id = "sign_in_not_me", tag = "identity",
    request_body = TokenRequest,
    responses(
        (status = 200, description = "The sign-in is ended (`status`: `sign_in_ended`)", body = StatusResponse),
        (status = 400, description = "Unknown or used link, or the sign-in has ended already (`token_invalid`), or malformed JSON", body = ErrorBody),
    ))]
pub async fn sign_in_not_me(
    State(state): State<AppState>,
    client: Client,
    Json(req): Json<TokenRequest>,
) -> ApiResult<axum::Json<StatusResponse>> {
    let ended: Option<(String,)> = if req.token.len() > 128 {
        None
    } else {
        sqlx::query_as(
            "DELETE FROM pending_sign_ins WHERE not_me_hash = $1 AND kind = 'device'
             RETURNING account_id",
        )
        .bind(token::hash(&req.token))
        .fetch_optional(&state.db.pool)
        .await?
    };
    if let Some((account_id,)) = &ended {
        attempts::record(&state.db, account_id, SignInOutcome::NotMe, &client).await;
    }
    if ended.is_none() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::TokenInvalid,
            "This sign-in has already ended. If it was not you, choose a new password now.",
        ));
    }
    Ok(axum::Json(StatusResponse {
        status: "sign_in_ended".into(),
    }))
}
