//! The one error shape of the API: `{"error":{"code","message","field"}}`.

use serde::{Deserialize, Serialize};

/// Stable machine-readable error codes. The wire form is the snake_case name; the page keys its
/// translated messages on it, so renaming a variant is a breaking change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The body is not valid JSON or does not have the expected shape or types.
    InvalidJson,
    /// The request needs a JSON body (`Content-Type: application/json`).
    UnsupportedMediaType,
    /// The body is larger than the server accepts.
    PayloadTooLarge,
    EmailInvalid,
    EmailTooLong,
    PasswordTooShort,
    PasswordTooLong,
    /// zxcvbn scored the password below the floor, with the person's own details as context.
    PasswordWeak,
    /// The password appears in the breach corpus.
    PasswordBreached,
    DisplayNameTooLong,
    /// Control characters or line breaks in a single-line field.
    DisplayNameInvalid,
    /// Wrong email or wrong password: deliberately one code for both.
    InvalidCredentials,
    /// Too many failed attempts; `Retry-After` says when to try again.
    TooManyAttempts,
    NotSignedIn,
    /// Unknown, used or expired verification token: one code for all three.
    TokenInvalid,
    /// The action changes a security setting or moves money and needs a fresh second factor
    /// (`step_up`) first.
    StepUpRequired,
    /// Wrong, used or expired TOTP or recovery code: one code for all of them.
    CodeInvalid,
    /// The account has two-step verification: the request needs a TOTP or recovery code too.
    SecondFactorRequired,
    /// Adding a card and topping up need two-step verification on the account, and a step-up
    /// with it: the login password is never enough for money.
    MoneyTwoStepRequired,
    /// The half-finished sign-in (password right, code missing) is unknown or expired.
    SignInExpired,
    /// The request needs a browser verified for the account (a payment code), and this one is
    /// not: it has no trusted device cookie.
    DeviceNotVerified,
    TotpAlreadyEnabled,
    TotpNotEnabled,
    /// The new email address is the one already on file.
    EmailUnchanged,
    /// Moving money needs a verified email address first.
    EmailNotVerified,
    /// A request that moves money came without a usable `Idempotency-Key` header.
    IdempotencyKeyRequired,
    /// The same `Idempotency-Key` was used before for a different request.
    IdempotencyKeyReused,
    /// Not a positive amount in the wallet's currency with the currency's digits.
    AmountInvalid,
    /// Over the per-top-up or the daily top-up limit.
    LimitExceeded,
    InsufficientFunds,
    /// The card number, expiry or security code cannot be right.
    CardInvalid,
    /// The card network refused.
    CardDeclined,
    /// Unknown, expired or already used payment code: one code for all three.
    PaymentCodeInvalid,
    /// Missing or wrong merchant API key.
    MerchantKeyInvalid,
    /// A callback from the card processor without a valid signature.
    SignatureInvalid,
    /// A history filter or cursor that cannot be right.
    FilterInvalid,
    /// This transaction already has an open dispute.
    DisputeExists,
    /// The dispute is not waiting for the customer: support has not asked for more information.
    InfoNotRequested,
    DetailsRequired,
    DetailsTooLong,
    /// A character that cannot be stored (NUL).
    DetailsInvalid,
    WalletFrozen,
    FileEmpty,
    FileTooLarge,
    FileTypeUnsupported,
    FileDamaged,
    ImageTooLarge,
    TooManyFiles,
    /// The customer is already sending as many screenshots as one customer may at once.
    TooManyUploadsAtOnce,
    FileNameInvalid,
    TransactionsRequired,
    EvidenceRequired,
    EvidenceSealed,
    /// The account's role may not do this (a customer calling a support endpoint, an agent the audit log).
    NotPermitted,
    /// Agents and admins must turn on two-step verification before seeing any customer data.
    AgentTwoStepRequired,
    /// The case is about the agent's own customer account.
    SelfDealing,
    /// The case is refunded or declined already.
    CaseClosed,
    /// Another agent holds the case.
    CaseClaimed,
    /// The case has a refund already (posted, or waiting for a second agent).
    RefundExists,
    /// The four-eyes rule: the agent who asked for a refund cannot approve it.
    SecondAgentRequired,
    /// Refunds have paid this transaction back in full: it cannot be disputed or reported again.
    TransactionRefunded,
    /// More than is left to refund of the case's transactions (refunds on this or other cases
    /// paid some or all of them back).
    RefundExceedsRemaining,
    /// The wallet has no freeze to lift.
    NotFrozen,
    /// A state-changing request came from another site.
    CrossSiteRequest,
    InvalidPrefix,
    NotFound,
    MethodNotAllowed,
    ServiceUnavailable,
    Internal,
}

