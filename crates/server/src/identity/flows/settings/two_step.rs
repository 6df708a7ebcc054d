//! Two-step verification, a settings flow: turning TOTP on (enrol, then confirm with a first
//! code) and off, and a new set of recovery codes; each after a step-up (`flows::step_up`).

use crate::http::error::{ApiError, ApiResult};
use crate::http::json::Json;
use crate::identity::accounts;
use crate::identity::factors::password::{password_is_right, wrong_password};
use crate::identity::factors::recovery_codes;
use crate::identity::factors::second_factor::{self, code_invalid};
use crate::identity::factors::totp::{self, Secret};
use crate::identity::session::SignedIn;
use crate::mail::templates;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use portal_api::dto::{
    CodeRequest, RecoveryCodes, StatusResponse, TotpDisableRequest, TotpEnrollment,
};
use portal_api::error::{ErrorBody, ErrorCode};

fn totp_already_enabled() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        ErrorCode::TotpAlreadyEnabled,
        "Two-step verification is already on.",
    )
}

fn totp_not_enabled() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        ErrorCode::TotpNotEnabled,
        "Two-step verification is not on.",
    )
}

/// Start turning two-step verification on: a new secret for the authenticator app. It replaces
/// any earlier unconfirmed one and does nothing until `totp_enroll_confirm` sees a code from it.
#[utoipa::path(post, path = "/api/me/totp/enroll", operation_id = "totp_enroll_start", tag = "identity",
    responses(
        (status = 200, description = "The secret, as typed key and `otpauth://` URI for the QR code", body = TotpEnrollment),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Step up first (`step_up_required`)", body = ErrorBody),
        (status = 409, description = "Two-step verification is already on (`totp_already_enabled`)", body = ErrorBody),
    ))]
pub async fn totp_enroll_start(
    State(state): State<AppState>,
    me: SignedIn,
) -> ApiResult<axum::Json<TotpEnrollment>> {
    me.require_step_up(&state)?;
    if me.account.totp_enabled() {
        return Err(totp_already_enabled());
    }
    let secret = Secret::generate();
    let sealed = second_factor::sealer(&state).seal(secret.as_bytes(), me.account.id.as_bytes());
    if !accounts::set_pending_totp_secret(&state.db.pool, &me.account.id, &sealed).await? {
        return Err(totp_already_enabled());
    }
    Ok(axum::Json(TotpEnrollment {
        secret: secret.to_base32(),
        otpauth_uri: totp::otpauth_uri(&secret, portal_api::SERVICE_NAME, &me.account.email),
    }))
}

/// Finish turning two-step verification on with a code from the new secret. Answers the ten
/// recovery codes, shown this once.
#[utoipa::path(post, path = "/api/me/totp/confirm", operation_id = "totp_enroll_confirm", tag = "identity",
    request_body = CodeRequest,
    responses(
        (status = 200, description = "Two-step verification is on; the recovery codes, shown once; every other session and any pending email change are ended; this session counts as stepped up with the second factor", body = RecoveryCodes),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Not signed in, or the code is not one from the new secret (`code_invalid`)", body = ErrorBody),
        (status = 403, description = "Step up first (`step_up_required`)", body = ErrorBody),
        (status = 409, description = "Two-step verification is already on (`totp_already_enabled`)", body = ErrorBody),
        (status = 429, description = "Too many wrong codes; see Retry-After", body = ErrorBody),
    ))]
