//! The list of the customer's sessions, a settings flow: see every browser signed in, end any of
//! them. (The session itself, its cookie and `SignedIn`, is `identity::session`.)

use crate::http::error::{ApiError, ApiResult};
use crate::identity::accounts;
use crate::identity::device;
use crate::identity::session::SignedIn;
use crate::identity::user_agent;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use portal_api::dto::{RevokedResponse, SessionInfo};
use portal_api::error::{ErrorBody, ErrorCode};
use sqlx::Row;

/// Every live session of the signed-in customer, most recently used first.
#[utoipa::path(get, path = "/api/sessions", operation_id = "list_sessions", tag = "identity",
    responses(
        (status = 200, description = "The customer's live sessions", body = Vec<SessionInfo>),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ))]
pub async fn list_sessions(
    State(state): State<AppState>,
    me: SignedIn,
) -> ApiResult<axum::Json<Vec<SessionInfo>>> {
    let now = crate::clock::now();
    let idle_cutoff = now - state.config.session_idle.as_secs() as i64;
    let rows = sqlx::query(
        "SELECT id, user_agent, ip, created_at, last_seen_at FROM sessions
         WHERE account_id = $1 AND expires_at > $2 AND last_seen_at > $3
         ORDER BY last_seen_at DESC, created_at DESC",
    )
    .bind(&me.account.id)
    .bind(now)
    .bind(idle_cutoff)
    .fetch_all(&state.db.pool)
    .await?;
    let mut sessions = Vec::with_capacity(rows.len());
    for row in rows {
        let id: String = row.try_get("id")?;
        let ua: Option<String> = row.try_get("user_agent")?;
        let ua = ua.unwrap_or_default();
        sessions.push(SessionInfo {
            current: id == me.session_id,
            id,
            browser: user_agent::browser(&ua).map(str::to_owned),
            os: user_agent::os(&ua).map(str::to_owned),
            ip: row.try_get("ip")?,
            created_at: row.try_get("created_at")?,
            last_seen_at: row.try_get("last_seen_at")?,
        });
    }
    Ok(axum::Json(sessions))
}

/// End one of the customer's sessions. Another customer's session id is "not found", like an
/// id that never existed.
#[utoipa::path(delete, path = "/api/sessions/{id}", operation_id = "revoke_session", tag = "identity",
    params(("id" = String, Path, description = "A session id from list_sessions")),
    responses(
        (status = 204, description = "Ended; ending the current session also clears its cookie"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such session of this customer", body = ErrorBody),
    ))]
pub async fn revoke_session(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let ended = sqlx::query("DELETE FROM sessions WHERE id = $1 AND account_id = $2")
        .bind(&id)
        .bind(&me.account.id)
        .execute(&state.db.pool)
        .await?
        .rows_affected();
    if ended == 0 {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            "No such session.",
        ));
    }
    let mut headers = HeaderMap::new();
    if id == me.session_id {
        headers.insert(
            axum::http::header::SET_COOKIE,
            crate::identity::session::clear_cookie(&state),
        );
    }
    Ok((StatusCode::NO_CONTENT, headers).into_response())
}

/// End every session of the customer except this one, and forget every other device: each
/// browser but this one is asked for a mailed code (or the second factor) at its next sign-in.
#[utoipa::path(post, path = "/api/sessions/revoke-others", operation_id = "revoke_other_sessions", tag = "identity",
    responses(
        (status = 200, description = "The other sessions are ended and only this browser stays trusted (its device cookie is renewed)", body = RevokedResponse),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ))]
pub async fn revoke_other_sessions(
    State(state): State<AppState>,
    me: SignedIn,
) -> ApiResult<Response> {
    let mut tx = state.db.pool.begin().await?;
    let revoked = sqlx::query("DELETE FROM sessions WHERE account_id = $1 AND id <> $2")
        .bind(&me.account.id)
        .bind(&me.session_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    let generation = accounts::next_device_generation(&mut *tx, &me.account.id).await?;
    tx.commit().await?;
    Ok((
        [(
            axum::http::header::SET_COOKIE,
            device::issue(&state, &me.account.email_key(), generation),
        )],
        axum::Json(RevokedResponse { revoked }),
    )
        .into_response())
}
