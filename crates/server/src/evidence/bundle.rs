//! The evidence bundle: one ZIP a customer (and later support) downloads and hands to the police
//! or a card company. It holds the sealed manifest and every later chain entry, exactly as
//! hashed; the history snapshot as JSON and CSV; the screenshots; a summary in the customer's
//! language; and `SHA256SUMS` for `sha256sum -c`.
//!
//! The same state gives the same bytes: entries in a fixed order, one timestamp (the last chain
//! entry's), nothing from the moment of download. Stored files are streamed one at a time, each
//! checked against its hash before it is sent.

use super::chain::{self, Body};
use super::reports;
use super::store::sha256_hex;
use super::zip::{self, Part};
use crate::http::error::{ApiError, ApiResult};
use crate::http::query::{NoParams, Query};
use crate::identity::session::SignedIn;
use crate::mail::templates::utc_time;
use crate::AppState;
use axum::body::{Body as HttpBody, Bytes};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use portal_api::dto::Locale;
use portal_api::error::ErrorBody;
use portal_api::evidence::FraudReport;

/// Where an entry's bytes come from.
enum Source {
    Memory(Vec<u8>),
    /// A stored file, by SHA-256.
    Store(String),
}

struct File {
    name: String,
    sha256: String,
    size: u64,
    crc32: u32,
    source: Source,
}

impl File {
    fn memory(name: impl Into<String>, bytes: Vec<u8>) -> Self {
        Self {
            name: name.into(),
            sha256: sha256_hex(&bytes),
            size: bytes.len() as u64,
            crc32: zip::crc32(&bytes),
            source: Source::Memory(bytes),
        }
    }
}

/// Downloads the report's evidence as one ZIP: the same bytes every time for the same state.
#[utoipa::path(get, path = "/api/fraud-reports/{id}/bundle.zip", operation_id = "download_evidence_bundle", tag = "evidence",
    params(("id" = String, Path, description = "A report id (its number), e.g. F-7KQ2-M9XA-4TRB")),
    responses(
        (status = 200, description = "The ZIP: summary.txt (in the customer's language), SHA256SUMS, manifest.json (its SHA-256 is the report's manifest_sha256), chain/NNNN.json for each later entry, history.json, history.csv, screenshots/", content_type = "application/zip"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such report of this customer", body = ErrorBody),
    ))]
pub async fn download_evidence_bundle(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    _: Query<NoParams>,
) -> ApiResult<Response> {
    let report = reports::find(&state, &me.account.id, &id).await?;
    let files = files(&state, &report, me.account.locale()).await?;
    let last_at = report.timeline.last().map_or(report.created_at, |e| e.at);
    let entries: Vec<zip::Entry> = files
        .iter()
        .map(|f| zip::Entry {
            name: f.name.clone(),
            size: f.size,
            crc32: f.crc32,
        })
        .collect();
    let layout = zip::layout(&entries, civil(last_at)).map_err(ApiError::internal)?;
    let len = layout.len;
    let filename = format!("{}.zip", report.id);

    let store = state.evidence.clone();
    let files = std::sync::Arc::new(files);
    let parts = layout.parts.into_iter();
    let body = futures_util::stream::unfold(parts, move |mut parts| {
        let store = store.clone();
        let files = files.clone();
        async move {
            let part = parts.next()?;
            let chunk = match part {
                Part::Bytes(b) => Ok(Bytes::from(b)),
                Part::Data(i) => match &files[i].source {
                    Source::Memory(b) => Ok(Bytes::from(b.clone())),
                    Source::Store(sha) => {
                        let sha = sha.clone();
                        let size = files[i].size;
                        tokio::task::spawn_blocking(move || {
                            let bytes = store.get(&sha)?;
                            // The headers promised these bytes: anything else cuts the download
                            // off rather than sending a file that is not the evidence.
                            if bytes.len() as u64 != size || sha256_hex(&bytes) != sha {
                                return Err(std::io::Error::other(format!(
                                    "evidence file {sha} changed on disk"
                                )));
                            }
                            Ok(Bytes::from(bytes))
                        })
                        .await
                        .unwrap_or_else(|e| Err(std::io::Error::other(e)))
                    }
                },
            };
            if let Err(e) = &chunk {
                tracing::error!(error = %e, "evidence bundle cut off");
            }
            Some((chunk, parts))
        }
    });
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_owned()),
            (header::CONTENT_LENGTH, len.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        HttpBody::from_stream(body),
    )
        .into_response())
}

