//! `GET /api/health`: ready once the database answers.

use crate::http::error::ApiError;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use portal_api::dto::StatusResponse;
use portal_api::error::{ErrorBody, ErrorCode};

#[utoipa::path(get, path = "/api/health", operation_id = "health", tag = "operations",
    responses(
        (status = 200, description = "Serving, and the database answers", body = StatusResponse),
        (status = 503, description = "The database does not answer", body = ErrorBody),
    ))]
pub async fn health(State(state): State<AppState>) -> Result<axum::Json<StatusResponse>, ApiError> {
    if state.db.ping().await {
        Ok(axum::Json(StatusResponse {
            status: "ok".into(),
        }))
    } else {
        Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::ServiceUnavailable,
            "The database does not answer.",
        ))
    }
}
