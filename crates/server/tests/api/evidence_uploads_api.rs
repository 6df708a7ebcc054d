//! Screenshot uploads (docs/threat-model.md#t11, #t13): every bad file is refused with its own
//! error code and leaves nothing behind, good files are kept without their metadata and served as
//! what they decode to, attached screenshots are sealed, another customer's screenshots and reports
//! do not exist for you, the limit of ten waiting screenshots holds under concurrency, only so many
//! uploads arrive at once, and unattached uploads are swept after a day.

use crate::common;
use crate::common::evidence as fixtures;

use crate::common::ledger::{self, NewTransaction};
use crate::common::{error_code, read, Customer, TestApp};
use fixtures::*;
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::Duration;

on_both_backends!(
    bad_files_are_refused_each_with_its_own_code_and_nothing_is_stored,
    a_body_over_ten_mib_is_refused_with_or_without_content_length,
    the_eleventh_waiting_screenshot_is_refused_until_one_is_removed,
    file_names_are_kept_exactly_or_refused,
    png_jpeg_and_webp_are_stored_with_their_size_and_hashes,
    jpeg_and_webp_metadata_is_removed_before_storing,
    png_metadata_is_removed_before_storing,
    the_served_type_is_the_decoded_type_whatever_was_declared,
    a_waiting_screenshot_can_be_deleted_and_an_attached_one_cannot,
    another_customers_screenshots_and_reports_are_not_found,
    nobody_signed_in_gets_401_everywhere,
    unknown_and_junk_ids_answer_404_never_500,
    dispute_attachments_are_listed_in_order_and_sealed,
    report_screenshots_keep_the_order_given_in_the_bundle_too,
    twelve_uploads_at_once_leave_exactly_ten_waiting,
    malformed_report_requests_are_refused_and_do_not_freeze,
    malformed_additions_are_refused_and_change_nothing,
    an_account_without_a_verified_email_cannot_upload,
    a_customers_third_upload_at_once_is_refused_until_one_ends,
    unattached_uploads_go_after_a_day_and_files_still_named_stay,
);

// -- helpers -------------------------------------------------------------------------------

/// `n` payments in the customer's history, an hour old; their ids.
async fn payments(app: &TestApp, c: &Customer, n: usize) -> Vec<String> {
    let now = portal_server::clock::now();
    let rows: Vec<NewTransaction> = (0..n)
        .map(|i| NewTransaction::payment(1_000 + i as i64, "Lawson", None, now - 3_600 - i as i64))
        .collect();
    ledger::insert(&app.state.db, &c.id, "JPY", &rows).await
}

async fn upload_raw(
    c: &Customer,
    name: Option<&str>,
    content_type: &str,
    bytes: Vec<u8>,
) -> (StatusCode, Value) {
    let mut r = c.client.post(c.url("/api/evidence"));
    if let Some(name) = name {
        r = r.query(&[("name", name)]);
    }
    read(
        r.header("content-type", content_type)
            .body(bytes)
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// Uploads `bytes` as `name`; answers the stored screenshot.
async fn upload(c: &Customer, name: &str, bytes: Vec<u8>) -> Value {
    let (status, body) = upload_raw(c, Some(name), "application/octet-stream", bytes).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

fn id(v: &Value) -> String {
    v["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {v}"))
        .to_owned()
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(id)
        .collect()
}

/// GET `path` with the customer's session: status, headers, raw bytes.
async fn fetch(client: &reqwest::Client, url: String) -> (StatusCode, HeaderMap, Vec<u8>) {
    let r = client.get(url).send().await.unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    (status, headers, r.bytes().await.unwrap().to_vec())
}

async fn delete(c: &Customer, path: &str) -> (StatusCode, Value) {
    read(c.client.delete(c.url(path)).send().await.unwrap()).await
}

async fn report(
    c: &Customer,
    transactions: &[String],
    screenshots: &[String],
) -> (StatusCode, Value) {
    c.post(
        "/api/fraud-reports",
        json!({
            "transaction_ids": transactions,
            "description": "Not me.\nSomeone used my wallet.",
            "screenshots": screenshots,
        }),
    )
    .await
}

async fn dispute(c: &Customer, transaction: &str, screenshots: &[String]) -> (StatusCode, Value) {
    c.post(
        &format!("/api/transactions/{transaction}/disputes"),
        json!({"reason": "not_recognised", "details": "Not me.", "screenshots": screenshots}),
    )
    .await
}

fn evidence_dir(app: &TestApp) -> PathBuf {
    app.state.config.data_dir.join("evidence")
}

/// What the store holds: rows of `uploads` and `evidence_files`, and every file on disk.
#[derive(Debug, PartialEq, Eq)]
struct Stored {
    uploads: i64,
    catalogue: i64,
    files: Vec<PathBuf>,
}

async fn stored(app: &TestApp) -> Stored {
    Stored {
        uploads: app.scalar("SELECT COUNT(*) FROM uploads").await,
        catalogue: app.scalar("SELECT COUNT(*) FROM evidence_files").await,
        files: files_under(&evidence_dir(app)),
    }
}

async fn waiting(app: &TestApp, c: &Customer) -> i64 {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM uploads WHERE account_id = $1 AND report_id IS NULL AND dispute_id IS NULL",
    )
    .bind(&c.id)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    n
}

async fn freeze_of(c: &Customer) -> Value {
    let (status, wallet) = c.get("/api/wallet").await;
    assert_eq!(status, StatusCode::OK, "{wallet}");
    wallet["freeze"].clone()
}

async fn count_for(app: &TestApp, sql: &str, account: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sql)
        .bind(account)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    n
}

/// Asserts a refusal: status, code, field, and that its message mentions `says` (if given).
fn assert_refused(
    what: &str,
    (status, body): &(StatusCode, Value),
    want: StatusCode,
    code: &str,
    field: Option<&str>,
) {
    assert_eq!(*status, want, "{what}: {body}");
    assert_eq!(error_code(body), code, "{what}: {body}");
    if let Some(field) = field {
        assert_eq!(body["error"]["field"], field, "{what}: {body}");
    }
}

fn message(body: &Value) -> &str {
    body["error"]["message"].as_str().unwrap()
}

// -- 1. bad uploads ---------------------------------------------------------------------------

async fn bad_files_are_refused_each_with_its_own_code_and_nothing_is_stored(app: TestApp) {
    let c = app.customer("bad-files", "en").await;
    let before = stored(&app).await;
    assert_eq!(before.uploads, 0);

    let png_then_noise = [&PNG_SIGNATURE[..], &random_bytes(3, 4_000)].concat();
    let whole_jpeg = jpeg(128, 96, 1);
    let half_jpeg = whole_jpeg[..whole_jpeg.len() / 2].to_vec();
    let jpeg_without_eoi = whole_jpeg[..whole_jpeg.len() - 2].to_vec();
    let whole_png = png(40, 30, 2);
    let png_without_iend = whole_png[..whole_png.len() - 12].to_vec();
    // Every one of these is 422 with field `file`.
    let cases: Vec<(&str, Vec<u8>, &str, Option<&str>)> = vec![
        (
            "PNG signature then random bytes",
            png_then_noise,
            "file_damaged",
            Some("PNG"),
        ),
        ("JPEG cut in half", half_jpeg, "file_damaged", Some("JPEG")),
        (
            "JPEG without its end marker",
            jpeg_without_eoi,
            "file_damaged",
            Some("JPEG"),
        ),
        (
            "PNG without IEND",
            png_without_iend,
            "file_damaged",
            Some("PNG"),
        ),
        (
            "GIF named .png",
            gif(),
            "file_type_unsupported",
            Some("GIF"),
        ),
        (
            "SVG with a script",
            SVG_WITH_SCRIPT.as_bytes().to_vec(),
            "file_type_unsupported",
            Some("SVG"),
        ),
        (
            "random bytes",
            random_bytes(9, 2_000),
            "file_type_unsupported",
            None,
        ),
        (
            "30,000 × 30,000 PNG bomb",
            png_bomb(30_000, 30_000),
            "image_too_large",
            Some("30000"),
        ),
        ("empty body", Vec::new(), "file_empty", None),
    ];
    for (what, bytes, code, says) in cases {
        let got = upload_raw(&c, Some("screenshot.png"), "image/png", bytes).await;
        assert_refused(
            what,
            &got,
            StatusCode::UNPROCESSABLE_ENTITY,
            code,
            Some("file"),
        );
        if let Some(says) = says {
            assert!(message(&got.1).contains(says), "{what}: {}", got.1);
        }
        assert_eq!(
            stored(&app).await,
            before,
            "{what} left something in the store"
        );
    }

    // The SVG again, declared as what it is: still refused, never served back as a document.
    let got = upload_raw(&c, Some("x.svg"), "image/svg+xml", SVG_WITH_SCRIPT.into()).await;
    assert_refused(
        "declared SVG",
        &got,
        StatusCode::UNPROCESSABLE_ENTITY,
        "file_type_unsupported",
        Some("file"),
    );
    assert_eq!(stored(&app).await, before);

    // And the server still takes a good file afterwards.
    upload(&c, "fine.png", png(10, 10, 3)).await;
    assert_eq!(stored(&app).await.uploads, 1);
}

