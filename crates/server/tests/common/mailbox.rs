//! Reads what the SMTP server received: one `.eml` file per message, first header
//! `X-Envelope-To`.

use base64::Engine;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Clone)]
pub struct Mailbox {
    dir: PathBuf,
}

#[derive(Debug, Clone)]
pub struct Received {
    pub to: String,
    pub subject: String,
    pub body: String,
}

impl Mailbox {
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    /// Every message received so far for `to`, oldest first.
    pub fn all_for(&self, to: &str) -> Vec<Received> {
        let mut files: Vec<_> = std::fs::read_dir(&self.dir)
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        // The sink writes `.tmp-<name>.eml` and renames it: a listing taken mid-rename could
        // see one message twice, or half of it.
        files.retain(|p| {
            p.extension().is_some_and(|e| e == "eml")
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        });
        files.sort();
        files
            .iter()
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .map(|raw| parse(&raw))
            .filter(|m| m.to.eq_ignore_ascii_case(to))
            .collect()
    }

    /// Waits (up to 10 s) until `to` has received `n` messages.
    pub async fn wait_for(&self, to: &str, n: usize) -> Vec<Received> {
        for _ in 0..200 {
            let all = self.all_for(to);
            if all.len() >= n {
                return all;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "{to} received {} messages, expected {n}",
            self.all_for(to).len()
        );
    }

    pub async fn verification_token(&self, to: &str) -> String {
        let mail = self.wait_for(to, 1).await.pop().unwrap();
        token_in(&mail.body).unwrap_or_else(|| panic!("no verification link in {mail:?}"))
    }
}

pub fn token_in(body: &str) -> Option<String> {
    link_token(body, "/verify-email")
}

/// The token of the first link to `path` (`/reset-password`, `/confirm-email`, ...) in `body`.
pub fn link_token(body: &str, path: &str) -> Option<String> {
    let needle = format!("{path}?token=");
    let start = body.find(&needle)? + needle.len();
    Some(
        body[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect(),
    )
}

fn parse(raw: &str) -> Received {
    let raw = raw.replace("\r\n", "\n");
    let (head, body) = raw.split_once("\n\n").unwrap_or((&raw, ""));
    // Unfold continuation lines before reading headers.
    let head = head.replace("\n ", " ").replace("\n\t", " ");
    let header = |name: &str| {
        head.lines()
            .find_map(|l| {
                l.split_once(':')
                    .filter(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.trim().to_owned())
            })
            .unwrap_or_default()
    };
    let body = match header("Content-Transfer-Encoding")
        .to_ascii_lowercase()
        .as_str()
    {
        "base64" => {
            let compact: String = body.split_whitespace().collect();
            String::from_utf8(
                base64::engine::general_purpose::STANDARD
                    .decode(compact)
                    .unwrap(),
            )
            .unwrap()
        }
        "quoted-printable" => decode_quoted_printable(body),
        _ => body.to_owned(),
    };
    Received {
        to: header("X-Envelope-To"),
        subject: decode_encoded_words(&header("Subject")),
        body,
    }
}

/// RFC 2047: `=?utf-8?b?...?=` and `=?utf-8?q?...?=` words decoded, the space between two
/// adjacent encoded words dropped (it belongs to the encoding, not the text).
fn decode_encoded_words(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    let mut after_word = false;
    while let Some(start) = rest.find("=?") {
        let (before, from) = rest.split_at(start);
        let decoded = from[2..].splitn(3, '?').collect::<Vec<_>>();
        let parsed = (decoded.len() == 3)
            .then(|| {
                let (charset, encoding, tail) = (decoded[0], decoded[1], decoded[2]);
                let end = tail.find("?=")?;
                let text = &tail[..end];
                if !charset.eq_ignore_ascii_case("utf-8") {
                    return None;
                }
                let bytes = match encoding.to_ascii_lowercase().as_str() {
                    "b" => base64::engine::general_purpose::STANDARD
                        .decode(text)
                        .ok()?,
                    "q" => decode_quoted_printable(&text.replace('_', " ")).into_bytes(),
                    _ => return None,
                };
                let consumed = 2 + charset.len() + 1 + encoding.len() + 1 + end + 2;
                Some((String::from_utf8(bytes).ok()?, consumed))
            })
            .flatten();
        match parsed {
            Some((text, consumed)) => {
                if !(after_word && before.trim().is_empty()) {
                    out.push_str(before);
                }
                out.push_str(&text);
                rest = &from[consumed..];
                after_word = true;
            }
            None => {
                out.push_str(before);
                out.push_str("=?");
                rest = &from[2..];
                after_word = false;
            }
        }
    }
    out.push_str(rest);
    out
}

fn decode_quoted_printable(s: &str) -> String {
    let s = s.replace("=\n", "");
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 3 <= bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
