//! Idempotency keys: every request that moves money carries an `Idempotency-Key` header. The first
//! request with a key claims it and its answer is stored (in the same transaction as the money
//! movement where there is one); the same key with the same request gets that answer again,
//! status and body, and moves nothing; the same key with another request is refused.
//!
//! A second request that arrives while the first is still being worked on waits for the first
//! answer. A request that fails for a passing reason (a 5xx: the store was busy) gives its claim
//! up, so the client can retry with the same key.

use crate::db::Db;
use crate::http::error::{ApiError, ApiResult};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use portal_api::error::ErrorCode;
use portal_api::wallet::{IDEMPOTENCY_HEADER, IDEMPOTENCY_KEY_MAX_BYTES};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::future::Future;
use std::time::{Duration, Instant};

/// How long a repeated request waits for the first one's answer before giving up (503).
const WAIT_FOR_FIRST: Duration = Duration::from_secs(10);
/// Set on an answer that is a stored one, given again.
pub const REPLAYED_HEADER: &str = "idempotent-replayed";

pub fn key_required(message: &str) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        ErrorCode::IdempotencyKeyRequired,
        message,
    )
}

pub fn key_reused() -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::IdempotencyKeyReused,
        "This Idempotency-Key was used before for a different request. Use a new key for a new request.",
    )
}

/// The request's idempotency key: exactly one header of 1 to 100 printable ASCII characters.
pub fn key_from(headers: &HeaderMap) -> ApiResult<String> {
    let mut values = headers.get_all(IDEMPOTENCY_HEADER).iter();
    let (Some(value), None) = (values.next(), values.next()) else {
        return Err(key_required(
            "Send one Idempotency-Key header with a new random value for every request that moves money.",
        ));
    };
    let bytes = value.as_bytes();
    if bytes.is_empty()
        || bytes.len() > IDEMPOTENCY_KEY_MAX_BYTES
        || !bytes.iter().all(|b| b.is_ascii_graphic() || *b == b' ')
    {
        return Err(key_required(
            "The Idempotency-Key must be 1 to 100 printable ASCII characters.",
        ));
    }
    Ok(String::from_utf8_lossy(bytes).into_owned())
}

/// SHA-256 of the operation and the request as parsed (so spacing or field order in the JSON
/// does not make two requests different).
pub fn request_hash(operation: &str, request: &impl Serialize) -> String {
    let mut h = Sha256::new();
    h.update(operation.as_bytes());
    h.update([0]);
    h.update(serde_json::to_vec(request).expect("a request serialises"));
    hex::encode(h.finalize())
}

/// A key this request owns: it must end with [`Claim::answer`] (or [`Claim::answer_in`] inside
/// the money transaction) or [`Claim::release`]. [`run`] does that.
#[derive(Debug, Clone)]
pub struct Claim {
    pub scope: String,
    pub key: String,
    pub request_hash: String,
}

pub enum Claimed {
    /// First time: do the work.
    Fresh(Claim),
    /// Seen before: this is the first answer, to give again.
    Replay(Response),
}

/// Claims `key` in `scope` for this request, or finds the answer to give again.
pub async fn claim(
    db: &Db,
    scope: &str,
    key: &str,
    operation: &str,
    request_hash: &str,
) -> ApiResult<Claimed> {
    let started = Instant::now();
    loop {
        let inserted = sqlx::query(
            "INSERT INTO idempotency_keys (scope, idempotency_key, operation, request_hash, created_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (scope, idempotency_key) DO NOTHING",
        )
        .bind(scope)
        .bind(key)
        .bind(operation)
        .bind(request_hash)
        .bind(crate::clock::now())
        .execute(&db.pool)
        .await?
        .rows_affected();
        if inserted == 1 {
            return Ok(Claimed::Fresh(Claim {
                scope: scope.to_owned(),
                key: key.to_owned(),
                request_hash: request_hash.to_owned(),
            }));
        }
        let row: Option<(String, Option<i64>, Option<String>)> = sqlx::query_as(
            "SELECT request_hash, status_code, body FROM idempotency_keys
             WHERE scope = $1 AND idempotency_key = $2",
        )
        .bind(scope)
        .bind(key)
        .fetch_optional(&db.pool)
        .await?;
        match row {
            // The first request gave its claim up in between: claim it again.
            None => continue,
            Some((hash, _, _)) if hash != request_hash => return Err(key_reused()),
            Some((_, Some(status), Some(body))) => return Ok(Claimed::Replay(replay(status, &body))),
            Some(_) if started.elapsed() >= WAIT_FOR_FIRST => {
                return Err(ApiError {
                    retry_after: Some(2),
                    ..ApiError::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        ErrorCode::ServiceUnavailable,
                        "A request with this Idempotency-Key is still being worked on. Try again shortly.",
                    )
                })
            }
            Some(_) => tokio::time::sleep(Duration::from_millis(25)).await,
        }
    }
}

