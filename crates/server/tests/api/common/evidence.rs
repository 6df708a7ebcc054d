//! Evidence fixtures and tools shared by the evidence tests: images made in code (PNG, JPEG,
//! WebP, and the files we refuse), a look into the evidence store on disk, and a raw HTTP/1.1
//! client for bodies that `reqwest` (built without its `stream` feature) cannot send: chunked
//! with no Content-Length, or cut off half-way.
//!
//! The evidence tests use it as `fixtures`.
#![allow(dead_code)]

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use image::{ExtendedColorType, ImageEncoder, Rgb, RgbImage, Rgba, RgbaImage};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A picture that differs with `seed`, so two fixtures are two files in the store.
fn rgba(width: u32, height: u32, seed: u32) -> RgbaImage {
    RgbaImage::from_fn(width, height, |x, y| {
        Rgba([
            (x.wrapping_mul(7).wrapping_add(seed)) as u8,
            (y.wrapping_mul(11) ^ seed) as u8,
            ((x ^ y).wrapping_add(seed.wrapping_mul(31))) as u8,
            255,
        ])
    })
}

pub fn png(width: u32, height: u32, seed: u32) -> Vec<u8> {
    let img = rgba(width, height, seed);
    let mut out = Vec::new();
    PngEncoder::new(&mut out)
        .write_image(img.as_raw(), width, height, ExtendedColorType::Rgba8)
        .unwrap();
    out
}

pub fn jpeg(width: u32, height: u32, seed: u32) -> Vec<u8> {
    let img = RgbImage::from_fn(width, height, |x, y| {
        Rgb([
            (x.wrapping_mul(5).wrapping_add(seed)) as u8,
            (y.wrapping_mul(3) ^ seed) as u8,
            ((x * y) ^ (x + y + seed)) as u8,
        ])
    });
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&img)
        .unwrap();
    out
}

pub fn webp(width: u32, height: u32, seed: u32) -> Vec<u8> {
    let img = rgba(width, height, seed);
    let mut out = Vec::new();
    WebPEncoder::new_lossless(&mut out)
        .write_image(img.as_raw(), width, height, ExtendedColorType::Rgba8)
        .unwrap();
    out
}

/// Noise, which PNG cannot compress: a valid PNG of about `width * height * 3` bytes.
pub fn noise_png(width: u32, height: u32, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    let img = RgbImage::from_fn(width, height, |_, _| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let b = state.to_le_bytes();
        Rgb([b[0], b[1], b[2]])
    });
    let mut out = Vec::new();
    PngEncoder::new(&mut out)
        .write_image(img.as_raw(), width, height, ExtendedColorType::Rgb8)
        .unwrap();
    out
}

pub fn random_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

pub const PNG_SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";

/// One PNG chunk with its CRC (the CRC-32 PNG and ZIP share).
pub fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = (data.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32fast::hash(&out[4..]);
    out.extend_from_slice(&crc.to_be_bytes());
    out
}

/// A well-formed PNG whose header declares `width` × `height` RGBA pixels and whose pixel data
/// is an empty zlib stream: a decompression bomb if anything allocated from the header.
pub fn png_bomb(width: u32, height: u32) -> Vec<u8> {
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    let mut out = PNG_SIGNATURE.to_vec();
    out.extend(png_chunk(b"IHDR", &ihdr));
    out.extend(png_chunk(
        b"IDAT",
        &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    ));
    out.extend(png_chunk(b"IEND", &[]));
    out
}

/// `extra` inserted right after the IHDR chunk (signature and IHDR end at byte 33).
pub fn png_with_after_ihdr(png: &[u8], extra: &[u8]) -> Vec<u8> {
    [&png[..33], extra, &png[33..]].concat()
}

