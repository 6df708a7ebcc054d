//! Evidence: screenshots a customer uploads, fraud reports that freeze the wallet and seal the
//! history, and the timeline and bundle of each report.
//!
//! A screenshot is uploaded on its own first (`upload_evidence`, the raw file as the body, one
//! request per file so the page can show each file's progress) and waits, unattached, until a
//! fraud report or a dispute names it. An attached screenshot can never be removed or replaced.

use serde::{Deserialize, Serialize};

use crate::error::{ErrorCode, FieldError};
use crate::wallet::{DisputeStatus, Transaction};

#[cfg(feature = "openapi")]
use utoipa::{IntoParams, ToSchema};

/// Largest screenshot, in bytes.
pub const SCREENSHOT_MAX_BYTES: usize = 10 * 1024 * 1024;
/// Most screenshots in one submission (a new report, a dispute, or one addition to a report);
/// also the most a customer may have uploaded and not yet attached.
pub const SCREENSHOTS_PER_SUBMISSION: usize = 10;
/// Most screenshots one customer may be sending at once; the page queues the rest.
pub const UPLOADS_AT_ONCE_PER_CUSTOMER: usize = 2;
/// Most screenshots one report or dispute can hold over its life.
pub const SCREENSHOTS_PER_REPORT: usize = 30;
/// Longest free text of a fraud report or of a later note, in characters.
pub const REPORT_TEXT_MAX_CHARS: usize = 8_000;
/// Most transactions one report can name.
pub const REPORT_TRANSACTIONS_MAX: usize = 100;
/// Longest file name kept with a screenshot, in characters.
pub const FILE_NAME_MAX_CHARS: usize = 255;
/// How many days of history a report seals, at least (every named transaction too).
pub const SNAPSHOT_DAYS: i64 = 180;
/// The file types taken, for the page's file picker. The server decides by decoding.
pub const SCREENSHOT_ACCEPT: &str = "image/png,image/jpeg,image/webp";

/// Query of `upload_evidence`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(IntoParams))]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    /// The file's name on the customer's device, kept as given (up to 255 characters, no control
    /// characters); only shown, never used as a path.
    pub name: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ImageFormat {
    Png,
    Jpeg,
    Webp,
}

impl ImageFormat {
    pub fn mime(self) -> &'static str {
        match self {
            ImageFormat::Png => "image/png",
            ImageFormat::Jpeg => "image/jpeg",
            ImageFormat::Webp => "image/webp",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ImageFormat::Png => "png",
            ImageFormat::Jpeg => "jpg",
            ImageFormat::Webp => "webp",
        }
    }
}

/// A screenshot as stored: decoded to check it, its metadata (EXIF location included) removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Screenshot {
    pub id: String,
    pub name: String,
    pub format: ImageFormat,
    pub width: u32,
    pub height: u32,
    /// Bytes as stored (after metadata was removed).
    pub size: u64,
    /// SHA-256 of the stored bytes, lower-case hex: the file's address in the evidence store.
    pub sha256: String,
    /// SHA-256 of the bytes as uploaded, so the customer can match it to the file they sent.
    pub original_sha256: String,
    pub uploaded_at: i64,
    /// Where the stored bytes are served to the customer (and later to support).
    pub url: String,
}

/// Reports fraud: names the transactions the customer does not recognise, says what happened,
/// and attaches screenshots uploaded before. Freezes money movement out of the wallet at once.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateFraudReportRequest {
    /// At least one, at most 100 of the customer's own transactions.
    pub transaction_ids: Vec<String>,
    /// Any Unicode, line breaks included, up to 8,000 characters; stored exactly as typed.
    pub description: String,
    /// Ids of screenshots from `upload_evidence`, at most 10.
    #[serde(default)]
    pub screenshots: Vec<String>,
}

/// Adds to a report, or answers support's question on a dispute: more screenshots, a note, or
/// both. Nothing is ever replaced.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AddEvidenceRequest {
    #[serde(default)]
    pub screenshots: Vec<String>,
    /// Any Unicode, line breaks included, stored exactly as typed: up to 8,000 characters on a
    /// report, 4,000 on a dispute (as its details).
    #[serde(default)]
    pub note: Option<String>,
}

