//! Request and response bodies of the JSON API.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    pub email: String,
    pub password: String,
    #[serde(default)]
    pub display_name: Option<String>,
    /// The language the page was in; mail to this person uses it. `en` when absent.
    #[serde(default)]
    pub locale: Option<Locale>,
}

/// Registration answers the same whether or not the address already has an account, so the
/// answer cannot be used to find out who is a customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RegisterResponse {
    /// Always `verification_sent`.
    pub status: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct VerifyEmailRequest {
    pub token: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SignInRequest {
    pub email: String,
    pub password: String,
}

/// The signed-in customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Me {
    pub id: String,
    pub email: String,
    pub email_verified: bool,
    /// Absent when the person gave none; never invented.
    pub display_name: Option<String>,
    pub locale: Locale,
    /// Seconds since the Unix epoch.
    pub created_at: i64,
    /// Two-step verification (TOTP) is on.
    pub totp_enabled: bool,
    /// Unused recovery codes left (0 while 2FA is off).
    pub recovery_codes_left: u32,
    /// Until when (seconds since the Unix epoch) this session may change security settings
    /// without another `step_up`; absent when it may not.
    pub step_up_until: Option<i64>,
    /// Until when this session may add a card and top up: its step-up, when it was made with a
    /// second factor (never the password); absent otherwise.
    #[serde(default)]
    pub money_step_up_until: Option<i64>,
    /// An address the customer asked to change to, waiting for its confirmation link.
    pub pending_email: Option<String>,
    /// Agents and admins see the support console (after enrolling two-step verification).
    #[serde(default)]
    pub role: crate::agent::Role,
}

/// The answer to a right password on an account with two-step verification (HTTP 202): no
/// session yet, only a short-lived pending sign-in (its own cookie) that `sign_in_second_factor`
/// finishes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SecondFactorRequired {
    /// Always `second_factor_required`.
    pub status: String,
    /// Seconds since the Unix epoch after which the password must be given again.
    pub expires_at: i64,
}

/// The answer to a right password from a browser that has not proved itself for an account
/// without a second factor (HTTP 202): no session yet; `sign_in_device_code` finishes it with
/// the code mailed to the account's address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DeviceVerificationRequired {
    /// Always `device_verification_required`.
    pub status: String,
    /// Seconds since the Unix epoch after which the code no longer works.
    pub expires_at: i64,
}

/// The token of a link from a mail.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    pub token: String,
}

/// A TOTP code (6 digits) or a recovery code (`XXXXX-XXXXX`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    pub code: String,
}

/// The step-up proof: a TOTP or recovery code while 2FA is on (the password is then refused),
/// the password while it is off.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StepUpRequest {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct StepUpAnswer {
    /// Seconds since the Unix epoch until which this session may make sensitive changes.
    pub valid_until: i64,
    /// Whether this step-up also lets it move money (it was made with a second factor).
    #[serde(default)]
    pub money: bool,
}

/// A new, not yet active TOTP secret. It becomes the account's factor only after
/// `totp_enroll_confirm` with a code made from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TotpEnrollment {
    /// The secret in base32 (RFC 4648, no padding), for typing into an app.
    pub secret: String,
    /// `otpauth://totp/...` with issuer, account name, SHA1, 6 digits, 30 s: what the QR code holds.
    pub otpauth_uri: String,
}