async fn a_body_over_ten_mib_is_refused_with_or_without_content_length(app: TestApp) {
    let c = app.customer("too-large", "en").await;
    let before = stored(&app).await;
    // A real image prefix, so only the size can be the reason.
    let mut big = png(64, 64, 4);
    big.resize(11 * 1024 * 1024, 0);

    // Sent raw, reading the answer while writing: the server may answer and close before the
    // body is all written, and a client that only reads once it has written (reqwest) then
    // sometimes sees a broken pipe instead of the answer.
    let addr = app.base.trim_start_matches("http://").to_owned();
    let cookie = c.cookie_header();
    let r = raw_post(
        &addr,
        "/api/evidence?name=big.png",
        &[
            ("Cookie", cookie.clone()),
            ("Origin", app.base.clone()),
            ("Content-Type", "image/png".to_owned()),
        ],
        Framing::Length(big.len()),
        big.chunks(1024 * 1024).map(<[u8]>::to_vec).collect(),
        Duration::ZERO,
    )
    .await;
    assert_refused(
        "11 MB with Content-Length",
        &(StatusCode::from_u16(r.status).unwrap(), r.json()),
        StatusCode::PAYLOAD_TOO_LARGE,
        "file_too_large",
        Some("file"),
    );
    assert_eq!(stored(&app).await, before);

    // A length over the limit is refused before anything is read, however little follows.
    let r = raw_post(
        &addr,
        "/api/evidence?name=big.png",
        &[("Cookie", cookie.clone()), ("Origin", app.base.clone())],
        Framing::Length(1 << 30),
        vec![big[..1000].to_vec()],
        Duration::ZERO,
    )
    .await;
    assert_refused(
        "1 GiB declared",
        &(StatusCode::from_u16(r.status).unwrap(), r.json()),
        StatusCode::PAYLOAD_TOO_LARGE,
        "file_too_large",
        Some("file"),
    );
    assert_eq!(stored(&app).await, before);

    // More sent than declared: the body is what was declared, and what follows is not part of
    // it (here the declared part is the start of a PNG only).
    let r = raw_post(
        &addr,
        "/api/evidence?name=big.png",
        &[("Cookie", cookie.clone()), ("Origin", app.base.clone())],
        Framing::Length(1000),
        big.chunks(1024 * 1024).map(<[u8]>::to_vec).collect(),
        Duration::ZERO,
    )
    .await;
    assert_refused(
        "11 MB sent, 1000 bytes declared",
        &(StatusCode::from_u16(r.status).unwrap(), r.json()),
        StatusCode::UNPROCESSABLE_ENTITY,
        "file_damaged",
        Some("file"),
    );
    assert_eq!(stored(&app).await, before);

    // Chunked, no Content-Length: the server counts as it reads.
    let parts: Vec<Vec<u8>> = big.chunks(512 * 1024).map(<[u8]>::to_vec).collect();
    let headers = [
        ("Cookie", cookie.clone()),
        ("Origin", app.base.clone()),
        ("Content-Type", "image/png".to_owned()),
    ];
    let r = raw_post(
        &addr,
        "/api/evidence?name=big.png",
        &headers,
        Framing::Chunked,
        parts,
        Duration::ZERO,
    )
    .await;
    assert!(
        !r.head.to_ascii_lowercase().contains("content-length: 0\r"),
        "{}",
        r.head
    );
    assert_refused(
        "11 MB chunked",
        &(StatusCode::from_u16(r.status).unwrap(), r.json()),
        StatusCode::PAYLOAD_TOO_LARGE,
        "file_too_large",
        Some("file"),
    );
    assert_eq!(stored(&app).await, before);

    // One byte over the limit, chunked: too large. Exactly at the limit: taken (what follows
    // IEND is dropped), so the limit is 10 MiB exactly.
    let mut over = png(64, 64, 5);
    over.resize(portal_api::evidence::SCREENSHOT_MAX_BYTES + 1, 0);
    let r = raw_post(
        &addr,
        "/api/evidence?name=over.png",
        &headers,
        Framing::Chunked,
        over.chunks(1024 * 1024).map(<[u8]>::to_vec).collect(),
        Duration::ZERO,
    )
    .await;
    let body = r.json();
    assert_eq!(r.status, 413, "{body}");
    assert_eq!(error_code(&body), "file_too_large", "{body}");
    assert_eq!(stored(&app).await, before);
    over.pop();
    let shot = upload(&c, "limit.png", over.clone()).await;
    assert_eq!(shot["original_sha256"], sha256_hex(&over));
    assert!(shot["size"].as_u64().unwrap() < 100_000, "{shot}");

    // A good file sent chunked is taken.
    let good = png(33, 17, 6);
    let r = raw_post(
        &addr,
        "/api/evidence?name=chunked.png",
        &headers,
        Framing::Chunked,
        good.chunks(100).map(<[u8]>::to_vec).collect(),
        Duration::ZERO,
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.json());
    assert_eq!(r.json()["original_sha256"], sha256_hex(&good));
}

async fn the_eleventh_waiting_screenshot_is_refused_until_one_is_removed(app: TestApp) {
    let c = app.customer("eleventh", "en").await;
    let mut shots = Vec::new();
    for i in 0..10 {
        shots.push(upload(&c, &format!("{i}.png"), png(12, 12, 100 + i)).await);
    }
    let before = stored(&app).await;
    assert_eq!(before.uploads, 10);
    let got = upload_raw(&c, Some("11.png"), "image/png", png(12, 12, 200)).await;
    assert_refused(
        "eleventh",
        &got,
        StatusCode::CONFLICT,
        "too_many_files",
        Some("file"),
    );
    assert_eq!(
        stored(&app).await,
        before,
        "the eleventh left something behind"
    );

    // Another customer is not limited by this one's screenshots.
    let other = app.customer("eleventh-other", "en").await;
    upload(&other, "mine.png", png(12, 12, 201)).await;

    // Removing one makes room for exactly one.
    let (status, body) = delete(&c, &format!("/api/evidence/{}", id(&shots[3]))).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(waiting(&app, &c).await, 9);
    let eleventh = upload(&c, "11.png", png(12, 12, 200)).await;
    assert_eq!(eleventh["name"], "11.png");
    let got = upload_raw(&c, Some("12.png"), "image/png", png(12, 12, 202)).await;
    assert_refused(
        "twelfth",
        &got,
        StatusCode::CONFLICT,
        "too_many_files",
        Some("file"),
    );
    assert_eq!(waiting(&app, &c).await, 10);
}

