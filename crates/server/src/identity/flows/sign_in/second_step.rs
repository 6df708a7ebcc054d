//! Signing in, the second step of an account with two-step verification: the password was
//! right, the TOTP or recovery code is still to come, in a pending sign-in (`pending`) of kind
//! `second_factor`.

use super::complete::{complete_sign_in, sign_in_keys, Device};
use super::pending;
use crate::http::client::Client;
use crate::http::error::ApiResult;
use crate::http::json::Json;
use crate::identity::accounts::Account;
use crate::identity::attempts;
use crate::identity::device;
use crate::identity::factors::second_factor;
use crate::identity::throttle::{self, Window};
use crate::token;
use crate::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use portal_api::dto::{CodeRequest, Me, SecondFactorRequired, SignInOutcome};
use portal_api::error::ErrorBody;

/// Minutes, not more: the password has to be given again after this.
pub const VALID_SECS: i64 = 5 * 60;

/// Starts a pending sign-in for `account` (whose password was right): 202 and the cookie. An
/// earlier pending sign-in of this browser is dropped.
pub async fn start(
    state: &AppState,
    headers: &HeaderMap,
    account: &Account,
) -> ApiResult<Response> {
    let now = crate::clock::now();
    pending::drop_earlier(state, headers).await?;
    let t = token::new();
    let expires_at = now + VALID_SECS;
    sqlx::query(
        "INSERT INTO pending_sign_ins (token_hash, account_id, created_at, expires_at, attempts, kind)
         VALUES ($1, $2, $3, $4, 0, 'second_factor')",
    )
    .bind(&t.hash)
    .bind(&account.id)
    .bind(now)
    .bind(expires_at)
    .execute(&state.db.pool)
    .await?;
    Ok((
        StatusCode::ACCEPTED,
        [(
            header::SET_COOKIE,
            pending::cookie_for(state, &t.secret, VALID_SECS),
        )],
        axum::Json(SecondFactorRequired {
            status: "second_factor_required".into(),
            expires_at,
        }),
    )
        .into_response())
}

/// Finish a sign-in started with a right password, with a TOTP code or a recovery code. Wrong
/// codes count against the sign-in throttle like wrong passwords, and a pending sign-in is
/// deleted after five of them.
#[utoipa::path(post, path = "/api/sign-in/second-factor", operation_id = "sign_in_second_factor", tag = "identity",
    request_body = CodeRequest,
    responses(
        (status = 200, description = "Signed in; the session cookie is set", body = Me),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Wrong, used or expired code (`code_invalid`), or no live pending sign-in (`sign_in_expired`: give the password again)", body = ErrorBody),
        (status = 429, description = "Too many failed attempts; see Retry-After", body = ErrorBody),
    ))]
pub async fn sign_in_second_factor(
    State(state): State<AppState>,
    client: Client,
    headers: HeaderMap,
    Json(req): Json<CodeRequest>,
) -> ApiResult<Response> {
    let now = crate::clock::now();
    let Some(pending::Pending {
        token_hash: hash,
        account,
        ..
    }) = pending::find(&state, &headers, "second_factor")
        .await?
        .filter(|p| p.account.totp_enabled())
    else {
        return Ok(pending::expired(&state));
    };

    let window = Window::of(&state);
    let email_key = account.email_key();
    let device = device::recognised(&state, &headers, &email_key);
    let keys = sign_in_keys(&state, &client, &email_key, device.as_ref());
    let slots = throttle::reserve(&state.db, &window, &keys, now).await?;

    let proof = second_factor::judge(&state, &account, &req.code).await?;
    let accepted = match &proof {
        Some(proof) => {
            let mut tx = state.db.pool.begin().await?;
            if !pending::take(&mut *tx, &hash).await? {
                return Ok(pending::expired(&state));
            }
            if second_factor::spend(&state, &mut tx, &account, proof).await? {
                tx.commit().await?;
                state.outbox.wake();
                true
            } else {
                false
            }
        }
        None => false,
    };
    if !accepted {
        pending::count_wrong_code(&state, &hash).await?;
        // A code that could never be right (wrong length, letters) costs no guess.
        if second_factor::is_plausible(&req.code) {
            attempts::record(&state.db, &account.id, SignInOutcome::WrongCode, &client).await;
            slots.keep();
        } else {
            slots.give_back().await?;
        }
        return Err(second_factor::code_invalid());
    }

    slots.give_back().await?;
    throttle::clear(&state.db, &keys[0].0).await?;
    let known = if device::trusted(&state, &headers, &account) {
        Device::Trusted
    } else {
        Device::New
    };
    let mut response = complete_sign_in(&state, &client, &account, known).await?;
    response
        .headers_mut()
        .append(header::SET_COOKIE, pending::clear_cookie(&state));
    Ok(response)
}
