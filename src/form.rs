//! What a form shows when something is wrong, kept as data (not text) so that switching language
//! re-translates messages already on screen.

use portal_api::dto::Locale;
use portal_api::error::{ErrorCode, FieldError};

use crate::api::ApiError;
use crate::i18n::{error_text, fill, Msg, Text};
use crate::locale::format_count;

#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    Code(ErrorCode),
    Msg(Msg),
    /// A message of another area's catalogue (which this module must not name, or its words
    /// would join every bundle).
    Other(OtherText),
    /// Found this many times in the breach corpus.
    Breached(u64),
    TooManyAttempts {
        retry_after_secs: Option<u64>,
    },
}

impl Problem {
    pub fn text(&self, locale: Locale) -> String {
        match self {
            Problem::Code(code) => error_text(*code, locale),
            Problem::Msg(msg) => msg.text(locale).to_owned(),
            Problem::Other(OtherText(msg)) => msg.words(locale).to_owned(),
            Problem::Breached(1) => Msg::BreachedOnce.text(locale).to_owned(),
            Problem::Breached(count) => fill(
                Msg::BreachedCount.text(locale),
                &[("count", &format_count(*count, locale))],
            ),
            Problem::TooManyAttempts { retry_after_secs } => {
                let mut text = error_text(ErrorCode::TooManyAttempts, locale);
                if let Some(secs) = retry_after_secs {
                    let minutes = secs.div_ceil(60).max(1).to_string();
                    text.push(' ');
                    text.push_str(&fill(
                        Msg::RetryAfterMinutes.text(locale),
                        &[("minutes", &minutes)],
                    ));
                }
                text
            }
        }
    }
}

/// Catalogue text behind a reference; see [`Problem::Other`].
#[derive(Clone, Copy)]
pub struct OtherText(pub &'static dyn Words);

pub trait Words: Sync {
    fn words(&self, locale: Locale) -> &'static str;
}

impl<T: Text> Words for T {
    fn words(&self, locale: Locale) -> &'static str {
        self.text(locale)
    }
}

impl PartialEq for OtherText {
    fn eq(&self, other: &Self) -> bool {
        self.0.words(Locale::En) == other.0.words(Locale::En)
    }
}

impl std::fmt::Debug for OtherText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.words(Locale::En))
    }
}

impl From<FieldError> for Problem {
    fn from(e: FieldError) -> Self {
        Problem::Code(e.code)
    }
}

/// A failed call as (the field it belongs to, if any; what to show).
pub fn from_api(error: &ApiError) -> (Option<String>, Problem) {
    match error {
        ApiError::Network => (None, Problem::Msg(Msg::NetworkError)),
        ApiError::Api {
            detail,
            retry_after_secs,
        } => {
            let problem = match detail.code {
                ErrorCode::TooManyAttempts => Problem::TooManyAttempts {
                    retry_after_secs: *retry_after_secs,
                },
                code => Problem::Code(code),
            };
            (detail.field.clone(), problem)
        }
    }
}
