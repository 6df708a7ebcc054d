//! Screenshot uploads on their way in. Only so many arrive at once, per customer and in all, and
//! each body is streamed to an unnamed temporary file as it comes: a slow upload holds a little
//! disk rather than memory, and nothing is set aside for a length a request only declares.
//!
//! The counts are this process's own. They bound the memory, disk and open files one process
//! gives to uploads, which is what they are for; with several server processes a customer may
//! send [`UPLOADS_AT_ONCE_PER_CUSTOMER`] to each.

use super::uploads::too_large;
use crate::http::error::{ApiError, ApiResult};
use axum::body::Body;
use axum::http::{header, HeaderMap, StatusCode};
use futures_util::StreamExt;
use portal_api::error::ErrorCode;
use portal_api::evidence::{SCREENSHOT_MAX_BYTES, UPLOADS_AT_ONCE_PER_CUSTOMER};
use std::collections::HashMap;
use std::io::{self, Read, Seek};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use tokio::io::AsyncWriteExt;

pub struct Incoming {
    /// Where bodies are written while they arrive (`<data dir>/incoming`).
    dir: PathBuf,
    /// Uploads over all customers at once (`PORTAL_UPLOADS_AT_ONCE`).
    at_once: usize,
    arriving: Mutex<Arriving>,
}

#[derive(Default)]
struct Arriving {
    all: usize,
    by_customer: HashMap<String, usize>,
}

impl Incoming {
    pub fn open(dir: &Path, at_once: usize) -> io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        Ok(Self {
            dir: dir.to_owned(),
            at_once,
            arriving: Mutex::default(),
        })
    }

    fn arriving(&self) -> MutexGuard<'_, Arriving> {
        // The counts are changed only in whole steps, so they are right even after a panic.
        self.arriving.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A place for one more upload of `account_id`, held until the upload is done: 429
    /// `too_many_uploads_at_once` if this customer is sending as many as one may, 503 if the
    /// server is receiving as many as it takes.
    pub fn admit(&self, account_id: &str) -> ApiResult<Place<'_>> {
        let mut arriving = self.arriving();
        let mine = arriving.by_customer.get(account_id).copied().unwrap_or(0);
        if mine >= UPLOADS_AT_ONCE_PER_CUSTOMER {
            return Err(ApiError {
                field: Some("file"),
                retry_after: Some(1),
                ..ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    ErrorCode::TooManyUploadsAtOnce,
                    format!(
                        "You are sending {UPLOADS_AT_ONCE_PER_CUSTOMER} screenshots already: wait for one to finish, then try again."
                    ),
                )
            });
        }
        if arriving.all >= self.at_once {
            return Err(ApiError {
                retry_after: Some(5),
                ..ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    ErrorCode::ServiceUnavailable,
                    "The server is receiving too many screenshots at once: try again in a moment.",
                )
            });
        }
        arriving.all += 1;
        *arriving
            .by_customer
            .entry(account_id.to_owned())
            .or_default() += 1;
        Ok(Place {
            incoming: self,
            account_id: account_id.to_owned(),
        })
    }
}

/// One upload's place among those arriving; given back when dropped.
pub struct Place<'a> {
    incoming: &'a Incoming,
    account_id: String,
}

impl Drop for Place<'_> {
    fn drop(&mut self) {
        let mut arriving = self.incoming.arriving();
        arriving.all -= 1;
        if let Some(mine) = arriving.by_customer.get_mut(&self.account_id) {
            *mine -= 1;
            if *mine == 0 {
                arriving.by_customer.remove(&self.account_id);
            }
        }
    }
}

impl Place<'_> {
    /// Writes the body to a temporary file as it arrives, up to [`SCREENSHOT_MAX_BYTES`]:
    /// refused as soon as it passes that (or declares more), without reading the rest.
    pub async fn receive(&self, headers: &HeaderMap, body: Body) -> ApiResult<Received> {
        let declared = headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > SCREENSHOT_MAX_BYTES as u64) {
            return Err(too_large());
        }
        let dir = self.incoming.dir.clone();
        // Unnamed: the system removes it once closed, whatever happens to this process.
        let file = tokio::task::spawn_blocking(move || tempfile::tempfile_in(dir))
            .await
            .map_err(ApiError::internal)?
            .map_err(|e| ApiError::internal(format!("incoming upload file: {e}")))?;
        let mut file = tokio::fs::File::from_std(file);
        let mut len = 0;
        let mut stream = body.into_data_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|_| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    ErrorCode::FileDamaged,
                    "The upload was cut off before the end of the file.",
                )
            })?;
            len += chunk.len();
            if len > SCREENSHOT_MAX_BYTES {
                return Err(too_large());
            }
            file.write_all(&chunk)
                .await
                .map_err(|e| ApiError::internal(format!("incoming upload file: {e}")))?;
        }
        file.flush()
            .await
            .map_err(|e| ApiError::internal(format!("incoming upload file: {e}")))?;
        Ok(Received {
            file: file.into_std().await,
            len,
        })
    }
}

/// A body that arrived whole, on disk.
pub struct Received {
    file: std::fs::File,
    len: usize,
}

impl Received {
    /// The bytes, read back (blocking). All of them arrived and they are at most
    /// [`SCREENSHOT_MAX_BYTES`], so holding them is bounded by what was really sent.
    pub fn bytes(mut self) -> io::Result<Vec<u8>> {
        let mut out = Vec::with_capacity(self.len);
        self.file.rewind()?;
        self.file.read_to_end(&mut out)?;
        Ok(out)
    }
}
