//! Screenshots: uploaded one request per file (so the page can show each file's progress),
//! checked by decoding, stripped of metadata, stored by content, and held unattached until a
//! report or a dispute names them. Once attached, a screenshot is that case's for good.

use super::image_check::{self, Refusal};
use super::store::{sha256_hex, EvidenceStore, StoredFile};
use crate::http::error::{ApiError, ApiResult};
use crate::http::query::{NoParams, Query};
use crate::identity::session::SignedIn;
use crate::AppState;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use portal_api::error::{ErrorBody, ErrorCode};
use portal_api::evidence::{
    file_name, ImageFormat, Screenshot, UploadQuery, SCREENSHOTS_PER_REPORT,
    SCREENSHOTS_PER_SUBMISSION,
};
use sqlx::{AnyConnection, Row};
use std::sync::Arc;

/// An upload not attached within a day no longer counts against the limit and cannot be
/// attached: the page that uploaded it is long gone.
pub const PENDING_SECS: i64 = 24 * 60 * 60;

/// Uploads per customer per throttle window (`PORTAL_THROTTLE_WINDOW_SECS`), refused or not:
/// a removed upload's file stays in the store, so removing does not give the room back.
pub const UPLOADS_PER_WINDOW: u32 = 60;

/// Decoding a 40-megapixel image holds about 160 MB: at most two at once (one per core here).
static DECODES: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

fn refusal(r: Refusal) -> ApiError {
    let (status, code) = match r {
        Refusal::Empty => (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::FileEmpty),
        Refusal::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::FileTooLarge),
        Refusal::UnsupportedFormat(_) | Refusal::NotAnImage | Refusal::Animated(_) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::FileTypeUnsupported,
        ),
        Refusal::Damaged(_) => (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::FileDamaged),
        Refusal::TooManyPixels { .. } => {
            (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ImageTooLarge)
        }
    };
    ApiError {
        field: Some("file"),
        ..ApiError::new(status, code, r.to_string())
    }
}

fn too_many() -> ApiError {
    ApiError {
        field: Some("file"),
        ..ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::TooManyFiles,
            format!(
                "You have {SCREENSHOTS_PER_SUBMISSION} screenshots waiting to be sent: send or remove some first."
            ),
        )
    }
}

async fn pending_count(
    conn: &mut AnyConnection,
    account_id: &str,
    now: i64,
) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM uploads
         WHERE account_id = $1 AND report_id IS NULL AND dispute_id IS NULL AND created_at > $2",
    )
    .bind(account_id)
    .bind(now - PENDING_SECS)
    .fetch_one(conn)
    .await?;
    Ok(n)
}

pub(super) fn too_large() -> ApiError {
    refusal(Refusal::TooLarge)
}

/// Uploads one screenshot: the raw file as the body. The server decides what it is by decoding
/// it (never by its name or declared type), refuses anything but a PNG, JPEG or WebP still
/// image, removes its metadata (EXIF location included) and stores it by SHA-256. It waits,
/// unattached, for a fraud report or a dispute to name it (at most 10 waiting, for a day; then
/// it is removed). Needs a verified email address; at most two of a customer's arrive at once.
#[utoipa::path(post, path = "/api/evidence", operation_id = "upload_evidence", tag = "evidence",
    params(UploadQuery),
    request_body(content = Vec<u8>, description = "The file's bytes, up to 10 MiB", content_type = "application/octet-stream"),
    responses(
        (status = 201, description = "Stored, not yet attached", body = Screenshot),
        (status = 400, description = "The upload was cut off, or an unknown query parameter (`filter_invalid`)", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "The account's email address is not verified (`email_not_verified`)", body = ErrorBody),
        (status = 409, description = "Ten screenshots are waiting already (`too_many_files`)", body = ErrorBody),
        (status = 413, description = "Over 10 MiB (`file_too_large`)", body = ErrorBody),
        (status = 429, description = "More than 60 uploads in the throttle window (`too_many_attempts`), or two uploads of this customer still arriving (`too_many_uploads_at_once`); see Retry-After", body = ErrorBody),
        (status = 503, description = "The server is receiving as many uploads as it takes at once (`service_unavailable`); see Retry-After", body = ErrorBody),
        (status = 422, description = "Empty (`file_empty`), not a PNG, JPEG or WebP still image (`file_type_unsupported`, the message names what it is), damaged or truncated (`file_damaged`), over 40 megapixels (`image_too_large`), or a file name with control characters or over 255 characters (`file_name_invalid`)", body = ErrorBody),
    ))]