async fn file_names_are_kept_exactly_or_refused(app: TestApp) {
    let c = app.customer("names", "en").await;
    let before = stored(&app).await;
    let too_long = "x".repeat(252) + ".png";
    assert_eq!(too_long.chars().count(), 256);
    let bad = [
        ("line break", "a\nb.png".to_owned()),
        ("carriage return", "a\rb.png".to_owned()),
        ("NUL", "a\0b.png".to_owned()),
        ("256 characters", too_long),
        ("blank", "   ".to_owned()),
        ("empty", String::new()),
    ];
    for (what, name) in bad {
        let got = upload_raw(&c, Some(&name), "image/png", png(8, 8, 7)).await;
        assert_refused(
            what,
            &got,
            StatusCode::UNPROCESSABLE_ENTITY,
            "file_name_invalid",
            Some("name"),
        );
        assert_eq!(stored(&app).await, before, "{what}");
    }

    let longest = "語".repeat(251) + ".png";
    assert_eq!(longest.chars().count(), 255);
    let good = [
        "🙂 スクリーンショット 2026-11-21 🤔👨‍👩‍👧.png".to_owned(),
        "צילום מסך \u{200F}لقطة شاشة\u{202E}gnp.exe".to_owned(),
        "<img src=x onerror=alert(1)><script>alert(2)</script>.png".to_owned(),
        "it's \"quoted\" & `ticked`; DROP TABLE uploads;--.png".to_owned(),
        "..\\..\\windows\\system32/../../etc/passwd".to_owned(),
        "  spaces around  ".to_owned(),
        longest,
    ];
    for (i, name) in good.iter().enumerate() {
        let shot = upload(&c, name, png(8, 8, 300 + i as u32)).await;
        assert_eq!(shot["name"], name.as_str());
        let (kept,): (String,) = sqlx::query_as("SELECT name FROM uploads WHERE id = $1")
            .bind(id(&shot))
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
        assert_eq!(&kept, name, "stored byte for byte");
        // The name is only shown: it is never a path nor a header value.
        let (status, headers, _) =
            fetch(&c.client, c.url(&format!("/api/evidence/{}", id(&shot)))).await;
        assert_eq!(status, StatusCode::OK);
        let disposition = headers["content-disposition"].to_str().unwrap();
        assert_eq!(
            disposition,
            format!("inline; filename=\"{}.png\"", id(&shot))
        );
    }
    // Without a name the screenshot is still named.
    let (status, unnamed) = upload_raw(&c, None, "application/octet-stream", png(8, 8, 399)).await;
    assert_eq!(status, StatusCode::CREATED, "{unnamed}");
    assert!(!unnamed["name"].as_str().unwrap().is_empty());
}

// -- 2. good uploads --------------------------------------------------------------------------

async fn png_jpeg_and_webp_are_stored_with_their_size_and_hashes(app: TestApp) {
    let c = app.customer("formats", "en").await;
    let cases = [
        ("shot.png", png(37, 23, 1), "png", "image/png", 37, 23),
        ("photo.jpg", jpeg(128, 96, 2), "jpeg", "image/jpeg", 128, 96),
        ("shot.webp", webp(41, 19, 3), "webp", "image/webp", 41, 19),
    ];
    for (name, bytes, format, mime, width, height) in cases {
        let shot = upload(&c, name, bytes.clone()).await;
        assert_eq!(shot["name"], name);
        assert_eq!(shot["format"], format, "{shot}");
        assert_eq!(
            (shot["width"].as_u64(), shot["height"].as_u64()),
            (Some(width), Some(height))
        );
        assert_eq!(shot["original_sha256"], sha256_hex(&bytes));
        assert_eq!(shot["url"], format!("/api/evidence/{}", id(&shot)));
        let now = portal_server::clock::now();
        assert!((now - shot["uploaded_at"].as_i64().unwrap()).abs() < 60);

        let (status, headers, served) =
            fetch(&c.client, c.url(shot["url"].as_str().unwrap())).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers["content-type"], mime);
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(
            shot["sha256"],
            sha256_hex(&served),
            "sha256 is the served bytes'"
        );
        assert_eq!(shot["size"].as_u64(), Some(served.len() as u64));
        let decoded = image::load_from_memory(&served).unwrap();
        assert_eq!(
            (decoded.width(), decoded.height()),
            (width as u32, height as u32)
        );

        // The store holds exactly those bytes, under their hash.
        let sha = shot["sha256"].as_str().unwrap();
        let on_disk = std::fs::read(evidence_dir(&app).join(&sha[..2]).join(&sha[2..])).unwrap();
        assert_eq!(on_disk, served);
    }
    let s = stored(&app).await;
    assert_eq!((s.uploads, s.catalogue), (3, 3));
    assert_eq!(assert_store_consistent(&evidence_dir(&app)), 3);

    // The same bytes again are a second screenshot sharing one stored file.
    let again = upload(&c, "again.png", png(37, 23, 1)).await;
    let s = stored(&app).await;
    assert_eq!((s.uploads, s.catalogue, s.files.len()), (4, 3, 3));
    assert_eq!(again["original_sha256"], sha256_hex(&png(37, 23, 1)));
}

async fn jpeg_and_webp_metadata_is_removed_before_storing(app: TestApp) {
    let c = app.customer("exif", "en").await;
    let clean = jpeg(128, 96, 5);
    let dirty = jpeg_with_exif(&clean);
    assert!(contains(&dirty, GPS_MARKER));
    assert!(
        image::load_from_memory(&dirty).is_ok(),
        "the fixture is a real JPEG"
    );
    let shot = upload(&c, "with-location.jpg", dirty.clone()).await;
    assert_eq!(shot["format"], "jpeg");
    assert_eq!(shot["original_sha256"], sha256_hex(&dirty));
    let (status, _, served) =
        fetch(&c.client, c.url(&format!("/api/evidence/{}", id(&shot)))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!contains(&served, GPS_MARKER), "the location came back");
    assert!(!contains(&served, b"GPSLatitude"));
    assert!(
        !contains(&served, b"Exif\0\0"),
        "the EXIF segment came back"
    );
    assert_eq!(shot["sha256"], sha256_hex(&served));
    assert_ne!(shot["sha256"], shot["original_sha256"]);
    let decoded = image::load_from_memory(&served).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (128, 96));
    for file in files_under(&evidence_dir(&app)) {
        assert!(
            !contains(&std::fs::read(&file).unwrap(), GPS_MARKER),
            "{}",
            file.display()
        );
    }

    // WebP: an extended file flagged as carrying EXIF, with an EXIF chunk.
    let simple = webp(37, 23, 6);
    assert_eq!(&simple[12..16], b"VP8L");
    let vp8l = &simple[12..];
    let mut vp8x = vec![0x08, 0, 0, 0]; // EXIF flag
    vp8x.extend_from_slice(&(37u32 - 1).to_le_bytes()[..3]);
    vp8x.extend_from_slice(&(23u32 - 1).to_le_bytes()[..3]);
    let mut exif = b"MM\0*\0\0\0\x08".to_vec();
    exif.extend_from_slice(GPS_MARKER);
    let riff_chunk = |kind: &[u8], data: &[u8]| {
        let mut out = kind.to_vec();
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(data);
        if data.len() % 2 == 1 {
            out.push(0);
        }
        out
    };
    let body = [
        riff_chunk(b"VP8X", &vp8x),
        vp8l.to_vec(),
        riff_chunk(b"EXIF", &exif),
    ]
    .concat();
    let mut dirty = b"RIFF".to_vec();
    dirty.extend_from_slice(&(body.len() as u32 + 4).to_le_bytes());
    dirty.extend_from_slice(b"WEBP");
    dirty.extend_from_slice(&body);
    let shot = upload(&c, "with-location.webp", dirty.clone()).await;
    assert_eq!(shot["format"], "webp");
    assert_eq!(
        (shot["width"].as_u64(), shot["height"].as_u64()),
        (Some(37), Some(23))
    );
    let (_, _, served) = fetch(&c.client, c.url(&format!("/api/evidence/{}", id(&shot)))).await;
    assert!(!contains(&served, GPS_MARKER), "the location came back");
    assert!(!contains(&served, b"EXIF"));
    let decoded = image::load_from_memory(&served).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (37, 23));
}

async fn png_metadata_is_removed_before_storing(app: TestApp) {
    let c = app.customer("png-meta", "en").await;
    let clean = png(37, 23, 8);
    let mut extra = png_chunk(b"tEXt", b"Comment\0taken at 35.6586N 139.7454E");
    extra.extend(png_chunk(
        b"eXIf",
        &[b"MM\0*\0\0\0\x08".as_slice(), GPS_MARKER].concat(),
    ));
    extra.extend(png_chunk(b"iTXt", b"Location\0\0\0en\0\0home address"));
    let dirty = png_with_after_ihdr(&clean, &extra);
    assert!(
        image::load_from_memory(&dirty).is_ok(),
        "the fixture is a real PNG"
    );
    let shot = upload(&c, "with-location.png", dirty.clone()).await;
    assert_eq!(shot["original_sha256"], sha256_hex(&dirty));
    let (status, _, served) =
        fetch(&c.client, c.url(&format!("/api/evidence/{}", id(&shot)))).await;
    assert_eq!(status, StatusCode::OK);
    for marker in [
        GPS_MARKER,
        b"35.6586N",
        b"home address",
        b"tEXt",
        b"eXIf",
        b"iTXt",
    ] {
        assert!(
            !contains(&served, marker),
            "{:?} came back in the stored PNG",
            String::from_utf8_lossy(marker)
        );
    }
    let decoded = image::load_from_memory(&served).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (37, 23));
}