pub fn jpeg_segment(marker: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![0xFF, marker];
    out.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// The location marker the EXIF fixtures carry: it must never come back.
pub const GPS_MARKER: &[u8] = b"GPSLatitude 35.6586 N GPSLongitude 139.7454 E home";

/// `jpeg` with an APP1 Exif segment holding [`GPS_MARKER`] inserted right after SOI.
pub fn jpeg_with_exif(jpeg: &[u8]) -> Vec<u8> {
    let mut exif = b"Exif\0\0MM\0*\0\0\0\x08".to_vec();
    exif.extend_from_slice(GPS_MARKER);
    [&jpeg[..2], &jpeg_segment(0xE1, &exif), &jpeg[2..]].concat()
}

/// A complete 1×1 GIF89a.
pub fn gif() -> Vec<u8> {
    let mut out = b"GIF89a".to_vec();
    out.extend_from_slice(&[1, 0, 1, 0, 0x80, 0, 0]); // screen 1×1, 2-colour table
    out.extend_from_slice(&[0, 0, 0, 255, 255, 255]);
    out.extend_from_slice(&[0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0]); // image descriptor
    out.extend_from_slice(&[2, 2, 0x44, 0x01, 0]); // LZW data
    out.push(0x3B);
    out
}

pub const SVG_WITH_SCRIPT: &str = "<?xml version=\"1.0\"?>\n\
    <svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\">\
    <script>fetch('/api/payment-codes',{method:'POST'})</script>\
    <rect width=\"10\" height=\"10\"/></svg>\n";

/// Every file in the evidence store under `root` (recursively), `tmp/` included.
pub fn files_under(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![root.to_owned()];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The SHA-256 a stored file's place names: `ab/cdef…` → `abcdef…`.
pub fn name_of(root: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(root).unwrap();
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect()
}

/// Every stored file (outside `tmp/`) hashes to its own name; answers how many there are.
pub fn assert_store_consistent(root: &Path) -> usize {
    let mut n = 0;
    for file in files_under(root) {
        if file.starts_with(root.join("tmp")) {
            continue;
        }
        let bytes = std::fs::read(&file).unwrap();
        assert_eq!(
            sha256_hex(&bytes),
            name_of(root, &file),
            "{} does not hash to its name",
            file.display()
        );
        n += 1;
    }
    n
}

/// An answer read off the wire.
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    pub head: String,
    pub body: Vec<u8>,
}

impl RawResponse {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|_| {
            serde_json::Value::String(String::from_utf8_lossy(&self.body).into_owned())
        })
    }
}

/// How a raw request's body goes out.
pub enum Framing {
    /// `Content-Length: <n>` (which may promise more than is sent).
    Length(usize),
    /// `Transfer-Encoding: chunked`, no Content-Length, ended with the zero chunk.
    Chunked,
}

/// Sends `POST path` with `headers` and the body in `parts` (a pause after each), reading the
/// answer at the same time, so a server that answers before the body ends is heard. Write
/// errors after an early answer are expected and ignored. `Connection: close` is sent.
pub async fn raw_post(
    addr: &str,
    path: &str,
    headers: &[(&str, String)],
    framing: Framing,
    parts: Vec<Vec<u8>>,
    pause: Duration,
) -> RawResponse {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut rd, mut wr) = stream.into_split();
    let mut head = format!("POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    let chunked = matches!(framing, Framing::Chunked);
    match framing {
        Framing::Length(n) => head.push_str(&format!("Content-Length: {n}\r\n")),
        Framing::Chunked => head.push_str("Transfer-Encoding: chunked\r\n"),
    }
    head.push_str("\r\n");
    let writer = tokio::spawn(async move {
        wr.write_all(head.as_bytes()).await?;
        for part in parts {
            if chunked {
                wr.write_all(format!("{:x}\r\n", part.len()).as_bytes())
                    .await?;
                wr.write_all(&part).await?;
                wr.write_all(b"\r\n").await?;
            } else {
                wr.write_all(&part).await?;
            }
            wr.flush().await?;
            if !pause.is_zero() {
                tokio::time::sleep(pause).await;
            }
        }
        if chunked {
            wr.write_all(b"0\r\n\r\n").await?;
        }
        wr.flush().await?;
        // Keep the write half open: shutting it down could end the request early.
        tokio::time::sleep(Duration::from_secs(60)).await;
        Ok::<_, std::io::Error>(())
    });
    let mut got = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    let read = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            match rd.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
            if let Some(done) = complete(&got) {
                got.truncate(done);
                break;
            }
        }
    })
    .await;
    writer.abort();
    assert!(read.is_ok(), "no answer within 60 s");
    parse_response(&got)
}