pub async fn upload_evidence(
    State(state): State<AppState>,
    me: SignedIn,
    Query(q): Query<UploadQuery>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<(StatusCode, axum::Json<Screenshot>)> {
    let name = file_name(q.name.as_deref().unwrap_or("screenshot"))?;
    me.require_verified_email()?;
    let account_id = &me.account.id;
    // Held to the end: the upload's memory and disk are counted until it is answered.
    let place = state.incoming.admit(account_id)?;
    crate::identity::throttle::take(
        &state.db,
        &crate::identity::throttle::Window::of(&state),
        &format!("upload:{account_id}"),
        UPLOADS_PER_WINDOW,
        crate::clock::now(),
    )
    .await?;
    let mut conn = state.db.pool.acquire().await?;
    if pending_count(&mut conn, account_id, crate::clock::now()).await?
        >= SCREENSHOTS_PER_SUBMISSION as i64
    {
        return Err(too_many());
    }
    drop(conn);
    let received = place.receive(&headers, body).await?;

    // Read back only now: at most two bodies are read into memory and decoded at once, however
    // many are arriving.
    let permit = DECODES
        .acquire()
        .await
        .map_err(|e| ApiError::internal(format!("decode permits: {e}")))?;
    let (original_sha256, original_size, checked) = tokio::task::spawn_blocking(move || {
        let original = received
            .bytes()
            .map_err(|e| ApiError::internal(format!("incoming upload file: {e}")))?;
        let checked = image_check::check(&original).map_err(refusal)?;
        Ok::<_, ApiError>((sha256_hex(&original), original.len() as u64, checked))
    })
    .await
    .map_err(ApiError::internal)??;
    drop(permit);

    let now = crate::clock::now();
    let id = crate::token::id();
    let mut tx = state.db.pool.begin().await?;
    // The customer's uploads take turns from here (SQLite: the write below takes its one lock).
    if state.db.backend == crate::db::Backend::Postgres {
        sqlx::query("SELECT id FROM accounts WHERE id = $1 FOR UPDATE")
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
    }
    let file = StoredFile::describe(&checked.bytes);
    // Before the file is stored: while this transaction holds its catalogue row, the sweep of
    // unattached uploads cannot remove the file from under it.
    record_file(&mut tx, &file, now).await?;
    // Counted again in the transaction that adds it: two uploads at once cannot both be the
    // tenth, and the one refused stores nothing.
    if pending_count(&mut tx, account_id, now).await? >= SCREENSHOTS_PER_SUBMISSION as i64 {
        return Err(too_many());
    }
    let store = state.evidence.clone();
    let bytes = checked.bytes;
    let stored = tokio::task::spawn_blocking(move || store.put(&bytes))
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| ApiError::internal(format!("evidence store: {e}")))?;
    let format = checked.format;
    sqlx::query(
        "INSERT INTO uploads (id, account_id, sha256, original_sha256, original_size, format, width, height, name, created_at, created_micros)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&id)
    .bind(account_id)
    .bind(&stored.sha256)
    .bind(&original_sha256)
    .bind(original_size as i64)
    .bind(crate::db::codec::enum_str(&format))
    .bind(i64::from(checked.width))
    .bind(i64::from(checked.height))
    .bind(&name)
    .bind(now)
    .bind(crate::clock::now_micros())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(Screenshot {
            url: url(&id),
            id,
            name,
            format,
            width: checked.width,
            height: checked.height,
            size: stored.size,
            sha256: stored.sha256,
            original_sha256,
            uploaded_at: now,
        }),
    ))
}