async fn the_served_type_is_the_decoded_type_whatever_was_declared(app: TestApp) {
    let c = app.customer("declared", "en").await;
    let cases = [
        (png(20, 10, 9), "image/jpeg", "png", "image/png"),
        (jpeg(24, 16, 9), "text/html", "jpeg", "image/jpeg"),
        (webp(20, 10, 9), "image/png", "webp", "image/webp"),
        (png(20, 10, 10), "image/svg+xml", "png", "image/png"),
    ];
    let mut policies = Vec::new();
    for (bytes, declared, format, mime) in cases {
        let (status, shot) = upload_raw(&c, Some("file.jpg"), declared, bytes).await;
        assert_eq!(status, StatusCode::CREATED, "{shot}");
        assert_eq!(shot["format"], format);
        let (status, headers, _) =
            fetch(&c.client, c.url(&format!("/api/evidence/{}", id(&shot)))).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers["content-type"], mime, "declared {declared}");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        policies.push(
            headers["content-security-policy"]
                .to_str()
                .unwrap()
                .to_owned(),
        );
    }
    // The handler's own policy ("default-src 'none'; sandbox"): nothing loads, and a document
    // opened from here is sandboxed. It must survive the site-wide header layer.
    for csp in policies {
        assert!(
            csp.contains("sandbox") && csp.contains("default-src 'none'"),
            "served without the handler's sandbox policy: {csp}"
        );
    }
}

// -- 3. deleting ------------------------------------------------------------------------------