pub async fn totp_enroll_confirm(
    State(state): State<AppState>,
    me: SignedIn,
    Json(req): Json<CodeRequest>,
) -> ApiResult<axum::Json<RecoveryCodes>> {
    me.require_step_up(&state)?;
    let account = &me.account;
    if account.totp_enabled() {
        return Err(totp_already_enabled());
    }
    let slots = second_factor::reserve(&state, &account.id).await?;
    let (pending,): (Option<String>,) =
        sqlx::query_as("SELECT totp_pending_secret FROM accounts WHERE id = $1")
            .bind(&account.id)
            .fetch_one(&state.db.pool)
            .await?;
    let step = pending.as_deref().and_then(|sealed| {
        let secret = second_factor::open_secret(&state, &account.id, sealed)?;
        totp::verify(&secret, &req.code, crate::clock::now(), None)
    });
    let (Some(sealed), Some(step)) = (pending, step) else {
        return Err(second_factor::refuse(slots, &req.code).await);
    };
    slots.give_back().await?;
    let now = crate::clock::now();
    let mut tx = state.db.pool.begin().await?;
    // Only the secret this code came from becomes the factor, and only once: a concurrent
    // confirm or a newer enrol_start makes this one lose.
    if !accounts::enable_totp(&mut *tx, &account.id, &sealed, step, now).await? {
        return Err(code_invalid());
    }
    crate::identity::session::end_others(&mut tx, &account.id, Some(&me.session_id)).await?;
    // The code just given is a fresh second factor: a customer sent here to add a card goes
    // straight back to it without another code.
    crate::identity::session::mark_stepped_up(&mut tx, &me.session_id, now, "second_factor")
        .await?;
    accounts::cancel_email_changes(&mut tx, &account.id).await?;
    let codes = recovery_codes::replace(&state, &mut tx, &account.id).await?;
    let link = format!("{}/sign-in", state.config.public_url.base);
    let mail = templates::totp_enabled(account.locale(), &account.email, codes.len(), &link);
    state.outbox.queue(&mut tx, &mail).await?;
    tx.commit().await?;
    state.outbox.wake();
    Ok(axum::Json(RecoveryCodes { codes }))
}

/// Turn two-step verification off. Needs the password and a current TOTP or recovery code, both.
#[utoipa::path(post, path = "/api/me/totp/disable", operation_id = "totp_disable", tag = "identity",
    request_body = TotpDisableRequest,
    responses(
        (status = 200, description = "Off; the secret and the recovery codes are deleted; every other session is ended", body = StatusResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Not signed in, wrong password (`invalid_credentials`) or wrong code (`code_invalid`)", body = ErrorBody),
        (status = 409, description = "Two-step verification is not on (`totp_not_enabled`)", body = ErrorBody),
        (status = 429, description = "Too many wrong passwords or codes; see Retry-After", body = ErrorBody),
    ))]
pub async fn totp_disable(
    State(state): State<AppState>,
    me: SignedIn,
    Json(req): Json<TotpDisableRequest>,
) -> ApiResult<axum::Json<StatusResponse>> {
    let account = &me.account;
    if !account.totp_enabled() {
        return Err(totp_not_enabled());
    }
    let slots = second_factor::reserve(&state, &account.id).await?;
    if !password_is_right(&state, &account.id, &req.password).await? {
        slots.keep();
        return Err(wrong_password());
    }
    let Some(proof) = second_factor::judge(&state, account, &req.code).await? else {
        return Err(second_factor::refuse(slots, &req.code).await);
    };
    let mut tx = state.db.pool.begin().await?;
    if !second_factor::spend(&state, &mut tx, account, &proof).await? {
        drop(tx);
        return Err(second_factor::refuse(slots, &req.code).await);
    }
    second_factor::turn_off(&mut tx, &account.id).await?;
    crate::identity::session::end_others(&mut tx, &account.id, Some(&me.session_id)).await?;
    let link = format!("{}/sign-in", state.config.public_url.base);
    let mail = templates::totp_disabled(account.locale(), &account.email, &link);
    state.outbox.queue(&mut tx, &mail).await?;
    tx.commit().await?;
    slots.give_back().await?;
    state.outbox.wake();
    Ok(axum::Json(StatusResponse {
        status: "totp_disabled".into(),
    }))
}

/// A new set of ten recovery codes; every code of the old set stops working.
#[utoipa::path(post, path = "/api/me/recovery-codes", operation_id = "recovery_codes_regenerate", tag = "identity",
    responses(
        (status = 200, description = "The new codes, shown once", body = RecoveryCodes),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Step up first (`step_up_required`)", body = ErrorBody),
        (status = 409, description = "Two-step verification is not on (`totp_not_enabled`)", body = ErrorBody),
    ))]
pub async fn recovery_codes_regenerate(
    State(state): State<AppState>,
    me: SignedIn,
) -> ApiResult<axum::Json<RecoveryCodes>> {
    me.require_step_up(&state)?;
    if !me.account.totp_enabled() {
        return Err(totp_not_enabled());
    }
    let mut tx = state.db.pool.begin().await?;
    let codes = recovery_codes::replace(&state, &mut tx, &me.account.id).await?;
    tx.commit().await?;
    Ok(axum::Json(RecoveryCodes { codes }))
}