/// A moment as the ZIP's civil time (UTC).
fn civil(unix: i64) -> (i32, u32, u32, u32, u32, u32) {
    let (y, m, d) = crate::clock::civil_from_days(unix.div_euclid(86_400));
    let s = unix.rem_euclid(86_400);
    (
        y as i32,
        m,
        d,
        (s / 3600) as u32,
        (s % 3600 / 60) as u32,
        (s % 60) as u32,
    )
}

/// The bundle's files, in their order.
async fn files(state: &AppState, report: &FraudReport, locale: Locale) -> ApiResult<Vec<File>> {
    let mut conn = state.db.pool.acquire().await?;
    let entries = chain::entries(&mut conn, &report.id).await?;
    let bodies: Vec<Body> = entries
        .iter()
        .map(|e| serde_json::from_str(&e.body))
        .collect::<Result<_, _>>()
        .map_err(ApiError::internal)?;
    let sealed = bodies
        .first()
        .and_then(|b| b.sealed.clone())
        .ok_or_else(|| ApiError::internal(format!("report {} has no manifest", report.id)))?;
    // Named as the chain sealed them, so the bundle always matches its manifest.
    let mut sealed_files: Vec<&chain::FileRef> = vec![&sealed.snapshot.json, &sealed.snapshot.csv];
    sealed_files.extend(
        bodies
            .iter()
            .flat_map(|b| b.screenshots.iter().map(|s| &s.file)),
    );
    let mut stored = Vec::new();
    for file in sealed_files {
        let (crc,): (i64,) = sqlx::query_as("SELECT crc32 FROM evidence_files WHERE sha256 = $1")
            .bind(&file.sha256)
            .fetch_one(&mut *conn)
            .await?;
        stored.push(File {
            name: file.path.clone(),
            sha256: file.sha256.clone(),
            size: file.size,
            crc32: crc as u32,
            source: Source::Store(file.sha256.clone()),
        });
    }

    let mut chain_files = vec![File::memory(
        "manifest.json",
        entries[0].body.clone().into_bytes(),
    )];
    for e in &entries[1..] {
        chain_files.push(File::memory(
            format!("chain/{:04}.json", e.seq),
            e.body.clone().into_bytes(),
        ));
    }
    let listed: Vec<&File> = chain_files.iter().chain(&stored).collect();
    let mut sums = String::new();
    for f in &listed {
        sums.push_str(&format!("{}  {}\n", f.sha256, f.name));
    }
    let summary = summary(report, &sealed, &bodies, &listed, locale);

    let mut out = vec![
        File::memory("summary.txt", summary.into_bytes()),
        File::memory("SHA256SUMS", sums.into_bytes()),
    ];
    out.extend(chain_files);
    out.extend(stored);
    Ok(out)
}