async fn a_waiting_screenshot_can_be_deleted_and_an_attached_one_cannot(app: TestApp) {
    let c = app.customer("delete", "en").await;
    let t = payments(&app, &c, 1).await;
    let sealed = upload(&c, "sealed.png", png(16, 16, 11)).await;
    let loose = upload(&c, "loose.png", png(16, 16, 12)).await;
    let (status, r) = report(&c, &t, &[id(&sealed)]).await;
    assert_eq!(status, StatusCode::CREATED, "{r}");

    let (status, body) = delete(&c, &format!("/api/evidence/{}", id(&loose))).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, _, _) = fetch(&c.client, c.url(&format!("/api/evidence/{}", id(&loose)))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let again = delete(&c, &format!("/api/evidence/{}", id(&loose))).await;
    assert_refused(
        "deleted twice",
        &again,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    );
    // A deleted screenshot cannot be attached.
    let (status, body) = c
        .post(
            &format!("/api/fraud-reports/{}/evidence", id(&r)),
            json!({"screenshots": [id(&loose)]}),
        )
        .await;
    assert_refused(
        "attach deleted",
        &(status, body),
        StatusCode::NOT_FOUND,
        "not_found",
        Some("screenshots"),
    );

    let (_, _, before) = fetch(&c.client, c.url(&format!("/api/evidence/{}", id(&sealed)))).await;
    let got = delete(&c, &format!("/api/evidence/{}", id(&sealed))).await;
    assert_refused(
        "delete attached",
        &got,
        StatusCode::CONFLICT,
        "evidence_sealed",
        None,
    );
    let (status, _, after) =
        fetch(&c.client, c.url(&format!("/api/evidence/{}", id(&sealed)))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(after, before, "still readable, unchanged");
    let (_, now) = c.get(&format!("/api/fraud-reports/{}", id(&r))).await;
    assert_eq!(ids(&now["screenshots"]), [id(&sealed)]);
}

// -- 4. other customers, nobody, junk ------------------------------------------------------------

async fn another_customers_screenshots_and_reports_are_not_found(app: TestApp) {
    let alice = app.customer("alice", "en").await;
    let bob = app.customer("bob", "en").await;
    let alice_tx = payments(&app, &alice, 2).await;
    let bob_tx = payments(&app, &bob, 1).await;
    let bobs_waiting = upload(&bob, "bob.png", png(16, 16, 20)).await;
    let bobs_sealed = upload(&bob, "bob-sealed.png", png(16, 16, 21)).await;
    let (status, bobs_report) = report(&bob, &bob_tx, &[id(&bobs_sealed)]).await;
    assert_eq!(status, StatusCode::CREATED, "{bobs_report}");
    let unknown = "0123456789abcdef0123456789abcdef";

    for shot in [&bobs_waiting, &bobs_sealed] {
        let path = format!("/api/evidence/{}", id(shot));
        let (status, _, bytes) = fetch(&alice.client, alice.url(&path)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (_, _, unknown_bytes) = fetch(
            &alice.client,
            alice.url(&format!("/api/evidence/{unknown}")),
        )
        .await;
        assert_eq!(bytes, unknown_bytes, "answers exactly like an unknown id");
        let got = delete(&alice, &path).await;
        assert_refused(
            "delete Bob's",
            &got,
            StatusCode::NOT_FOUND,
            "not_found",
            None,
        );
        let (status, _, _) = fetch(&bob.client, bob.url(&path)).await;
        assert_eq!(status, StatusCode::OK, "Bob's screenshot is still there");
    }

    // Named in Alice's report: refused, nothing made, Alice's wallet not frozen.
    let got = report(&alice, &alice_tx[..1], &[id(&bobs_waiting)]).await;
    assert_refused(
        "report with Bob's",
        &got,
        StatusCode::NOT_FOUND,
        "not_found",
        Some("screenshots"),
    );
    let got = report(&alice, &alice_tx[..1], &[id(&bobs_sealed)]).await;
    assert_refused(
        "report with Bob's sealed",
        &got,
        StatusCode::NOT_FOUND,
        "not_found",
        Some("screenshots"),
    );
    assert!(freeze_of(&alice).await.is_null());
    assert_eq!(
        count_for(
            &app,
            "SELECT COUNT(*) FROM fraud_reports WHERE account_id = $1",
            &alice.id
        )
        .await,
        0
    );
    assert_eq!(
        count_for(
            &app,
            "SELECT COUNT(*) FROM wallet_freezes WHERE account_id = $1",
            &alice.id
        )
        .await,
        0
    );

    // Named in a dispute: refused, no dispute made.
    let got = dispute(&alice, &alice_tx[1], &[id(&bobs_waiting)]).await;
    assert_refused(
        "dispute with Bob's",
        &got,
        StatusCode::NOT_FOUND,
        "not_found",
        Some("screenshots"),
    );
    assert_eq!(
        count_for(
            &app,
            "SELECT COUNT(*) FROM disputes WHERE account_id = $1",
            &alice.id
        )
        .await,
        0
    );

    // Named in an addition to Alice's own report: refused, the chain unchanged.
    let (status, alices_report) = report(&alice, &alice_tx[..1], &[]).await;
    assert_eq!(status, StatusCode::CREATED, "{alices_report}");
    let a_id = id(&alices_report);
    let got = alice
        .post(
            &format!("/api/fraud-reports/{a_id}/evidence"),
            json!({"screenshots": [id(&bobs_waiting)], "note": "mine"}),
        )
        .await;
    assert_refused(
        "addition with Bob's",
        &got,
        StatusCode::NOT_FOUND,
        "not_found",
        Some("screenshots"),
    );
    let (_, now) = alice.get(&format!("/api/fraud-reports/{a_id}")).await;
    assert_eq!(now, alices_report, "Alice's report unchanged");

    // Bob's screenshot is still waiting for Bob.
    assert_eq!(waiting(&app, &bob).await, 1);

    // Bob's report does not exist for Alice.
    let b_id = id(&bobs_report);
    let got = alice.get(&format!("/api/fraud-reports/{b_id}")).await;
    assert_refused(
        "get Bob's report",
        &got,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    );
    let got = alice
        .post(
            &format!("/api/fraud-reports/{b_id}/evidence"),
            json!({"note": "planted"}),
        )
        .await;
    assert_refused(
        "add to Bob's report",
        &got,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    );
    let (status, _, bundle) = fetch(
        &alice.client,
        alice.url(&format!("/api/fraud-reports/{b_id}/bundle.zip")),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!contains(&bundle, b"PK"), "no ZIP bytes");
    let (_, list) = alice.get("/api/fraud-reports").await;
    assert_eq!(ids(&list), [a_id]);
    let (_, bobs_now) = bob.get(&format!("/api/fraud-reports/{b_id}")).await;
    assert_eq!(bobs_now, bobs_report, "Bob's report unchanged");
}

async fn nobody_signed_in_gets_401_everywhere(app: TestApp) {
    let c = app.customer("owner", "en").await;
    let t = payments(&app, &c, 1).await;
    let shot = upload(&c, "s.png", png(16, 16, 30)).await;
    let sealed = upload(&c, "sealed.png", png(16, 16, 31)).await;
    let (_, r) = report(&c, &t, &[id(&sealed)]).await;
    let (s, r_id) = (id(&shot), id(&r));
    let before = stored(&app).await;

    let nobody = app.new_client();
    let url = |p: &str| app.url(p);
    let requests = vec![
        (
            "upload",
            nobody
                .post(url("/api/evidence?name=a.png"))
                .body(png(16, 16, 32)),
        ),
        (
            "get screenshot",
            nobody.get(url(&format!("/api/evidence/{s}"))),
        ),
        (
            "delete screenshot",
            nobody.delete(url(&format!("/api/evidence/{s}"))),
        ),
        (
            "create report",
            nobody
                .post(url("/api/fraud-reports"))
                .json(&json!({"transaction_ids": t, "description": "x", "screenshots": [s]})),
        ),
        ("list reports", nobody.get(url("/api/fraud-reports"))),
        (
            "get report",
            nobody.get(url(&format!("/api/fraud-reports/{r_id}"))),
        ),
        (
            "add evidence",
            nobody
                .post(url(&format!("/api/fraud-reports/{r_id}/evidence")))
                .json(&json!({"screenshots": [s]})),
        ),
        (
            "bundle",
            nobody.get(url(&format!("/api/fraud-reports/{r_id}/bundle.zip"))),
        ),
        (
            "dispute",
            nobody
                .post(url(&format!("/api/transactions/{}/disputes", t[0])))
                .json(&json!({"reason": "not_recognised", "details": "x", "screenshots": [s]})),
        ),
    ];
    for (what, request) in requests {
        let got = read(request.send().await.unwrap()).await;
        assert_refused(what, &got, StatusCode::UNAUTHORIZED, "not_signed_in", None);
    }
    assert_eq!(stored(&app).await, before);
    assert_eq!(waiting(&app, &c).await, 1);
    let (_, now) = c.get(&format!("/api/fraud-reports/{r_id}")).await;
    assert_eq!(now, r);
}

async fn unknown_and_junk_ids_answer_404_never_500(app: TestApp) {
    let c = app.customer("junk", "en").await;
    let t = payments(&app, &c, 2).await;
    let (status, r) = report(&c, &t[..1], &[]).await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    let r_id = id(&r);
    let junk = [
        "0123456789abcdef0123456789abcdef".to_owned(),
        "F-0000-0000-0000".to_owned(),
        "\0".to_owned(),
        "abc\0def".to_owned(),
        "a".repeat(1_000),
        "🙂".to_owned(),
        "' OR '1'='1".to_owned(),
        "1; DROP TABLE uploads;--".to_owned(),
        "../../etc/passwd".to_owned(),
        "%".to_owned(),
        " ".to_owned(),
    ];
    for j in &junk {
        let seg = segment(j);
        let shown: String = j.chars().take(20).collect();
        let (status, _, body) = fetch(&c.client, c.url(&format!("/api/evidence/{seg}"))).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "GET screenshot {shown:?}");
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(error_code(&body), "not_found");
        let got = delete(&c, &format!("/api/evidence/{seg}")).await;
        assert_refused(
            &format!("DELETE {shown:?}"),
            &got,
            StatusCode::NOT_FOUND,
            "not_found",
            None,
        );
        let got = c.get(&format!("/api/fraud-reports/{seg}")).await;
        assert_refused(
            &format!("GET report {shown:?}"),
            &got,
            StatusCode::NOT_FOUND,
            "not_found",
            None,
        );
        let got = c
            .post(
                &format!("/api/fraud-reports/{seg}/evidence"),
                json!({"note": "more"}),
            )
            .await;
        assert_refused(
            &format!("add to {shown:?}"),
            &got,
            StatusCode::NOT_FOUND,
            "not_found",
            None,
        );
        let (status, _, _) = fetch(
            &c.client,
            c.url(&format!("/api/fraud-reports/{seg}/bundle.zip")),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "bundle {shown:?}");

        // As a screenshot id.
        let got = report(&c, &t[1..], std::slice::from_ref(j)).await;
        assert_refused(
            &format!("report naming {shown:?}"),
            &got,
            StatusCode::NOT_FOUND,
            "not_found",
            Some("screenshots"),
        );
        let got = c
            .post(
                &format!("/api/fraud-reports/{r_id}/evidence"),
                json!({"screenshots": [j]}),
            )
            .await;
        assert_refused(
            &format!("addition naming {shown:?}"),
            &got,
            StatusCode::NOT_FOUND,
            "not_found",
            Some("screenshots"),
        );
        let got = dispute(&c, &t[1], std::slice::from_ref(j)).await;
        assert_refused(
            &format!("dispute naming {shown:?}"),
            &got,
            StatusCode::NOT_FOUND,
            "not_found",
            Some("screenshots"),
        );
    }
    // Bytes that are not UTF-8 in the path: a clean client error, never a 500.
    for path in [
        "/api/evidence/%FF%FE",
        "/api/fraud-reports/%C3%28",
        "/api/fraud-reports/%FF/bundle.zip",
    ] {
        let (status, _, _) = fetch(&c.client, c.url(path)).await;
        assert!(
            status == StatusCode::NOT_FOUND || status == StatusCode::BAD_REQUEST,
            "{path}: {status}"
        );
    }
    assert_eq!(
        count_for(
            &app,
            "SELECT COUNT(*) FROM fraud_reports WHERE account_id = $1",
            &c.id
        )
        .await,
        1
    );
    assert_eq!(
        count_for(
            &app,
            "SELECT COUNT(*) FROM disputes WHERE account_id = $1",
            &c.id
        )
        .await,
        0
    );
    let (_, now) = c.get(&format!("/api/fraud-reports/{r_id}")).await;
    assert_eq!(now, r);
}

// -- 5. disputes -----------------------------------------------------------------------------

async fn dispute_attachments_are_listed_in_order_and_sealed(app: TestApp) {
    let c = app.customer("dispute-shots", "en").await;
    let t = payments(&app, &c, 3).await;
    let first = upload(&c, "first.png", png(16, 16, 40)).await;
    let second = upload(&c, "second.jpg", jpeg(24, 16, 41)).await;
    // Named in the opposite order to the one they were uploaded in: the order given is kept.
    let given = vec![id(&second), id(&first)];
    let (status, d) = dispute(&c, &t[0], &given).await;
    assert_eq!(status, StatusCode::CREATED, "{d}");
    let mut listed = ids(&d["screenshots"]);
    listed.sort();
    let mut both = given.clone();
    both.sort();
    assert_eq!(listed, both, "both attached");
    let first_listed = d["screenshots"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id(&second));
    assert_eq!(first_listed, Some(&second), "listed as uploaded");
    let d_id = id(&d);
    let (_, again) = c.get(&format!("/api/disputes/{d_id}")).await;
    assert_eq!(again["screenshots"], d["screenshots"]);
    assert_eq!(waiting(&app, &c).await, 0);

    for shot in &given {
        let path = format!("/api/evidence/{shot}");
        let (status, _, _) = fetch(&c.client, c.url(&path)).await;
        assert_eq!(status, StatusCode::OK);
        let got = delete(&c, &path).await;
        assert_refused(
            "delete a dispute's",
            &got,
            StatusCode::CONFLICT,
            "evidence_sealed",
            None,
        );
        let (status, _, _) = fetch(&c.client, c.url(&path)).await;
        assert_eq!(status, StatusCode::OK);
    }

    // Attached already: refused for another dispute and for a report; nothing made.
    let got = dispute(&c, &t[1], &[id(&first)]).await;
    assert_refused(
        "attach twice",
        &got,
        StatusCode::NOT_FOUND,
        "not_found",
        Some("screenshots"),
    );
    let third = upload(&c, "third.png", png(16, 16, 42)).await;
    let got = dispute(&c, &t[1], &[id(&third), id(&third)]).await;
    assert_refused(
        "named twice",
        &got,
        StatusCode::NOT_FOUND,
        "not_found",
        Some("screenshots"),
    );
    assert_eq!(
        waiting(&app, &c).await,
        1,
        "the refused dispute attached nothing"
    );
    let got = report(&c, &t[1..2], &[id(&second)]).await;
    assert_refused(
        "report with a dispute's",
        &got,
        StatusCode::NOT_FOUND,
        "not_found",
        Some("screenshots"),
    );
    assert!(freeze_of(&c).await.is_null());
    assert_eq!(
        count_for(
            &app,
            "SELECT COUNT(*) FROM disputes WHERE account_id = $1",
            &c.id
        )
        .await,
        1
    );

    // More than ten at once.
    let mut eleven: Vec<String> = Vec::new();
    for i in 0..9 {
        eleven.push(id(
            &upload(&c, &format!("{i}.png"), png(12, 12, 500 + i)).await
        ));
    }
    eleven.push(id(&third));
    eleven.push(id(&first));
    assert_eq!(eleven.len(), 11);
    let got = dispute(&c, &t[2], &eleven).await;
    assert_refused(
        "eleven",
        &got,
        StatusCode::UNPROCESSABLE_ENTITY,
        "too_many_files",
        Some("screenshots"),
    );
    assert_eq!(waiting(&app, &c).await, 10);
    assert_eq!(
        count_for(
            &app,
            "SELECT COUNT(*) FROM disputes WHERE account_id = $1",
            &c.id
        )
        .await,
        1
    );
    // Ten is fine.
    let (status, d) = dispute(&c, &t[2], &eleven[..10]).await;
    assert_eq!(status, StatusCode::CREATED, "{d}");
    assert_eq!(
        ids(&d["screenshots"]),
        eleven[..10],
        "ten listed in the order given"
    );

    // The first dispute lists its two in the order the customer gave them (second, first),
    // not the order they were uploaded in.
    let (_, again) = c.get(&format!("/api/disputes/{d_id}")).await;
    assert_eq!(
        ids(&again["screenshots"]),
        given,
        "listed in the order given"
    );
}

async fn report_screenshots_keep_the_order_given_in_the_bundle_too(app: TestApp) {
    let c = app.customer("report-order", "en").await;
    let t = payments(&app, &c, 1).await;
    let a = upload(&c, "a.png", png(16, 16, 50)).await;
    let b = upload(&c, "b.png", png(16, 16, 51)).await;
    let given = vec![id(&b), id(&a)];
    let (status, r) = report(&c, &t, &given).await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    assert_eq!(
        r["timeline"][0]["screenshots"],
        json!(given),
        "the sealed order"
    );

    // The bundle's screenshot files are the ones the manifest names, under the names it gives.
    let (status, _, zip) = fetch(&c.client, c.url(r["bundle_url"].as_str().unwrap())).await;
    assert_eq!(status, StatusCode::OK);
    let entries = zip_entries(&zip);
    let manifest = &entries
        .iter()
        .find(|(n, _)| n == "manifest.json")
        .unwrap()
        .1;
    assert_eq!(sha256_hex(manifest), r["manifest_sha256"]);
    let manifest: Value = serde_json::from_slice(manifest).unwrap();
    for sealed in manifest["screenshots"].as_array().unwrap() {
        let path = sealed["file"]["path"].as_str().unwrap();
        let (_, bytes) = entries
            .iter()
            .find(|(n, _)| n == path)
            .unwrap_or_else(|| panic!("the bundle has no {path}"));
        assert_eq!(
            sha256_hex(bytes),
            sealed["file"]["sha256"],
            "{path} is not the file sealed under that name"
        );
    }
}

// -- 6. concurrency --------------------------------------------------------------------------

/// Twelve different screenshots sent at once, as a script (not the page, which sends two at a
/// time) might; the server lets two of a customer's in at once and refuses the rest
/// (`too_many_uploads_at_once`). With `slow_database`, the store is held busy (a write lock on
/// SQLite, a lock on `uploads` that lets readers through on PostgreSQL) for 1.5 s while they
/// arrive, as a loaded database would be, so the two let in reach their transactions before
/// either commits. Answers how many were taken.
async fn twelve_at_once(
    app: &TestApp,
    c: &std::sync::Arc<Customer>,
    seed: u32,
    slow_database: bool,
) -> usize {
    let mut held = None;
    if slow_database {
        let mut conn = app.state.db.pool.acquire().await.unwrap();
        let statements: &[&str] = match app.state.db.backend {
            portal_server::db::Backend::Sqlite => &["BEGIN IMMEDIATE"],
            portal_server::db::Backend::Postgres => &["BEGIN", "LOCK TABLE uploads IN SHARE MODE"],
        };
        for sql in statements {
            sqlx::query(sql).execute(&mut *conn).await.unwrap();
        }
        held = Some(conn);
    }
    let tasks: Vec<_> = (0..12)
        .map(|i| {
            let c = c.clone();
            let bytes = png(24, 24, seed + i);
            tokio::spawn(async move {
                upload_raw(&c, Some(&format!("race-{i}.png")), "image/png", bytes).await
            })
        })
        .collect();
    if let Some(mut conn) = held {
        tokio::time::sleep(Duration::from_millis(1_500)).await;
        sqlx::query("COMMIT").execute(&mut *conn).await.unwrap();
    }
    let mut created = 0;
    for task in tasks {
        let (status, body) = task.await.unwrap();
        match status {
            StatusCode::CREATED => created += 1,
            StatusCode::CONFLICT => assert_eq!(error_code(&body), "too_many_files", "{body}"),
            StatusCode::TOO_MANY_REQUESTS => {
                assert_eq!(error_code(&body), "too_many_uploads_at_once", "{body}")
            }
            other => panic!("{other}: {body}"),
        }
    }
    created
}

async fn twelve_uploads_at_once_leave_exactly_ten_waiting(app: TestApp) {
    let c = app.customer("race", "en").await;
    let mut first = None;
    for i in 0..9 {
        let shot = upload(&c, &format!("{i}.png"), png(12, 12, 600 + i)).await;
        first.get_or_insert(shot);
    }
    let c = std::sync::Arc::new(c);
    let created = twelve_at_once(&app, &c, 700, false).await;
    assert_eq!(created, 1, "exactly one of the twelve fits");
    assert_eq!(waiting(&app, &c).await, 10);

    // Again with the database slow to answer: still exactly one.
    let (status, body) = delete(&c, &format!("/api/evidence/{}", id(&first.unwrap()))).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(waiting(&app, &c).await, 9);
    let created = twelve_at_once(&app, &c, 800, true).await;
    assert_eq!(
        created, 1,
        "exactly one of the twelve fits while the database is slow"
    );
    assert_eq!(waiting(&app, &c).await, 10);

    // Every row names a file the store holds.
    assert_store_consistent(&evidence_dir(&app));
    let (missing,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM uploads u LEFT JOIN evidence_files f ON f.sha256 = u.sha256 WHERE f.sha256 IS NULL",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(missing, 0);
}

// -- 7. malformed requests -------------------------------------------------------------------

async fn malformed_report_requests_are_refused_and_do_not_freeze(app: TestApp) {
    let c = app.customer("malformed", "en").await;
    let t = payments(&app, &c, 1).await;
    let tx = &t[0];
    let shot = id(&upload(&c, "s.png", png(16, 16, 60)).await);
    let before = stored(&app).await;
    let too_many: Vec<String> = (0..101).map(|i| format!("{i:032x}")).collect();
    let eleven: Vec<&str> = vec![shot.as_str(); 11];

    let raw: Vec<(&str, &str, String, StatusCode, &str)> = vec![
        ("not JSON", "application/json", "this is not json".into(), StatusCode::BAD_REQUEST, "invalid_json"),
        ("cut off", "application/json", format!("{{\"transaction_ids\": [\"{tx}\"], \"description\": \"x\""), StatusCode::BAD_REQUEST, "invalid_json"),
        ("null", "application/json", "null".into(), StatusCode::BAD_REQUEST, "invalid_json"),
        ("array", "application/json", format!("[\"{tx}\"]"), StatusCode::BAD_REQUEST, "invalid_json"),
        ("ids as a string", "application/json", json!({"transaction_ids": tx, "description": "x"}).to_string(), StatusCode::BAD_REQUEST, "invalid_json"),
        ("description a number", "application/json", json!({"transaction_ids": [tx], "description": 5}).to_string(), StatusCode::BAD_REQUEST, "invalid_json"),
        ("screenshots a string", "application/json", json!({"transaction_ids": [tx], "description": "x", "screenshots": shot}).to_string(), StatusCode::BAD_REQUEST, "invalid_json"),
        ("screenshots numbers", "application/json", json!({"transaction_ids": [tx], "description": "x", "screenshots": [1, 2]}).to_string(), StatusCode::BAD_REQUEST, "invalid_json"),
        ("no description", "application/json", json!({"transaction_ids": [tx]}).to_string(), StatusCode::BAD_REQUEST, "invalid_json"),
        ("unknown field", "application/json", json!({"transaction_ids": [tx], "description": "x", "freeze": false}).to_string(), StatusCode::BAD_REQUEST, "invalid_json"),
        ("not JSON content type", "text/plain", json!({"transaction_ids": [tx], "description": "x"}).to_string(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
        ("over the JSON limit", "application/json", json!({"transaction_ids": [tx], "description": "x".repeat(20_000)}).to_string(), StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
        ("empty description", "application/json", json!({"transaction_ids": [tx], "description": " \n "}).to_string(), StatusCode::UNPROCESSABLE_ENTITY, "details_required"),
        ("NUL in description", "application/json", json!({"transaction_ids": [tx], "description": "a\u{0}b"}).to_string(), StatusCode::UNPROCESSABLE_ENTITY, "details_invalid"),
        ("description too long", "application/json", json!({"transaction_ids": [tx], "description": "x".repeat(8_001)}).to_string(), StatusCode::UNPROCESSABLE_ENTITY, "details_too_long"),
        ("no transactions", "application/json", json!({"transaction_ids": [], "description": "x"}).to_string(), StatusCode::UNPROCESSABLE_ENTITY, "transactions_required"),
        ("101 transactions", "application/json", json!({"transaction_ids": too_many, "description": "x"}).to_string(), StatusCode::UNPROCESSABLE_ENTITY, "filter_invalid"),
        ("unknown transaction", "application/json", json!({"transaction_ids": [format!("{:032x}", 7)], "description": "x", "screenshots": [shot]}).to_string(), StatusCode::NOT_FOUND, "not_found"),
        ("eleven screenshots", "application/json", json!({"transaction_ids": [tx], "description": "x", "screenshots": eleven}).to_string(), StatusCode::UNPROCESSABLE_ENTITY, "too_many_files"),
    ];
    for (what, content_type, body, want, code) in raw {
        let got = c.post_raw("/api/fraud-reports", content_type, body).await;
        assert_refused(what, &got, want, code, None);
        assert!(freeze_of(&c).await.is_null(), "{what} froze the wallet");
    }
    let got = c
        .post(
            "/api/fraud-reports?freeze=0",
            json!({"transaction_ids": [tx], "description": "x"}),
        )
        .await;
    assert_refused(
        "query parameter",
        &got,
        StatusCode::BAD_REQUEST,
        "filter_invalid",
        None,
    );

    assert!(freeze_of(&c).await.is_null());
    for table in ["fraud_reports", "wallet_freezes"] {
        let n = count_for(
            &app,
            &format!("SELECT COUNT(*) FROM {table} WHERE account_id = $1"),
            &c.id,
        )
        .await;
        assert_eq!(n, 0, "{table}");
    }
    assert_eq!(app.scalar("SELECT COUNT(*) FROM evidence_entries").await, 0);
    assert_eq!(
        stored(&app).await,
        before,
        "no snapshot or screenshot stored"
    );
    assert_eq!(
        waiting(&app, &c).await,
        1,
        "the screenshot is still waiting"
    );
    // Money can still leave: a payment code is issued.
    let (status, code) = c.post("/api/payment-codes", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{code}");

    // And a good request still works.
    let (status, r) = report(&c, &t, &[shot]).await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    assert_eq!(freeze_of(&c).await["report_id"], r["id"]);
}

async fn malformed_additions_are_refused_and_change_nothing(app: TestApp) {
    let c = app.customer("malformed-add", "en").await;
    let t = payments(&app, &c, 1).await;
    let (status, r) = report(&c, &t, &[]).await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    let path = format!("/api/fraud-reports/{}/evidence", id(&r));
    let shot = id(&upload(&c, "s.png", png(16, 16, 61)).await);
    let before = stored(&app).await;
    let eleven: Vec<&str> = vec![shot.as_str(); 11];

    let raw: Vec<(&str, &str, String, StatusCode, &str)> = vec![
        (
            "not JSON",
            "application/json",
            "{note:".into(),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            "note a number",
            "application/json",
            json!({"note": 5}).to_string(),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            "screenshots an object",
            "application/json",
            json!({"screenshots": {"a": shot}}).to_string(),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            "unknown field",
            "application/json",
            json!({"note": "x", "status": "refunded"}).to_string(),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            "not JSON content type",
            "text/plain",
            json!({"note": "x"}).to_string(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            "nothing",
            "application/json",
            "{}".into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "evidence_required",
        ),
        (
            "empty note",
            "application/json",
            json!({"note": "  "}).to_string(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "details_required",
        ),
        (
            "NUL in note",
            "application/json",
            json!({"note": "\u{0}"}).to_string(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "details_invalid",
        ),
        (
            "note too long",
            "application/json",
            json!({"note": "x".repeat(8_001)}).to_string(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "details_too_long",
        ),
        (
            "eleven screenshots",
            "application/json",
            json!({"screenshots": eleven}).to_string(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "too_many_files",
        ),
    ];
    for (what, content_type, body, want, code) in raw {
        let got = c.post_raw(&path, content_type, body).await;
        assert_refused(what, &got, want, code, None);
    }
    let (_, now) = c.get(&format!("/api/fraud-reports/{}", id(&r))).await;
    assert_eq!(now, r, "the report is unchanged");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM evidence_entries").await, 1);
    assert_eq!(stored(&app).await, before);
    assert_eq!(waiting(&app, &c).await, 1);

    // A good addition still works, exactly as sent.
    let note = "Also this.\r\n🙂 <b>'; --";
    let (status, added) = c
        .post(&path, json!({"screenshots": [shot], "note": note}))
        .await;
    assert_eq!(status, StatusCode::OK, "{added}");
    assert_eq!(added["timeline"][1]["note"], note);
    assert_eq!(ids(&added["screenshots"]), [shot]);
}

// -- 8. who may upload, and how many at once ------------------------------------------------------

async fn an_account_without_a_verified_email_cannot_upload(app: TestApp) {
    let email = common::unique_email("unverified-upload");
    let (status, _) = app.register(&email, common::STRONG_PASSWORD).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    app.sign_in_new_browser(&app.client, &email, common::STRONG_PASSWORD)
        .await;
    let before = stored(&app).await;
    let send = || async {
        read(
            app.client
                .post(app.url("/api/evidence?name=mine.png"))
                .body(png(16, 16, 900))
                .send()
                .await
                .unwrap(),
        )
        .await
    };
    assert_refused(
        "unverified",
        &send().await,
        StatusCode::FORBIDDEN,
        "email_not_verified",
        None,
    );
    assert_eq!(
        stored(&app).await,
        before,
        "a refused upload stored something"
    );

    // Verified (the link in the mail), the same session may upload.
    let token = app.mailbox.verification_token(&email).await;
    let (status, body) = app.post("/api/verify-email", json!({"token": token})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = send().await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

/// Uploads `bytes` until the server takes it, for a little while: a place given back when an
/// upload ends is free only once the server has noticed the end.
async fn upload_once_a_place_is_free(c: &Customer, name: &str, bytes: Vec<u8>) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (status, body) = upload_raw(c, Some(name), "image/png", bytes.clone()).await;
        if status == StatusCode::CREATED {
            return body;
        }
        assert_eq!(error_code(&body), "too_many_uploads_at_once", "{body}");
        assert!(
            tokio::time::Instant::now() < deadline,
            "no place came free: {body}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn a_customers_third_upload_at_once_is_refused_until_one_ends(app: TestApp) {
    let c = app.customer("at-once", "en").await;
    let cookie = c.cookie_header();
    let start = png(40, 40, 910);
    let first = upload_left_open(
        &app.base,
        &app.state.db,
        &c.id,
        &cookie,
        100_000,
        &start[..100],
        1,
    )
    .await;
    let second = upload_left_open(
        &app.base,
        &app.state.db,
        &c.id,
        &cookie,
        100_000,
        &start[..100],
        2,
    )
    .await;
    let before = stored(&app).await;

    let got = upload_raw(&c, Some("third.png"), "image/png", png(16, 16, 911)).await;
    assert_refused(
        "third at once",
        &got,
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_uploads_at_once",
        Some("file"),
    );
    assert_eq!(
        stored(&app).await,
        before,
        "the refused upload stored something"
    );
    assert_eq!(
        uploads_counted(&app.state.db, &c.id).await,
        2,
        "a refusal for being busy counts against the window"
    );

    // Another customer is not held up by this one.
    let other = app.customer("at-once-other", "en").await;
    upload(&other, "other.png", png(16, 16, 912)).await;

    // One ends (cut off: 400), and there is room for one more, not two.
    let r = answer(first, true).await;
    assert_eq!(r.status, 400, "{}", r.json());
    let third = upload_once_a_place_is_free(&c, "third.png", png(16, 16, 911)).await;
    assert_eq!(third["name"], "third.png");
    let third_open = upload_left_open(
        &app.base,
        &app.state.db,
        &c.id,
        &cookie,
        100_000,
        &start[..100],
        4,
    )
    .await;
    let got = upload_raw(&c, Some("fourth.png"), "image/png", png(16, 16, 913)).await;
    assert_refused(
        "fourth at once",
        &got,
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_uploads_at_once",
        Some("file"),
    );
    drop((second, third_open));
    upload_once_a_place_is_free(&c, "fourth.png", png(16, 16, 913)).await;
    assert_eq!(waiting(&app, &c).await, 2);
}

/// The cap over all customers (`PORTAL_UPLOADS_AT_ONCE`), set low here.
async fn the_server_takes_only_so_many_uploads_at_once(backend: common::Backend) {
    let Some(app) = TestApp::spawn_with(backend, &[("PORTAL_UPLOADS_AT_ONCE", "3")]).await else {
        eprintln!("skipped: PORTAL_TEST_DATABASE_URL is not set");
        return;
    };
    let a = app.customer("all-a", "en").await;
    let b = app.customer("all-b", "en").await;
    let c = app.customer("all-c", "en").await;
    let cookie_a = a.cookie_header();
    let cookie_b = b.cookie_header();
    let start = png(40, 40, 920);
    let a1 = upload_left_open(
        &app.base,
        &app.state.db,
        &a.id,
        &cookie_a,
        100_000,
        &start[..100],
        1,
    )
    .await;
    let _a2 = upload_left_open(
        &app.base,
        &app.state.db,
        &a.id,
        &cookie_a,
        100_000,
        &start[..100],
        2,
    )
    .await;
    let _b1 = upload_left_open(
        &app.base,
        &app.state.db,
        &b.id,
        &cookie_b,
        100_000,
        &start[..100],
        1,
    )
    .await;
    let before = stored(&app).await;
    for (who, customer) in [("b's second", &b), ("c's first", &c)] {
        let r = customer
            .client
            .post(customer.url("/api/evidence?name=late.png"))
            .body(png(16, 16, 921))
            .send()
            .await
            .unwrap();
        assert!(
            r.headers().contains_key("retry-after"),
            "{who}: no Retry-After"
        );
        assert_refused(
            who,
            &read(r).await,
            StatusCode::SERVICE_UNAVAILABLE,
            "service_unavailable",
            None,
        );
    }
    assert_eq!(
        stored(&app).await,
        before,
        "a refused upload stored something"
    );
    assert_eq!(uploads_counted(&app.state.db, &c.id).await, 0);

    // One ends, and the next customer's upload is taken.
    drop(a1);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (status, body) = upload_raw(&c, Some("late.png"), "image/png", png(16, 16, 921)).await;
        if status == StatusCode::CREATED {
            break;
        }
        assert_eq!(error_code(&body), "service_unavailable", "{body}");
        assert!(tokio::time::Instant::now() < deadline, "no place came free");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

mod over_all_customers {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::the_server_takes_only_so_many_uploads_at_once(crate::common::Backend::Sqlite).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::the_server_takes_only_so_many_uploads_at_once(crate::common::Backend::Postgres).await
    }
}

// -- 9. the sweep of unattached uploads -----------------------------------------------------------

/// Makes uploads `ids` look `secs` older than they are.
async fn age(app: &TestApp, ids: &[&str], secs: i64) {
    for id in ids {
        sqlx::query("UPDATE uploads SET created_at = created_at - $1 WHERE id = $2")
            .bind(secs)
            .bind(*id)
            .execute(&app.state.db.pool)
            .await
            .unwrap();
    }
}

async fn upload_row_exists(app: &TestApp, id: &str) -> bool {
    count_for(app, "SELECT COUNT(*) FROM uploads WHERE id = $1", id).await == 1
}

fn stored_path(app: &TestApp, sha256: &str) -> PathBuf {
    evidence_dir(app).join(&sha256[..2]).join(&sha256[2..])
}

async fn unattached_uploads_go_after_a_day_and_files_still_named_stay(app: TestApp) {
    const DAY: i64 = portal_server::evidence::uploads::PENDING_SECS;
    let a = app.customer("sweep-a", "en").await;
    let b = app.customer("sweep-b", "en").await;
    let c = app.customer("sweep-c", "en").await;
    let (p, q, r) = (png(20, 20, 930), png(20, 20, 931), png(20, 20, 932));

    // a's copy of P is attached to a dispute; b's copy of P is not.
    let a_p = upload(&a, "p.png", p.clone()).await;
    let tx = payments(&app, &a, 1).await;
    let (status, body) = dispute(&a, &tx[0], &[id(&a_p)]).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let b_p = upload(&b, "p.png", p.clone()).await;
    // Q only b has, unattached.
    let b_q = upload(&b, "q.png", q.clone()).await;
    // R: b's copy is a minute short of a day old, c's a day and a minute.
    let b_r = upload(&b, "r.png", r.clone()).await;
    let c_r = upload(&c, "r.png", r.clone()).await;
    assert_eq!(a_p["sha256"], b_p["sha256"], "the same bytes are one file");
    assert_eq!(b_r["sha256"], c_r["sha256"]);
    let sha = |v: &Value| v["sha256"].as_str().unwrap().to_owned();
    let (sha_p, sha_q, sha_r) = (sha(&a_p), sha(&b_q), sha(&b_r));

    age(
        &app,
        &[&id(&a_p), &id(&b_p), &id(&b_q), &id(&c_r)],
        DAY + 60,
    )
    .await;
    age(&app, &[&id(&b_r)], DAY - 60).await;
    portal_server::evidence::uploads::sweep_unattached(
        &app.state.db,
        &app.state.evidence,
        portal_server::clock::now(),
    )
    .await
    .unwrap();

    assert!(
        upload_row_exists(&app, &id(&a_p)).await,
        "the attached one went"
    );
    assert!(!upload_row_exists(&app, &id(&b_p)).await);
    assert!(!upload_row_exists(&app, &id(&b_q)).await);
    assert!(
        upload_row_exists(&app, &id(&b_r)).await,
        "the young one went"
    );
    assert!(!upload_row_exists(&app, &id(&c_r)).await);
    for (file, kept) in [(&sha_p, true), (&sha_q, false), (&sha_r, true)] {
        assert_eq!(stored_path(&app, file).exists(), kept, "file {file}");
        assert_eq!(
            count_for(
                &app,
                "SELECT COUNT(*) FROM evidence_files WHERE sha256 = $1",
                file
            )
            .await,
            i64::from(kept),
            "catalogue row of {file}"
        );
    }
    assert_store_consistent(&evidence_dir(&app));

    // What stays is served; what went is not found.
    let (status, _, bytes) = fetch(&a.client, a.url(&format!("/api/evidence/{}", id(&a_p)))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(sha256_hex(&bytes), sha_p);
    let (status, _, _) = fetch(&b.client, b.url(&format!("/api/evidence/{}", id(&b_r)))).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = fetch(&b.client, b.url(&format!("/api/evidence/{}", id(&b_q)))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Q uploaded again is stored again, and served.
    let again = upload(&b, "q.png", q).await;
    assert_eq!(sha(&again), sha_q);
    let (status, _, bytes) =
        fetch(&b.client, b.url(&format!("/api/evidence/{}", id(&again)))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(sha256_hex(&bytes), sha_q);
}