/// Notes a stored file in the catalogue of the store (once per content). The row stays locked
/// (PostgreSQL; SQLite locks the whole database) until the caller's transaction ends.
pub async fn record_file(
    conn: &mut AnyConnection,
    file: &StoredFile,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO evidence_files (sha256, size, crc32, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (sha256) DO UPDATE SET size = excluded.size",
    )
    .bind(&file.sha256)
    .bind(file.size as i64)
    .bind(i64::from(file.crc32))
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Removes the uploads left unattached for [`PENDING_SECS`] (no report or dispute can name
/// them any more), and each stored file no upload names after that. A file goes in the
/// transaction that holds its catalogue row, so an upload of the same bytes waits and stores it
/// again (see `upload_evidence`). Only screenshots are candidates: a sealed snapshot (JSON, CSV)
/// never has the bytes of a decoded and re-encoded image.
pub async fn sweep_unattached(
    db: &crate::db::Db,
    store: &Arc<dyn EvidenceStore>,
    now: i64,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let expired: Vec<(String,)> = sqlx::query_as(
        "SELECT DISTINCT sha256 FROM uploads
         WHERE report_id IS NULL AND dispute_id IS NULL AND created_at <= $1",
    )
    .bind(now - PENDING_SECS)
    .fetch_all(&db.pool)
    .await?;
    for (sha256,) in expired {
        let mut tx = db.pool.begin().await?;
        if db.backend == crate::db::Backend::Postgres {
            sqlx::query("SELECT sha256 FROM evidence_files WHERE sha256 = $1 FOR UPDATE")
                .bind(&sha256)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "DELETE FROM uploads
             WHERE sha256 = $1 AND report_id IS NULL AND dispute_id IS NULL AND created_at <= $2",
        )
        .bind(&sha256)
        .bind(now - PENDING_SECS)
        .execute(&mut *tx)
        .await?;
        let unnamed = sqlx::query(
            "DELETE FROM evidence_files
             WHERE sha256 = $1 AND NOT EXISTS (SELECT 1 FROM uploads WHERE sha256 = $1)",
        )
        .bind(&sha256)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if unnamed {
            let store = store.clone();
            tokio::task::spawn_blocking(move || store.remove(&sha256)).await??;
        }
        // A failure from here leaves rows naming a file that is gone; they are unattached and
        // expired, and the next sweep removes them.
        tx.commit().await?;
    }
    Ok(())
}

pub fn url(id: &str) -> String {
    format!("/api/evidence/{id}")
}

const SCREENSHOT_COLUMNS: &str = "u.id, u.name, u.format, u.width, u.height, u.sha256, \
     u.original_sha256, u.created_at, f.size, f.crc32";

fn screenshot(row: &sqlx::any::AnyRow) -> Result<(Screenshot, u32), sqlx::Error> {
    let id: String = row.try_get("id")?;
    let crc: i64 = row.try_get("crc32")?;
    Ok((
        Screenshot {
            url: url(&id),
            id,
            name: row.try_get("name")?,
            format: crate::db::codec::parse_enum(&row.try_get::<String, _>("format")?)?,
            width: row.try_get::<i64, _>("width")? as u32,
            height: row.try_get::<i64, _>("height")? as u32,
            size: row.try_get::<i64, _>("size")? as u64,
            sha256: row.try_get("sha256")?,
            original_sha256: row.try_get("original_sha256")?,
            uploaded_at: row.try_get("created_at")?,
        },
        crc as u32,
    ))
}

/// What a screenshot belongs to once attached.
#[derive(Debug, Clone, Copy)]
pub enum Case<'a> {
    Report(&'a str),
    Dispute(&'a str),
}

/// Attaches the customer's waiting uploads `ids` to `case`, in the caller's transaction, in the
/// order given. An id that is not the customer's, is attached already, has expired, or is named
/// twice is refused: the caller rolls back.
pub async fn attach(
    conn: &mut AnyConnection,
    account_id: &str,
    ids: &[String],
    case: Case<'_>,
    now: i64,
) -> ApiResult<Vec<Screenshot>> {
    if ids.len() > SCREENSHOTS_PER_SUBMISSION {
        return Err(ApiError {
            field: Some("screenshots"),
            ..ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::TooManyFiles,
                format!("At most {SCREENSHOTS_PER_SUBMISSION} screenshots at a time."),
            )
        });
    }
    let (report, dispute) = match case {
        Case::Report(id) => (Some(id), None),
        Case::Dispute(id) => (None, Some(id)),
    };
    let (column, case_id) = case_column(case);
    let (before,): (i64,) =
        sqlx::query_as(&format!("SELECT COUNT(*) FROM uploads WHERE {column} = $1"))
            .bind(case_id)
            .fetch_one(&mut *conn)
            .await?;
    let mut out = Vec::with_capacity(ids.len());
    for (i, id) in ids.iter().enumerate() {
        let attached = crate::db::codec::could_be_id(id)
            && sqlx::query(
                "UPDATE uploads SET report_id = $1, dispute_id = $2, attached_at = $3, position = $4
                 WHERE id = $5 AND account_id = $6 AND report_id IS NULL AND dispute_id IS NULL
                   AND created_at > $7",
            )
            .bind(report)
            .bind(dispute)
            .bind(now)
            .bind(before + i as i64 + 1)
            .bind(id)
            .bind(account_id)
            .bind(now - PENDING_SECS)
            .execute(&mut *conn)
            .await?
            .rows_affected()
                == 1;
        if !attached {
            return Err(ApiError {
                field: Some("screenshots"),
                ..ApiError::new(
                    StatusCode::NOT_FOUND,
                    ErrorCode::NotFound,
                    "No such screenshot waiting to be sent: upload it again.",
                )
            });
        }
        let row = sqlx::query(&format!(
            "SELECT {SCREENSHOT_COLUMNS} FROM uploads u JOIN evidence_files f ON f.sha256 = u.sha256
             WHERE u.id = $1"
        ))
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
        out.push(screenshot(&row)?.0);
    }
    Ok(out)
}

/// Attaches more of the customer's waiting uploads to a case made before (an addition to a
/// report, an answer on a dispute), at most [`SCREENSHOTS_PER_REPORT`] over the case's life.
/// Answers how many the case held before, and the ones attached.
pub async fn attach_more(
    conn: &mut AnyConnection,
    account_id: &str,
    ids: &[String],
    case: Case<'_>,
    now: i64,
) -> ApiResult<(usize, Vec<Screenshot>)> {
    let before = attached(&mut *conn, case).await?.len();
    if before + ids.len() > SCREENSHOTS_PER_REPORT {
        return Err(ApiError {
            field: Some("screenshots"),
            ..ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::TooManyFiles,
                format!(
                    "A report or a dispute holds at most {SCREENSHOTS_PER_REPORT} screenshots."
                ),
            )
        });
    }
    let shots = attach(conn, account_id, ids, case, now).await?;
    Ok((before, shots))
}

fn case_column(case: Case<'_>) -> (&'static str, &str) {
    match case {
        Case::Report(id) => ("report_id", id),
        Case::Dispute(id) => ("dispute_id", id),
    }
}

/// The screenshots attached to `case`, in the order the customer gave them, with each stored
/// file's CRC-32.
pub async fn attached(
    conn: &mut AnyConnection,
    case: Case<'_>,
) -> Result<Vec<(Screenshot, u32)>, sqlx::Error> {
    let (column, id) = case_column(case);
    let rows = sqlx::query(&format!(
        "SELECT {SCREENSHOT_COLUMNS} FROM uploads u JOIN evidence_files f ON f.sha256 = u.sha256
         WHERE u.{column} = $1 ORDER BY u.position"
    ))
    .bind(id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(screenshot).collect()
}

fn no_such_screenshot() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        ErrorCode::NotFound,
        "No such screenshot.",
    )
}