fn replay(status: i64, body: &str) -> Response {
    let status = u16::try_from(status)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let mut response = (status, axum::Json(body)).into_response();
    response.headers_mut().insert(
        HeaderName::from_static(REPLAYED_HEADER),
        HeaderValue::from_static("true"),
    );
    response
}

impl Claim {
    /// Stores the answer in the caller's transaction, so that it commits with the money movement.
    pub async fn answer_in(
        &self,
        conn: &mut sqlx::AnyConnection,
        status: StatusCode,
        body: &Value,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE idempotency_keys SET status_code = $1, body = $2, answered_at = $3
             WHERE scope = $4 AND idempotency_key = $5 AND status_code IS NULL",
        )
        .bind(i64::from(status.as_u16()))
        .bind(body.to_string())
        .bind(crate::clock::now())
        .bind(&self.scope)
        .bind(&self.key)
        .execute(conn)
        .await?;
        Ok(())
    }

    pub async fn answer(&self, db: &Db, status: StatusCode, body: &Value) -> ApiResult<()> {
        let mut conn = db.pool.acquire().await?;
        Ok(self.answer_in(&mut conn, status, body).await?)
    }

    /// Gives the key up (nothing was answered), so the same request may be tried again.
    pub async fn release(&self, db: &Db) -> ApiResult<()> {
        sqlx::query(
            "DELETE FROM idempotency_keys
             WHERE scope = $1 AND idempotency_key = $2 AND status_code IS NULL",
        )
        .bind(&self.scope)
        .bind(&self.key)
        .execute(&db.pool)
        .await?;
        Ok(())
    }
}

/// What an idempotent operation answers.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
    /// Already stored with [`Claim::answer_in`].
    pub stored: bool,
}

impl Answer {
    pub fn new(status: StatusCode, body: &impl Serialize) -> Self {
        Self {
            status,
            body: serde_json::to_value(body).expect("an answer serialises"),
            stored: false,
        }
    }

    pub fn stored(mut self) -> Self {
        self.stored = true;
        self
    }

    /// The answer for a refusal, in the API's error shape.
    pub fn error(e: &ApiError) -> Self {
        Self::new(e.status, &e.body())
    }
}

/// Claims the key (or answers the stored answer again), runs `work`, and stores what it answers:
/// its success, or its refusal (any 4xx). A 5xx gives the claim up instead: nothing moved, and
/// the same key may be tried again.
pub async fn run<F, Fut>(
    db: &Db,
    scope: &str,
    key: &str,
    operation: &str,
    request_hash: &str,
    work: F,
) -> ApiResult<Response>
where
    F: FnOnce(Claim) -> Fut,
    Fut: Future<Output = ApiResult<Answer>>,
{
    let claim = match self::claim(db, scope, key, operation, request_hash).await? {
        Claimed::Replay(response) => return Ok(response),
        Claimed::Fresh(claim) => claim,
    };
    match work(claim.clone()).await {
        Ok(answer) => {
            if !answer.stored {
                claim.answer(db, answer.status, &answer.body).await?;
            }
            Ok((answer.status, axum::Json(answer.body)).into_response())
        }
        Err(e) if e.status.is_client_error() && e.status != StatusCode::TOO_MANY_REQUESTS => {
            claim.answer(db, e.status, &Answer::error(&e).body).await?;
            Err(e)
        }
        Err(e) => {
            if let Err(release) = claim.release(db).await {
                tracing::warn!(error = ?release, "could not give an idempotency key up");
            }
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&[u8]]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(IDEMPOTENCY_HEADER, HeaderValue::from_bytes(v).unwrap());
        }
        h
    }

    #[test]
    fn keys_are_printable_ascii_up_to_100_bytes() {
        assert_eq!(key_from(&headers(&[b"abc-123"])).unwrap(), "abc-123");
        let longest = "k".repeat(IDEMPOTENCY_KEY_MAX_BYTES);
        assert!(key_from(&headers(&[longest.as_bytes()])).is_ok());
        let too_long = "k".repeat(IDEMPOTENCY_KEY_MAX_BYTES + 1);
        for bad in [
            &[][..],
            &[b"" as &[u8]][..],
            &[too_long.as_bytes()][..],
            &[b"tab\there" as &[u8]][..],
            &["ключ".as_bytes()][..],
            &[b"a" as &[u8], b"b"][..],
        ] {
            let e = key_from(&headers(bad)).unwrap_err();
            assert_eq!(e.code, ErrorCode::IdempotencyKeyRequired, "{bad:?}");
            assert_eq!(e.status, StatusCode::BAD_REQUEST);
        }
    }

    #[test]
    fn the_hash_depends_on_the_operation_and_the_request() {
        let a = request_hash("top_up", &serde_json::json!({"x": 1}));
        assert_eq!(a, request_hash("top_up", &serde_json::json!({"x": 1})));
        assert_ne!(a, request_hash("top_up", &serde_json::json!({"x": 2})));
        assert_ne!(
            a,
            request_hash("merchant_redeem", &serde_json::json!({"x": 1}))
        );
    }
}