/// The human-readable summary: what a police officer or a card company needs, in the customer's
/// language, with every hash.
fn summary(
    report: &FraudReport,
    sealed: &chain::Sealed,
    bodies: &[Body],
    files: &[&File],
    locale: Locale,
) -> String {
    let ja = locale == Locale::Ja;
    let t = |en: &str, jp: &str| if ja { jp.to_owned() } else { en.to_owned() };
    let mut s = String::new();
    let mut line = |text: String| {
        s.push_str(&text);
        s.push('\n');
    };
    line(t(
        "Mamoru Wallet: evidence of a fraud report",
        "Mamoru Wallet：不正利用の報告の証拠",
    ));
    line(String::new());
    line(format!("{}: {}", t("Report number", "受付番号"), report.id));
    line(format!(
        "{}: {}",
        t("Reported", "報告日時"),
        utc_time(locale, report.created_at)
    ));
    line(format!(
        "{}: {}",
        t("Customer", "お客様"),
        sealed.customer_email
    ));
    line(format!(
        "{}: {}",
        t("Wallet frozen since", "ウォレットの凍結"),
        utc_time(locale, sealed.wallet_frozen_at)
    ));
    line(format!(
        "{}: {}",
        t("Status", "状況"),
        status_text(report.status, ja)
    ));
    line(String::new());
    line(format!(
        "{} ({}):",
        t("Transactions reported", "報告された取引"),
        report.transactions.len()
    ));
    for tr in &report.transactions {
        line(format!(
            "  {}  {}  {}  [{}]",
            utc_time(locale, tr.created_at),
            tr.amount.format(locale),
            tr.merchant.as_deref().unwrap_or("-"),
            tr.id
        ));
    }
    if let Some(first) = report.transactions.first() {
        let total: i64 = report.transactions.iter().map(|t| t.amount.minor).sum();
        let total = portal_api::money::Money {
            minor: total,
            currency: first.amount.currency,
        };
        line(format!(
            "  {}: {}",
            t("Total", "合計"),
            total.format(locale)
        ));
    }
    line(String::new());
    line(format!(
        "{}:",
        t("What the customer wrote", "お客様による説明")
    ));
    for l in sealed.description.lines() {
        line(format!("  {l}"));
    }
    line(String::new());
    line(format!(
        "{}: {} – {} ({} {})",
        t("History sealed", "封印した取引履歴"),
        utc_time(locale, sealed.snapshot.from),
        utc_time(locale, sealed.snapshot.to),
        sealed.snapshot.rows,
        t("transactions", "件")
    ));
    line(String::new());
    line(format!("{}:", t("Timeline", "経過")));
    for b in bodies {
        let what = match (b.kind, ja) {
            (portal_api::evidence::ReportEventKind::Submitted, false) => {
                "Report made; history and screenshots sealed"
            }
            (portal_api::evidence::ReportEventKind::Submitted, true) => {
                "報告を受付、取引履歴とスクリーンショットを封印"
            }
            (portal_api::evidence::ReportEventKind::EvidenceAdded, false) => "Evidence added",
            (portal_api::evidence::ReportEventKind::EvidenceAdded, true) => "証拠を追加",
            (portal_api::evidence::ReportEventKind::StatusChanged, false) => "Status changed",
            (portal_api::evidence::ReportEventKind::StatusChanged, true) => "状況を更新",
            (portal_api::evidence::ReportEventKind::FreezeLifted, false) => "Freeze lifted",
            (portal_api::evidence::ReportEventKind::FreezeLifted, true) => "凍結を解除",
        };
        line(format!(
            "  {}. {}  {} ({})",
            b.seq,
            utc_time(locale, b.at),
            what,
            status_text(b.status, ja)
        ));
        for shot in &b.screenshots {
            line(format!("       {}  \"{}\"", shot.file.path, shot.name));
        }
        if let Some(note) = &b.note {
            for l in note.lines() {
                line(format!("       {l}"));
            }
        }
    }
    line(String::new());
    line(format!(
        "{}:",
        t("Files and their SHA-256", "ファイルとSHA-256")
    ));
    for f in files {
        line(format!("  {}  {}", f.sha256, f.name));
    }
    line(String::new());
    line(t(
        "How to check: manifest.json was sealed when the report was made; its SHA-256 is the one \
         mailed to the customer then. Each later entry (chain/NNNN.json) names the SHA-256 of the \
         entry before it, and every file's SHA-256 is listed in SHA256SUMS (sha256sum -c SHA256SUMS). \
         Times are UTC.",
        "確認方法：manifest.jsonは報告の時点で封印したもので、そのSHA-256は当時お客様にメールでお送りした値と一致します。\
         以降の記録（chain/NNNN.json）はそれぞれ直前の記録のSHA-256を含みます。\
         すべてのファイルのSHA-256はSHA256SUMSに記載しています（sha256sum -c SHA256SUMS）。時刻はUTCです。",
    ));
    s
}

fn status_text(status: portal_api::wallet::DisputeStatus, ja: bool) -> &'static str {
    use portal_api::wallet::DisputeStatus::*;
    match (status, ja) {
        (Submitted, false) => "submitted",
        (Submitted, true) => "受付済み",
        (UnderReview, false) => "under review",
        (UnderReview, true) => "確認中",
        (MoreInfoNeeded, false) => "more information needed",
        (MoreInfoNeeded, true) => "追加情報が必要",
        (Refunded, false) => "refunded",
        (Refunded, true) => "返金済み",
        (Declined, false) => "declined",
        (Declined, true) => "却下",
    }
}