/// One of the customer's screenshots, as stored (metadata removed). Served as an image of its
/// decoded type only, never sniffed, in a sandbox.
#[utoipa::path(get, path = "/api/evidence/{id}", operation_id = "get_evidence_file", tag = "evidence",
    params(("id" = String, Path, description = "A screenshot id from upload_evidence")),
    responses(
        (status = 200, description = "The image", content_type = "image/png"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such screenshot of this customer", body = ErrorBody),
    ))]
pub async fn get_evidence_file(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    _: Query<NoParams>,
) -> ApiResult<Response> {
    if !crate::db::codec::could_be_id(&id) {
        return Err(no_such_screenshot());
    }
    let row: Option<(String, String)> =
        sqlx::query_as("SELECT sha256, format FROM uploads WHERE id = $1 AND account_id = $2")
            .bind(&id)
            .bind(&me.account.id)
            .fetch_optional(&state.db.pool)
            .await?;
    let (sha256, format) = row.ok_or_else(no_such_screenshot)?;
    serve(&state, &id, &sha256, &format).await
}

/// A screenshot's stored bytes as a response: its decoded type, inline, sandboxed so that a
/// browser runs nothing in it.
pub async fn serve(state: &AppState, id: &str, sha256: &str, format: &str) -> ApiResult<Response> {
    let format: ImageFormat = crate::db::codec::parse_enum(format)?;
    let bytes = read_file(state, sha256).await?;
    Ok((
        [
            (header::CONTENT_TYPE, format.mime().to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{id}.{}\"", format.extension()),
            ),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; sandbox".to_owned(),
            ),
            (header::ETAG, format!("\"{sha256}\"")),
        ],
        bytes,
    )
        .into_response())
}

