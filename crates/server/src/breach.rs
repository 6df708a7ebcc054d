//! `GET /api/pwned/range/{prefix}`: the Pwned Passwords range API, answered from the local
//! corpus (merged with an upstream one when configured).

use crate::http::error::{ApiError, ApiResult};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use portal_api::error::{ErrorBody, ErrorCode};
use portal_api::pwned::Prefix;

/// Hash suffixes and counts for one 5-hex-character SHA-1 prefix (k-anonymity).
#[utoipa::path(get, path = "/api/pwned/range/{prefix}", operation_id = "pwned_range", tag = "breach",
    params(
        ("prefix" = String, Path, pattern = "^[0-9A-Fa-f]{5}$", description = "First 5 hex characters of the password's SHA-1"),
        ("Add-Padding" = Option<String>, Header, description = "`true` (in any case) pads the answer with zero-count suffixes; any other value does not"),
    ),
    responses(
        (status = 200, description = "`SUFFIX:COUNT` lines, CRLF-separated", body = String, content_type = "text/plain"),
        (status = 400, description = "Not 5 hex characters (`invalid_prefix`)", body = ErrorBody),
    ))]
pub async fn pwned_range(
    State(state): State<AppState>,
    Path(prefix): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let prefix = Prefix::parse(&prefix).ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidPrefix,
            "The prefix must be 5 hexadecimal characters.",
        )
    })?;
    let padded = headers
        .get("add-padding")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
    let entries = state.pwned.range(prefix).await;
    let body = pwned::render(&entries, padded);
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response())
}

/// `portal-server pwned import`: builds a corpus file (see the `pwned` crate for the format).
pub fn import(
    format: &str,
    input: &std::path::Path,
    output: &std::path::Path,
) -> Result<String, String> {
    let format: pwned::InputFormat = format.parse().map_err(|e| format!("{e}"))?;
    let report = pwned::import(format, input, output, &pwned::BuildOptions::default())
        .map_err(|e| e.to_string())?;
    Ok(format!("{report:?}"))
}
