//! Step-up, a flow: the fresh proof a session needs before it may make a sensitive change (the
//! password, the address, two-step verification, money). With two-step verification on it takes
//! the second factor and never the password; with it off, the password, which is enough for
//! settings but never for money (docs/threat-model.md#t9).

use crate::http::error::{ApiError, ApiResult};
use crate::http::json::Json;
use crate::identity::factors::password::{password_is_right, wrong_password};
use crate::identity::factors::second_factor;
use crate::identity::session::SignedIn;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use portal_api::dto::{StepUpAnswer, StepUpRequest};
use portal_api::error::{ErrorBody, ErrorCode};

/// Prove it is still you, so this session may make sensitive changes for the next
/// `PORTAL_STEP_UP_SECS`. With two-step verification on this takes a TOTP or recovery code and
/// never the password; with it off, the password.
#[utoipa::path(post, path = "/api/me/step-up", operation_id = "step_up", tag = "identity",
    request_body = StepUpRequest,
    responses(
        (status = 200, description = "This session is stepped up until `valid_until`", body = StepUpAnswer),
        (status = 400, description = "2FA is on and no `code` was given (`second_factor_required`; a password is never enough then), 2FA is off and no `password` was given, or malformed JSON", body = ErrorBody),
        (status = 401, description = "Not signed in, wrong password (`invalid_credentials`) or wrong, used or expired code (`code_invalid`)", body = ErrorBody),
        (status = 429, description = "Too many wrong passwords or codes; see Retry-After", body = ErrorBody),
    ))]
pub async fn step_up(
    State(state): State<AppState>,
    me: SignedIn,
    Json(req): Json<StepUpRequest>,
) -> ApiResult<axum::Json<StepUpAnswer>> {
    let account = &me.account;
    let now = crate::clock::now();
    // The throttle's slot is given back only after the commit: on SQLite another write
    // before it would wait for this transaction's lock.
    let (mut tx, slots, factor) = if account.totp_enabled() {
        // T9: once there is a second factor, the login password is never the step-up.
        let code = req
            .code
            .as_deref()
            .ok_or_else(second_factor::second_factor_required)?;
        let slots = second_factor::reserve(&state, &account.id).await?;
        let Some(proof) = second_factor::judge(&state, account, code).await? else {
            return Err(second_factor::refuse(slots, code).await);
        };
        let mut tx = state.db.pool.begin().await?;
        if !second_factor::spend(&state, &mut tx, account, &proof).await? {
            drop(tx);
            return Err(second_factor::refuse(slots, code).await);
        }
        (tx, slots, "second_factor")
    } else {
        let password = req.password.as_deref().ok_or_else(|| ApiError {
            field: Some("password"),
            ..ApiError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::InvalidJson,
                "Give your password to confirm it is you.",
            )
        })?;
        let slots = second_factor::reserve(&state, &account.id).await?;
        if !password_is_right(&state, &account.id, password).await? {
            slots.keep();
            return Err(wrong_password());
        }
        (state.db.pool.begin().await?, slots, "password")
    };
    crate::identity::session::mark_stepped_up(&mut tx, &me.session_id, now, factor).await?;
    tx.commit().await?;
    slots.give_back().await?;
    state.outbox.wake();
    let valid_until = now + state.config.step_up.as_secs() as i64;
    Ok(axum::Json(StepUpAnswer {
        valid_until,
        money: factor == "second_factor",
    }))
}