impl ErrorCode {
    /// The wire form, e.g. `password_weak`.
    pub fn as_str(self) -> &'static str {
        use ErrorCode::*;
        match self {
            InvalidJson => "invalid_json",
            UnsupportedMediaType => "unsupported_media_type",
            PayloadTooLarge => "payload_too_large",
            EmailInvalid => "email_invalid",
            EmailTooLong => "email_too_long",
            PasswordTooShort => "password_too_short",
            PasswordTooLong => "password_too_long",
            PasswordWeak => "password_weak",
            PasswordBreached => "password_breached",
            DisplayNameTooLong => "display_name_too_long",
            DisplayNameInvalid => "display_name_invalid",
            InvalidCredentials => "invalid_credentials",
            TooManyAttempts => "too_many_attempts",
            NotSignedIn => "not_signed_in",
            TokenInvalid => "token_invalid",
            StepUpRequired => "step_up_required",
            CodeInvalid => "code_invalid",
            SecondFactorRequired => "second_factor_required",
            SignInExpired => "sign_in_expired",
            MoneyTwoStepRequired => "money_two_step_required",
            DeviceNotVerified => "device_not_verified",
            TotpAlreadyEnabled => "totp_already_enabled",
            TotpNotEnabled => "totp_not_enabled",
            EmailUnchanged => "email_unchanged",
            EmailNotVerified => "email_not_verified",
            IdempotencyKeyRequired => "idempotency_key_required",
            IdempotencyKeyReused => "idempotency_key_reused",
            AmountInvalid => "amount_invalid",
            LimitExceeded => "limit_exceeded",
            InsufficientFunds => "insufficient_funds",
            CardInvalid => "card_invalid",
            CardDeclined => "card_declined",
            PaymentCodeInvalid => "payment_code_invalid",
            MerchantKeyInvalid => "merchant_key_invalid",
            SignatureInvalid => "signature_invalid",
            FilterInvalid => "filter_invalid",
            DisputeExists => "dispute_exists",
            InfoNotRequested => "info_not_requested",
            DetailsRequired => "details_required",
            DetailsTooLong => "details_too_long",
            DetailsInvalid => "details_invalid",
            WalletFrozen => "wallet_frozen",
            FileEmpty => "file_empty",
            FileTooLarge => "file_too_large",
            FileTypeUnsupported => "file_type_unsupported",
            FileDamaged => "file_damaged",
            ImageTooLarge => "image_too_large",
            TooManyFiles => "too_many_files",
            TooManyUploadsAtOnce => "too_many_uploads_at_once",
            FileNameInvalid => "file_name_invalid",
            TransactionsRequired => "transactions_required",
            EvidenceRequired => "evidence_required",
            EvidenceSealed => "evidence_sealed",
            NotPermitted => "not_permitted",
            AgentTwoStepRequired => "agent_two_step_required",
            SelfDealing => "self_dealing",
            CaseClosed => "case_closed",
            CaseClaimed => "case_claimed",
            RefundExists => "refund_exists",
            SecondAgentRequired => "second_agent_required",
            TransactionRefunded => "transaction_refunded",
            RefundExceedsRemaining => "refund_exceeds_remaining",
            NotFrozen => "not_frozen",
            CrossSiteRequest => "cross_site_request",
            InvalidPrefix => "invalid_prefix",
            NotFound => "not_found",
            MethodNotAllowed => "method_not_allowed",
            ServiceUnavailable => "service_unavailable",
            Internal => "internal",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    pub code: ErrorCode,
    /// English, for people reading logs and API clients; the page shows its own translation.
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// A rule broken by one field of a request: what the shared validators return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldError {
    pub code: ErrorCode,
    pub field: &'static str,
}

impl FieldError {
    pub fn message(&self) -> &'static str {
        use ErrorCode::*;
        match self.code {
            EmailInvalid => "Enter an email address like name@example.com.",
            EmailTooLong => "The email address is too long.",
            PasswordTooShort => "The password is too short.",
            PasswordTooLong => "The password is too long.",
            PasswordWeak => "The password is too easy to guess.",
            PasswordBreached => "The password appears in a list of leaked passwords.",
            DisplayNameTooLong => "The name is too long.",
            DisplayNameInvalid => "The name cannot contain line breaks or control characters.",
            DetailsRequired => "Say what happened.",
            DetailsTooLong => "The text is too long.",
            DetailsInvalid => "The text contains a character that cannot be stored (NUL).",
            FileNameInvalid => "The file name is empty, too long or contains control characters.",
            TransactionsRequired => "Choose at least one transaction.",
            EvidenceRequired => "Add a screenshot or a note.",
            _ => "The value is not accepted.",
        }
    }
}