/// Ten one-time recovery codes, shown once: only their hashes are kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RecoveryCodes {
    pub codes: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TotpDisableRequest {
    pub password: String,
    /// A current TOTP code or a recovery code.
    pub code: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EmailChangeRequest {
    pub new_email: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EmailChangeConfirm {
    /// The `token` query parameter of the link mailed to the new address.
    pub token: String,
}

/// Asks for a password-reset link. Only the address is read: the link goes to the verified
/// address on file, and any other field (a destination, a phone number, a birth date) is
/// ignored, never used.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PasswordResetRequest {
    pub email: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasswordResetComplete {
    /// The `token` query parameter of the link in the mail.
    pub token: String,
    pub new_password: String,
    /// A TOTP or recovery code: required when the account has two-step verification.
    #[serde(default)]
    pub code: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasswordChangeRequest {
    pub current_password: String,
    pub new_password: String,
}

/// One signed-in browser or device of the customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SessionInfo {
    /// Names the session for revocation; not the secret in its cookie.
    pub id: String,
    /// Browser family from the user agent, e.g. `Firefox`; absent when unrecognised.
    pub browser: Option<String>,
    /// Operating system from the user agent, e.g. `Android`; absent when unrecognised.
    pub os: Option<String>,
    /// The source address it signed in from.
    pub ip: Option<String>,
    /// Seconds since the Unix epoch.
    pub created_at: i64,
    pub last_seen_at: i64,
    /// The session this request was made with.
    pub current: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RevokedResponse {
    /// How many sessions were ended.
    pub revoked: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct StatusResponse {
    pub status: String,
}

/// The languages the portal speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    #[default]
    En,
    Ja,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::En, Locale::Ja];

    pub fn as_str(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Ja => "ja",
        }
    }

    /// The BCP 47 tag for `Intl` number and date formatting.
    pub fn bcp47(self) -> &'static str {
        match self {
            Locale::En => "en-US",
            Locale::Ja => "ja-JP",
        }
    }

    pub fn from_tag(tag: &str) -> Option<Self> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Locale::En),
            "ja" => Some(Locale::Ja),
            _ => None,
        }
    }

    /// The first supported language in an `Accept-Language` header or `navigator.languages`.
    pub fn negotiate<'a>(tags: impl IntoIterator<Item = &'a str>) -> Self {
        tags.into_iter()
            .filter_map(|t| Self::from_tag(t.split(';').next().unwrap_or("")))
            .next()
            .unwrap_or_default()
    }
}

/// What the strength estimator (zxcvbn) says about a password: the page shows it, the server
/// uses the score. `warning` and `suggestions` are zxcvbn's own keys (enum variant names), which
/// the page translates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StrengthReport {
    pub score: u8,
    pub warning: Option<String>,
    pub suggestions: Vec<String>,
}

/// What the page sends to its strength worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StrengthQuery {
    /// Echoed back so the page can drop answers to inputs that have since changed.
    pub seq: u32,
    pub password: String,
    pub context: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StrengthAnswer {
    pub seq: u32,
    pub report: StrengthReport,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locale_negotiation_takes_the_first_supported_language() {
        assert_eq!(Locale::negotiate(["fr-FR", "ja-JP", "en"]), Locale::Ja);
        assert_eq!(
            Locale::negotiate("ja;q=0.9, en;q=0.8".split(',')),
            Locale::Ja
        );
        assert_eq!(Locale::negotiate(["de"]), Locale::En);
        assert_eq!(Locale::negotiate([]), Locale::En);
    }

    #[test]
    fn register_request_refuses_unknown_fields() {
        let r: Result<RegisterRequest, _> =
            serde_json::from_str(r#"{"email":"a@b.cd","password":"x","birth_date":"2019-01-01"}"#);
        assert!(r.is_err());
    }
}

/// What became of one sign-in attempt on the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SignInOutcome {
    /// A session was made.
    SignedIn,
    WrongPassword,
    /// A wrong TOTP, recovery or mailed code.
    WrongCode,
    /// A right password from a browser new to the account: a code was mailed.
    DeviceCodeSent,
    /// That browser gave the mailed code back.
    DeviceVerified,
    /// The customer ended a pending sign-in from the mail ("This was not me").
    NotMe,
}

/// One attempt in the customer's sign-in history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SignInAttempt {
    /// Seconds since the Unix epoch.
    pub at: i64,
    pub outcome: SignInOutcome,
    /// The source address it came from.
    pub address: String,
    /// Browser family from the user agent; absent when unrecognised.
    pub browser: Option<String>,
    /// Operating system from the user agent; absent when unrecognised.
    pub os: Option<String>,
}

/// A page of the sign-in history, newest first; `next_cursor`, given back as `cursor`, reads on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SignInHistoryPage {
    pub attempts: Vec<SignInAttempt>,
    pub next_cursor: Option<String>,
}

/// Where a page of the sign-in history starts.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
pub struct SignInHistoryQuery {
    /// `next_cursor` of the page before; absent for the newest attempts.
    pub cursor: Option<String>,
}
