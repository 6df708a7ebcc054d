//! A query-string extractor whose every rejection is a clean error in the API's one shape.
//!
//! The query strings of this API are the history's filters and the spending chart's range, so a
//! query that cannot be read (an unknown parameter, a word where a number belongs, a number too
//! large for its type, a parameter given twice) is `400 filter_invalid`, saying what was wrong.

use super::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;
use portal_api::error::ErrorCode;
use serde::de::DeserializeOwned;

pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or_default();
        serde_urlencoded::from_str(query)
            .map(Query)
            .map_err(|e| filter_invalid(None, format!("The query string cannot be read: {e}.")))
    }
}

/// The query of an endpoint that takes none: any parameter is refused rather than ignored, so a
/// client that believes in a filter that does not exist learns so at once.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}

/// `400 filter_invalid`, naming the offending parameter when there is one.
pub fn filter_invalid(field: Option<&'static str>, message: impl Into<String>) -> ApiError {
    ApiError {
        field,
        ..ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::FilterInvalid, message)
    }
}
