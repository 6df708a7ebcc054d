//! A report's evidence chain. Entry 1 is the sealed manifest: the report, the snapshot of the
//! history and the screenshots, each file named by its SHA-256. Every later entry (more
//! evidence, a note, a status change, the freeze lifted) names the SHA-256 of the one before.
//! An entry's hash is the SHA-256 of its exact stored text, which is also its file in the
//! evidence bundle, so anyone can check the chain with `sha256sum`.
//!
//! Nothing updates or deletes an entry. A change to an entry's text, to the order, or to any file
//! an entry names is found by [`verify_report`] (`portal-server evidence verify`).

use super::store::{sha256_hex, EvidenceStore};
use portal_api::evidence::ReportEventKind;
use portal_api::wallet::DisputeStatus;
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;

/// Names the format of every entry, so a reader knows what it holds.
pub const FORMAT: &str = "mamoru-evidence/1";

/// A file an entry seals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRef {
    /// Its name in the bundle.
    pub path: String,
    pub sha256: String,
    pub size: u64,
}

/// A screenshot as sealed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedScreenshot {
    pub id: String,
    /// As the customer's device named it.
    pub name: String,
    pub format: String,
    pub width: u32,
    pub height: u32,
    pub file: FileRef,
    /// The bytes as uploaded, before metadata was removed.
    pub original_sha256: String,
    pub uploaded_at: i64,
}

/// What only the first entry holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    pub customer_email: String,
    pub description: String,
    pub reported_transactions: Vec<String>,
    pub wallet_frozen_at: i64,
    pub snapshot: Snapshot,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Seconds since the epoch; every row from here to `to`, and every reported row.
    pub from: i64,
    pub to: i64,
    pub rows: u64,
    pub json: FileRef,
    pub csv: FileRef,
}

/// One entry's text, parsed. Field order is the order written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Body {
    pub format: String,
    pub report: String,
    pub seq: u32,
    pub kind: ReportEventKind,
    pub at: i64,
    pub at_utc: String,
    /// `None` only for the first entry.
    pub prev_sha256: Option<String>,
    /// `customer` or `support`.
    pub by: String,
    /// The report's status after this entry.
    pub status: DisputeStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed: Option<Sealed>,
    pub note: Option<String>,
    pub screenshots: Vec<SealedScreenshot>,
}

impl Body {
    /// Every file this entry seals.
    pub fn files(&self) -> Vec<&FileRef> {
        let mut out: Vec<&FileRef> = Vec::new();
        if let Some(sealed) = &self.sealed {
            out.push(&sealed.snapshot.json);
            out.push(&sealed.snapshot.csv);
        }
        out.extend(self.screenshots.iter().map(|s| &s.file));
        out
    }

    /// The exact text stored and hashed.
    pub fn text(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("an entry serialises");
        text.push('\n');
        text
    }
}

/// A stored entry.
#[derive(Debug, Clone)]
pub struct Stored {
    pub seq: i64,
    pub kind: String,
    pub body: String,
    pub sha256: String,
    pub created_at: i64,
}

pub async fn entries(
    conn: &mut AnyConnection,
    report_id: &str,
) -> Result<Vec<Stored>, sqlx::Error> {
    let rows: Vec<(i64, String, String, String, i64)> = sqlx::query_as(
        "SELECT seq, kind, body, sha256, created_at FROM evidence_entries
         WHERE report_id = $1 ORDER BY seq",
    )
    .bind(report_id)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(seq, kind, body, sha256, created_at)| Stored {
            seq,
            kind,
            body,
            sha256,
            created_at,
        })
        .collect())
}