impl AddEvidenceRequest {
    /// The note, checked as free text of at most `max` characters; refused
    /// (`evidence_required`) when the request adds nothing at all.
    pub fn checked_note(&self, max: usize) -> Result<Option<String>, FieldError> {
        let note = self
            .note
            .as_deref()
            .map(|n| crate::wallet::free_text(n, max, "note"))
            .transpose()?;
        if note.is_none() && self.screenshots.is_empty() {
            return Err(FieldError {
                code: ErrorCode::EvidenceRequired,
                field: "screenshots",
            });
        }
        Ok(note)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReportEventKind {
    /// The report and its sealed manifest.
    Submitted,
    /// Screenshots or a note added by the customer.
    EvidenceAdded,
    /// Support changed the status (with a note the customer sees, when there is one).
    StatusChanged,
    /// Support lifted the wallet's freeze.
    FreezeLifted,
}

/// One entry of a report's evidence chain, as the customer sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ReportEvent {
    /// 1 for the sealed manifest, then 2, 3, ...
    pub seq: u32,
    pub kind: ReportEventKind,
    pub at: i64,
    /// The report's status after this entry.
    pub status: DisputeStatus,
    pub note: Option<String>,
    /// Ids of the screenshots this entry added.
    pub screenshots: Vec<String>,
    /// SHA-256 of this entry's exact text, which names the previous entry's hash.
    pub sha256: String,
}

/// A fraud report, complete: what was reported, the evidence, and what has happened since.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct FraudReport {
    /// Also the number the customer quotes, e.g. `F-7KQ2-M9XA-4TRB`.
    pub id: String,
    /// Shares the dispute statuses: submitted, under review, more information needed, refunded,
    /// declined.
    pub status: DisputeStatus,
    pub description: String,
    /// The transactions reported, as sealed when the report was made.
    pub transactions: Vec<Transaction>,
    pub screenshots: Vec<Screenshot>,
    pub created_at: i64,
    /// SHA-256 of the sealed manifest (the bundle's `manifest.json`), also mailed to the customer.
    pub manifest_sha256: String,
    /// Rows of history sealed with the report.
    pub snapshot_rows: u64,
    /// Oldest first.
    pub timeline: Vec<ReportEvent>,
    /// Where the evidence bundle (ZIP) is downloaded.
    pub bundle_url: String,
}

/// Money movement out of the wallet is stopped until support lifts this.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Freeze {
    pub since: i64,
    /// The report that froze the wallet.
    pub report_id: String,
}

/// Free text of a report or a note, checked once: the page and the server refuse the same input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportText(String);

impl ReportText {
    pub fn parse(input: &str, field: &'static str) -> Result<Self, FieldError> {
        crate::wallet::free_text(input, REPORT_TEXT_MAX_CHARS, field).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A screenshot's file name as given, if it can be kept: up to 255 characters, no control
/// characters (which no file picker produces and which would break every place it is shown).
pub fn file_name(input: &str) -> Result<String, FieldError> {
    let ok = !input.trim().is_empty()
        && input.chars().count() <= FILE_NAME_MAX_CHARS
        && !input.chars().any(char::is_control);
    if ok {
        Ok(input.to_owned())
    } else {
        Err(FieldError {
            code: ErrorCode::FileNameInvalid,
            field: "name",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_text_keeps_every_character_but_nul() {
        let text = "Not me.\r\n知らない店 🤔\nمتجر <script>'; DROP TABLE x;--\t";
        assert_eq!(
            ReportText::parse(text, "description").unwrap().as_str(),
            text
        );
        let longest = "語".repeat(REPORT_TEXT_MAX_CHARS);
        assert!(ReportText::parse(&longest, "description").is_ok());
        let code = |s: &str| ReportText::parse(s, "note").unwrap_err().code;
        assert_eq!(code(&format!("{longest}x")), ErrorCode::DetailsTooLong);
        assert_eq!(code("a\0b"), ErrorCode::DetailsInvalid);
        assert_eq!(code(" \n"), ErrorCode::DetailsRequired);
    }

    #[test]
    fn an_addition_adds_something_and_its_note_keeps_the_rules() {
        let add = |note: Option<&str>, shots: &[&str]| AddEvidenceRequest {
            note: note.map(str::to_owned),
            screenshots: shots.iter().map(|s| s.to_string()).collect(),
        };
        let text = "Here it is.\r\n領収書 🧾";
        assert_eq!(
            add(Some(text), &[]).checked_note(100).unwrap().as_deref(),
            Some(text)
        );
        assert_eq!(add(None, &["a"]).checked_note(100).unwrap(), None);
        let code = |r: AddEvidenceRequest, max| r.checked_note(max).unwrap_err().code;
        assert_eq!(code(add(None, &[]), 100), ErrorCode::EvidenceRequired);
        assert_eq!(
            code(add(Some(" "), &["a"]), 100),
            ErrorCode::DetailsRequired
        );
        assert_eq!(code(add(Some("語語語"), &[]), 2), ErrorCode::DetailsTooLong);
    }

    #[test]
    fn file_names_are_kept_unless_they_cannot_be_shown() {
        for good in [
            "スクリーンショット 2026-11-21.png",
            "a'b\"<c>.webp",
            "🙂.jpg",
        ] {
            assert_eq!(file_name(good).unwrap(), good);
        }
        let long = "x".repeat(FILE_NAME_MAX_CHARS + 1);
        for bad in ["", " ", "a\nb.png", "a\0.png", "\u{7f}", long.as_str()] {
            assert_eq!(file_name(bad).unwrap_err().code, ErrorCode::FileNameInvalid);
        }
    }
}
