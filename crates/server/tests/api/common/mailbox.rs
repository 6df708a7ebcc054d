//! Reads what the SMTP server received. The sink (tests/support/smtp_sink.py) files each
//! message as it came (`.eml`) and, beside it, as Python's `email` package decoded it
//! (`.json`: recipients, subject, text body): these tests read the JSON, so every test suite
//! reads mail through that one parser and none parses MIME itself.

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
    /// The decoded text/plain body.
    pub body: String,
}

impl Received {
    /// One message as the sink describes it.
    fn from_sink(json: &[u8]) -> Self {
        let mail: serde_json::Value = serde_json::from_slice(json).expect("the sink's JSON");
        let text = |key: &str| {
            mail[key]
                .as_str()
                .unwrap_or_else(|| panic!("no {key} in {mail}"))
                .to_owned()
        };
        Self {
            to: mail["envelope_to"][0]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            subject: text("subject"),
            body: text("text"),
        }
    }
}

impl Mailbox {
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    /// Every message received so far for `to` (its first envelope recipient), oldest first.
    pub fn all_for(&self, to: &str) -> Vec<Received> {
        let mut files: Vec<_> = std::fs::read_dir(&self.dir)
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        // The sink writes `.tmp-<name>` and renames it: a listing taken mid-rename could see
        // one message twice, or half of it.
        files.retain(|p| {
            p.extension().is_some_and(|e| e == "json")
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        });
        files.sort();
        files
            .iter()
            .filter_map(|p| std::fs::read(p).ok())
            .map(|json| Received::from_sink(&json))
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

    /// The device-code mails `to` has received so far, oldest first.
    pub fn device_code_mails(&self, to: &str) -> Vec<Received> {
        let mut mails = self.all_for(to);
        mails.retain(|m| device_code_in(&m.body).is_some());
        mails
    }

    /// Waits (up to 10 s) until `to` has received `n` device-code mails; the `n`th one's code
    /// and "This was not me" token.
    pub async fn device_code(&self, to: &str, n: usize) -> (String, String) {
        for _ in 0..200 {
            if let Some(mail) = self.device_code_mails(to).get(n - 1) {
                return (
                    device_code_in(&mail.body).unwrap(),
                    link_token(&mail.body, "/sign-in/not-me")
                        .unwrap_or_else(|| panic!("no not-me link in {mail:?}")),
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{to} did not receive device-code mail number {n}");
    }

    /// The token of the latest verification link mailed to `to`, waiting (up to 10 s) for one.
    pub async fn verification_token(&self, to: &str) -> String {
        for _ in 0..200 {
            if let Some(token) = self
                .all_for(to)
                .iter()
                .rev()
                .find_map(|m| token_in(&m.body))
            {
                return token;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no verification link in {:?}", self.all_for(to));
    }
}

/// The six-digit code on a line of its own in a device-code mail.
pub fn device_code_in(body: &str) -> Option<String> {
    body.lines()
        .map(str::trim)
        .find(|l| l.len() == 6 && l.bytes().all(|b| b.is_ascii_digit()))
        .map(str::to_owned)
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