/// The length of a complete response in `got`, once it is complete (Content-Length bodies).
fn complete(got: &[u8]) -> Option<usize> {
    let end = got.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = String::from_utf8_lossy(&got[..end]).to_ascii_lowercase();
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))?
        .trim()
        .parse()
        .ok()?;
    (got.len() >= end + len).then_some(end + len)
}

fn parse_response(got: &[u8]) -> RawResponse {
    let end = got
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP answer: {:?}", String::from_utf8_lossy(got)))
        + 4;
    let head = String::from_utf8_lossy(&got[..end]).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line: {head}"));
    RawResponse {
        status,
        head,
        body: got[end..].to_vec(),
    }
}

/// Every entry of a ZIP, in order, as the `zip` crate reads it, so the bundle is checked by a
/// reader that shares nothing with our writer: the archive must be consistent as a whole (each
/// local header agrees with the central directory, no overlaps, nothing unlisted), every entry
/// a plain file whose name extracts inside the target folder, its data as long as the headers
/// say, and its CRC-32 right (the crate checks it as the data is read to its end).
pub fn zip_entries(zip: &[u8]) -> Vec<(String, Vec<u8>)> {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip))
        .unwrap_or_else(|e| panic!("not a ZIP the zip crate reads: {e}"));
    archive
        .validate_header_consistency()
        .unwrap_or_else(|e| panic!("inconsistent ZIP: {e}"));
    (0..archive.len())
        .map(|i| {
            let mut entry = archive
                .by_index(i)
                .unwrap_or_else(|e| panic!("entry {i}: {e}"));
            let name = entry.name().unwrap().into_owned();
            assert!(entry.is_file(), "{name} is not a plain file");
            assert!(
                entry.enclosed_name().is_some(),
                "{name} would extract outside the target folder"
            );
            let mut data = Vec::new();
            entry
                .read_to_end(&mut data)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(data.len() as u64, entry.size(), "{name}: size");
            (name, data)
        })
        .collect()
}

/// Percent-encodes every byte but ASCII letters and digits: any text as one path segment.
pub fn segment(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// How many uploads the customer has started in this throttle window: the server counts one
/// as soon as it lets the upload in.
pub async fn uploads_counted(db: &portal_server::db::Db, customer_id: &str) -> i64 {
    let (n,): (i64,) =
        sqlx::query_as("SELECT COALESCE(MAX(count), 0) FROM throttle_counters WHERE key = $1")
            .bind(format!("upload:{customer_id}"))
            .fetch_one(&db.pool)
            .await
            .unwrap();
    n
}

/// Starts an upload that declares `declared` bytes, sends `sent` of them and waits for the
/// rest; dropping the connection (or shutting its write half) cuts the upload off. Answers once
/// the server at `base` has let it in, i.e. counted the customer's `nth` upload of the window.
pub async fn upload_left_open(
    base: &str,
    db: &portal_server::db::Db,
    customer_id: &str,
    cookie: &str,
    declared: usize,
    sent: &[u8],
    nth: i64,
) -> tokio::net::TcpStream {
    let addr = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /api/evidence?name=open.png HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\n\
         Origin: {base}\r\nContent-Type: image/png\r\nContent-Length: {declared}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(sent).await.unwrap();
    stream.flush().await.unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while uploads_counted(db, customer_id).await < nth {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the server did not let upload {nth} in"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stream
}

/// The answer to an upload left open, once its write half is shut (the body cut off) if `shut`.
pub async fn answer(mut stream: tokio::net::TcpStream, shut: bool) -> RawResponse {
    if shut {
        stream.shutdown().await.unwrap();
    }
    let mut got = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    let read = tokio::time::timeout(Duration::from_secs(30), async {
        while complete(&got).is_none() {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(read.is_ok(), "no answer within 30 s");
    parse_response(&got)
}
