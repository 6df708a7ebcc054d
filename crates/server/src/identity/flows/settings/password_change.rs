//! Changing the password, a settings flow: proving the current one after a step-up. Every other
//! session ends at once (the password factor's `set_password_and_end_sessions`).

use crate::http::error::{ApiError, ApiResult};
use crate::http::json::Json;
use crate::identity::factors::password::{self, rename_field, set_password_and_end_sessions};
use crate::identity::session::SignedIn;
use crate::identity::throttle::{self, Window};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use portal_api::dto::{PasswordChangeRequest, StatusResponse};
use portal_api::error::{ErrorBody, ErrorCode};

/// Change the password, proving the current one, after a step-up. Every other session ends at once.
#[utoipa::path(post, path = "/api/me/password", operation_id = "password_change", tag = "identity",
    request_body = PasswordChangeRequest,
    responses(
        (status = 200, description = "Changed; every other session is ended", body = StatusResponse),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Step up first (`step_up_required`), or the current password is wrong (`invalid_credentials`)", body = ErrorBody),
        (status = 422, description = "The new password breaks a rule; `field` names it", body = ErrorBody),
        (status = 429, description = "Too many wrong current passwords", body = ErrorBody),
    ))]
pub async fn password_change(
    State(state): State<AppState>,
    me: SignedIn,
    Json(req): Json<PasswordChangeRequest>,
) -> ApiResult<axum::Json<StatusResponse>> {
    me.require_step_up(&state)?;
    let now = crate::clock::now();
    let window = Window::of(&state);
    let key = format!("password-change:{}", me.account.id);
    let slots = throttle::reserve(
        &state.db,
        &window,
        &[(key, state.config.throttle.per_account)],
        now,
    )
    .await?;
    let (current_phc,): (String,) =
        sqlx::query_as("SELECT password_hash FROM accounts WHERE id = $1")
            .bind(&me.account.id)
            .fetch_one(&state.db.pool)
            .await?;
    if !state
        .hasher
        .verify(&req.current_password, Some(&current_phc))
        .await?
    {
        slots.keep();
        return Err(ApiError {
            field: Some("current_password"),
            ..ApiError::new(
                StatusCode::FORBIDDEN,
                ErrorCode::InvalidCredentials,
                "The current password is not right.",
            )
        });
    }
    slots.give_back().await?;
    let new_password = password::check_new(
        &req.new_password,
        &me.account.email,
        me.account.display_name.as_deref(),
        &state.pwned,
    )
    .await
    .map_err(|e| rename_field(e, "new_password"))?;
    let phc = state.hasher.hash(new_password.as_str()).await?;
    let mut tx = state.db.pool.begin().await?;
    set_password_and_end_sessions(&state, &mut tx, &me.account, &phc, Some(&me.session_id)).await?;
    tx.commit().await?;
    state.outbox.wake();
    Ok(axum::Json(StatusResponse {
        status: "password_changed".into(),
    }))
}