/// Appends `body` (its `seq` and `prev_sha256` filled in here) in the caller's transaction and
/// keeps the report's status. Two appends racing for one `seq` collide on the primary key: the
/// loser's transaction is retried (`wallet::ledger::retrying`).
pub async fn append(conn: &mut AnyConnection, mut body: Body) -> Result<String, sqlx::Error> {
    let last: Option<(i64, String)> = sqlx::query_as(
        "SELECT seq, sha256 FROM evidence_entries WHERE report_id = $1 ORDER BY seq DESC LIMIT 1",
    )
    .bind(&body.report)
    .fetch_optional(&mut *conn)
    .await?;
    let (seq, prev) = match last {
        Some((seq, sha)) => (seq + 1, Some(sha)),
        None => (1, None),
    };
    body.seq = seq as u32;
    body.prev_sha256 = prev;
    let text = body.text();
    let sha256 = sha256_hex(text.as_bytes());
    sqlx::query(
        "INSERT INTO evidence_entries (report_id, seq, kind, body, sha256, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&body.report)
    .bind(seq)
    .bind(crate::db::codec::enum_str(&body.kind))
    .bind(&text)
    .bind(&sha256)
    .bind(body.at)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE fraud_reports SET status = $1, updated_at = $2 WHERE id = $3")
        .bind(crate::db::codec::enum_str(&body.status))
        .bind(body.at)
        .bind(&body.report)
        .execute(&mut *conn)
        .await?;
    crate::cases::set_status(conn, &body.report, body.status, body.at).await?;
    Ok(sha256)
}

/// A body for `report` at `at`, before [`append`] numbers it.
pub fn body(report: &str, kind: ReportEventKind, at: i64, by: &str, status: DisputeStatus) -> Body {
    Body {
        format: FORMAT.to_owned(),
        report: report.to_owned(),
        seq: 0,
        kind,
        at,
        at_utc: crate::clock::iso8601_utc(at),
        prev_sha256: None,
        by: by.to_owned(),
        status,
        sealed: None,
        note: None,
        screenshots: Vec::new(),
    }
}

/// Checks one report's chain against its recorded manifest hash and every file it names in the
/// store. `Err` says what is broken first.
pub fn verify_report(
    report_id: &str,
    manifest_sha256: &str,
    entries: &[Stored],
    store: &dyn EvidenceStore,
) -> Result<usize, String> {
    let mut prev: Option<&str> = None;
    let mut files = 0;
    if entries.is_empty() {
        return Err("it has no entries".into());
    }
    for (i, entry) in entries.iter().enumerate() {
        let seq = i as i64 + 1;
        if entry.seq != seq {
            return Err(format!("entry {seq} is missing"));
        }
        if sha256_hex(entry.body.as_bytes()) != entry.sha256 {
            return Err(format!("entry {seq}'s text does not match its SHA-256"));
        }
        let body: Body = serde_json::from_str(&entry.body)
            .map_err(|e| format!("entry {seq} cannot be read: {e}"))?;
        if body.report != report_id || i64::from(body.seq) != seq {
            return Err(format!("entry {seq} names another report or place"));
        }
        if body.prev_sha256.as_deref() != prev {
            return Err(format!("entry {seq} does not follow entry {}", seq - 1));
        }
        if seq == 1 && (entry.sha256 != manifest_sha256 || body.sealed.is_none()) {
            return Err("the manifest is not the one recorded when the report was made".into());
        }
        for file in body.files() {
            let bytes = store
                .get(&file.sha256)
                .map_err(|e| format!("{} ({}) cannot be read: {e}", file.path, file.sha256))?;
            if sha256_hex(&bytes) != file.sha256 {
                return Err(format!(
                    "{} ({}) has changed since it was sealed",
                    file.path, file.sha256
                ));
            }
            files += 1;
        }
        prev = Some(&entry.sha256);
    }
    Ok(files)
}

/// One report's verdict from [`verify_all`].
pub struct Verdict {
    pub report_id: String,
    pub entries: usize,
    /// Files checked, or what is broken.
    pub result: Result<usize, String>,
}

/// Checks every report's chain and files, oldest report first.
pub async fn verify_all(
    db: &crate::db::Db,
    store: &dyn EvidenceStore,
) -> Result<Vec<Verdict>, sqlx::Error> {
    let reports: Vec<(String, String)> =
        sqlx::query_as("SELECT id, manifest_sha256 FROM fraud_reports ORDER BY created_micros, id")
            .fetch_all(&db.pool)
            .await?;
    let mut conn = db.pool.acquire().await?;
    let mut out = Vec::with_capacity(reports.len());
    for (report_id, manifest) in reports {
        let stored = entries(&mut conn, &report_id).await?;
        let result = verify_report(&report_id, &manifest, &stored, store);
        out.push(Verdict {
            report_id,
            entries: stored.len(),
            result,
        });
    }
    Ok(out)
}