/// A stored file's bytes, checked against their address: evidence that changed on disk is an
/// error, never served as if it were the original.
pub async fn read_file(state: &AppState, sha256: &str) -> ApiResult<Vec<u8>> {
    let store = state.evidence.clone();
    let sha = sha256.to_owned();
    tokio::task::spawn_blocking(move || {
        let bytes = store.get(&sha)?;
        if sha256_hex(&bytes) != sha {
            return Err(std::io::Error::other("stored file does not match its hash"));
        }
        Ok(bytes)
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(|e| ApiError::internal(format!("evidence file {sha256}: {e}")))
}

/// Removes a screenshot that is waiting to be sent. One attached to a report or a dispute is
/// evidence and stays.
#[utoipa::path(delete, path = "/api/evidence/{id}", operation_id = "delete_upload", tag = "evidence",
    params(("id" = String, Path, description = "A screenshot id from upload_evidence")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such screenshot of this customer", body = ErrorBody),
        (status = 409, description = "Attached to a report or a dispute (`evidence_sealed`)", body = ErrorBody),
    ))]
pub async fn delete_upload(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    _: Query<NoParams>,
) -> ApiResult<StatusCode> {
    if !crate::db::codec::could_be_id(&id) {
        return Err(no_such_screenshot());
    }
    let removed = sqlx::query(
        "DELETE FROM uploads
         WHERE id = $1 AND account_id = $2 AND report_id IS NULL AND dispute_id IS NULL",
    )
    .bind(&id)
    .bind(&me.account.id)
    .execute(&state.db.pool)
    .await?
    .rows_affected();
    if removed == 1 {
        return Ok(StatusCode::NO_CONTENT);
    }
    let exists: Option<(String,)> =
        sqlx::query_as("SELECT id FROM uploads WHERE id = $1 AND account_id = $2")
            .bind(&id)
            .bind(&me.account.id)
            .fetch_optional(&state.db.pool)
            .await?;
    match exists {
        Some(_) => Err(ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::EvidenceSealed,
            "This screenshot is part of a report or a dispute and cannot be removed.",
        )),
        None => Err(no_such_screenshot()),
    }
}
