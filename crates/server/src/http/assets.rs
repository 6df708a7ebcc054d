//! The built single-page app, served from memory: history-API fallback to `index.html`,
//! long-lived caching for Trunk's content-hashed files, and brotli or gzip bodies compressed
//! once per file rather than once per request.

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, OnceLock};

pub struct Assets {
    files: HashMap<String, Arc<Asset>>,
    /// Base64 SHA-256 of each inline `<script>` in index.html, for the CSP.
    pub inline_script_hashes: Vec<String>,
}

struct Asset {
    bytes: Vec<u8>,
    mime: &'static str,
    immutable: bool,
    etag: String,
    brotli: OnceLock<Vec<u8>>,
    gzip: OnceLock<Vec<u8>>,
}

impl Assets {
    /// Loads every file under `dir`. A missing directory is not an error: the API still works,
    /// and pages answer 503 saying the app has not been built.
    pub fn load(dir: &Path) -> std::io::Result<Self> {
        let mut files = HashMap::new();
        if dir.is_dir() {
            load_dir(dir, dir, &mut files)?;
        }
        let inline_script_hashes = files
            .get("/index.html")
            .map(|a| inline_script_hashes(&String::from_utf8_lossy(&a.bytes)))
            .unwrap_or_default();
        Ok(Self {
            files,
            inline_script_hashes,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Compresses everything up front, off the request path.
    pub fn warm(self: &Arc<Self>) {
        let assets = Arc::clone(self);
        std::thread::spawn(move || {
            for asset in assets.files.values() {
                if compressible(asset.mime) {
                    asset.brotli();
                    asset.gzip();
                }
            }
        });
    }

    pub fn respond(&self, method: &Method, uri: &Uri, headers: &HeaderMap) -> Response {
        if method != Method::GET && method != Method::HEAD {
            return StatusCode::METHOD_NOT_ALLOWED.into_response();
        }
        let path = uri.path();
        let asset = match self.files.get(path) {
            Some(a) => a,
            // A path without a file extension is a page of the app: the router in the page
            // decides what it shows.
            None if !last_segment(path).contains('.') => match self.files.get("/index.html") {
                Some(index) => index,
                None => {
                    return (
                        StatusCode::SERVICE_UNAVAILABLE,
                        "The app has not been built: run trunk build --release.",
                    )
                        .into_response()
                }
            },
            None => return StatusCode::NOT_FOUND.into_response(),
        };
        asset.respond(method, headers)
    }
}

impl Asset {
    fn brotli(&self) -> &[u8] {
        self.brotli.get_or_init(|| {
            let mut out = Vec::new();
            let params = brotli::enc::BrotliEncoderParams {
                quality: 11,
                lgwin: 22,
                ..Default::default()
            };
            brotli::BrotliCompress(&mut &self.bytes[..], &mut out, &params)
                .expect("in-memory compression");
            out
        })
    }

    fn gzip(&self) -> &[u8] {
        self.gzip.get_or_init(|| {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            enc.write_all(&self.bytes).expect("in-memory compression");
            enc.finish().expect("in-memory compression")
        })
    }

    fn respond(&self, method: &Method, headers: &HeaderMap) -> Response {
        let cache = if self.immutable {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        let mut builder = Response::builder()
            .header(header::CONTENT_TYPE, self.mime)
            .header(header::CACHE_CONTROL, cache)
            .header(header::ETAG, &self.etag)
            .header(header::VARY, "Accept-Encoding");
        if headers
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            == Some(&self.etag)
        {
            return builder
                .status(StatusCode::NOT_MODIFIED)
                .body(Body::empty())
                .expect("valid response");
        }
        let accepts = |enc: &str| {
            headers
                .get(header::ACCEPT_ENCODING)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| {
                    v.split(',')
                        .any(|e| e.split(';').next().unwrap_or("").trim() == enc)
                })
        };
        let body: &[u8] = if compressible(self.mime) && accepts("br") {
            builder = builder.header(header::CONTENT_ENCODING, "br");
            self.brotli()
        } else if compressible(self.mime) && accepts("gzip") {
            builder = builder.header(header::CONTENT_ENCODING, "gzip");
            self.gzip()
        } else {
            &self.bytes
        };
        builder = builder.header(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
        let body = if method == Method::HEAD {
            Body::empty()
        } else {
            Body::from(body.to_vec())
        };
        builder.body(body).expect("valid response")
    }
}

fn load_dir(
    root: &Path,
    dir: &Path,
    files: &mut HashMap<String, Arc<Asset>>,
) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            load_dir(root, &path, files)?;
            continue;
        }
        let rel = path
            .strip_prefix(root)
            .expect("under root")
            .to_string_lossy()
            .replace('\\', "/");
        let bytes = std::fs::read(&path)?;
        let etag = format!("\"{}\"", hex::encode(&Sha256::digest(&bytes)[..16]));
        let name = last_segment(&rel).to_owned();
        files.insert(
            format!("/{rel}"),
            Arc::new(Asset {
                mime: mime_for(&name),
                immutable: is_content_hashed(&name),
                etag,
                bytes,
                brotli: OnceLock::new(),
                gzip: OnceLock::new(),
            }),
        );
    }
    Ok(())
}

fn last_segment(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Trunk names built files `name-<16 hex digits>.ext` (and `..._bg.wasm`): such a name changes
/// whenever the content does, so it may be cached for ever.
fn is_content_hashed(name: &str) -> bool {
    name.split(['-', '_', '.'])
        .any(|part| part.len() >= 16 && part.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn mime_for(name: &str) -> &'static str {
    match name.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "wasm" => "application/wasm",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        "webmanifest" => "application/manifest+json",
        _ => "application/octet-stream",
    }
}

fn compressible(mime: &str) -> bool {
    !mime.starts_with("image/png")
}

/// Finds `<script>` elements without `src` and hashes their exact text, as CSP does.
fn inline_script_hashes(html: &str) -> Vec<String> {
    let mut hashes = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        rest = &rest[start..];
        let Some(tag_end) = rest.find('>') else { break };
        let tag = &rest[..tag_end];
        rest = &rest[tag_end + 1..];
        let Some(close) = rest.find("</script>") else {
            break;
        };
        let body = &rest[..close];
        if !tag.contains("src=") {
            hashes.push(
                base64::engine::general_purpose::STANDARD.encode(Sha256::digest(body.as_bytes())),
            );
        }
        rest = &rest[close..];
    }
    hashes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_inline_scripts_only() {
        let html =
            r#"<script src="/a.js"></script><script type="module">import x from '/x.js';</script>"#;
        let hashes = inline_script_hashes(html);
        assert_eq!(hashes.len(), 1);
        let expected = base64::engine::general_purpose::STANDARD
            .encode(Sha256::digest(b"import x from '/x.js';"));
        assert_eq!(hashes[0], expected);
    }

    #[test]
    fn recognises_trunk_hashed_names() {
        assert!(is_content_hashed("portal-web-5f1c2a9b3e7d4c10_bg.wasm"));
        assert!(is_content_hashed("style-0123456789abcdef.css"));
        assert!(!is_content_hashed("index.html"));
        assert!(!is_content_hashed("favicon.ico"));
    }
}
