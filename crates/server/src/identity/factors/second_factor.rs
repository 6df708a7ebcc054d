//! Checking a second factor: a TOTP code from the authenticator app, or one of the customer's
//! one-time recovery codes. Used by step-up, sign-in, password reset and turning 2FA off, which
//! revokes both ([`turn_off`]).
//!
//! A check has two halves. [`judge`] only reads: is this a right code now? [`spend`] then uses the
//! code up inside the caller's transaction, with a conditional `UPDATE` that only one request can
//! win, so a code replayed (or raced) is refused even when both copies were judged right.

use super::recovery_codes as recovery;
use super::totp::{self, Secret};
use crate::http::error::{ApiError, ApiResult};
use crate::identity::accounts::{self, Account};
use crate::identity::throttle::{self, Slots, Window};
use crate::mail::templates;
use crate::secret_box::SecretBox;
use crate::AppState;
use axum::http::StatusCode;
use portal_api::error::ErrorCode;

/// What a right code proved, and what must be used up to accept it.
#[derive(Debug)]
pub enum Proof {
    /// A TOTP code of `step`, made from the sealed secret `sealed`.
    Totp { step: i64, sealed: String },
    /// The unused recovery code with this hash.
    Recovery { hash: String },
}

/// The throttle key for codes and passwords given again by someone already signed in (step-up,
/// turning 2FA off, confirming enrolment) or holding a reset link: per account, so guesses add
/// up however they are spread over these endpoints.
pub fn throttle_key(account_id: &str) -> String {
    format!("reauth:{account_id}")
}

pub fn code_invalid() -> ApiError {
    ApiError {
        field: Some("code"),
        ..ApiError::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::CodeInvalid,
            "The code is not right, was already used, or has expired.",
        )
    }
}

pub fn second_factor_required() -> ApiError {
    ApiError {
        field: Some("code"),
        ..ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::SecondFactorRequired,
            "This account has two-step verification: give a code from the authenticator app or a recovery code.",
        )
    }
}

/// Whether `code` could be a code at all: six digits (spaces allowed) or a well-formed recovery
/// code. Only such input counts as a guess against the throttle; junk cannot match anything.
pub fn is_plausible(code: &str) -> bool {
    if code.len() > 64 {
        return false;
    }
    let digits: Vec<char> = code.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    (digits.len() == totp::DIGITS as usize && digits.iter().all(char::is_ascii_digit))
        || recovery::is_well_formed(code)
}

pub fn sealer(state: &AppState) -> SecretBox {
    SecretBox::new(&state.secret_key)
}

/// Opens a sealed TOTP secret of `account_id`. A value that does not open (a changed
/// `PORTAL_SECRET_KEY`, a damaged row) is logged and treated as no secret: codes from it fail,
/// recovery codes still work.
pub fn open_secret(state: &AppState, account_id: &str, sealed: &str) -> Option<Secret> {
    let secret = sealer(state)
        .open(sealed, account_id.as_bytes())
        .and_then(|bytes| Secret::from_bytes(&bytes));
    if secret.is_none() {
        tracing::error!(account = %account_id, "a sealed TOTP secret does not open: was PORTAL_SECRET_KEY changed?");
    }
    secret
}

/// Whether `code` is right for the account now (only reads). The proof must then be [`spend`]t.
pub async fn judge(state: &AppState, account: &Account, code: &str) -> ApiResult<Option<Proof>> {
    if !is_plausible(code) {
        return Ok(None);
    }
    if recovery::is_well_formed(code) {
        let hash = recovery::hash(&state.secret_key, &account.id, code);
        let found: Option<(String,)> = sqlx::query_as(
            "SELECT code_hash FROM recovery_codes WHERE account_id = $1 AND code_hash = $2 AND used_at IS NULL",
        )
        .bind(&account.id)
        .bind(&hash)
        .fetch_optional(&state.db.pool)
        .await?;
        return Ok(found.map(|_| Proof::Recovery { hash }));
    }
    let row: Option<(Option<String>, Option<i64>)> = sqlx::query_as(
        "SELECT totp_secret, totp_last_used_step FROM accounts WHERE id = $1 AND totp_enabled_at IS NOT NULL",
    )
    .bind(&account.id)
    .fetch_optional(&state.db.pool)
    .await?;
    let Some((Some(sealed), last_used_step)) = row else {
        return Ok(None);
    };
    let Some(secret) = open_secret(state, &account.id, &sealed) else {
        return Ok(None);
    };
    Ok(
        totp::verify(&secret, code, crate::clock::now(), last_used_step)
            .map(|step| Proof::Totp { step, sealed }),
    )
}

/// Uses the proof up in the caller's transaction. False when another request used it first (or
/// the factor changed meanwhile): the caller must then refuse, as for a wrong code. Using a
/// recovery code queues the mail that says so, with how many are left.
pub async fn spend(
    state: &AppState,
    conn: &mut sqlx::AnyConnection,
    account: &Account,
    proof: &Proof,
) -> ApiResult<bool> {
    let now = crate::clock::now();
    match proof {
        Proof::Totp { step, sealed } => {
            Ok(accounts::use_totp_step(&mut *conn, &account.id, sealed, *step).await?)
        }
        Proof::Recovery { hash } => {
            let won = sqlx::query(
                "UPDATE recovery_codes SET used_at = $1
                 WHERE account_id = $2 AND code_hash = $3 AND used_at IS NULL",
            )
            .bind(now)
            .bind(&account.id)
            .bind(hash)
            .execute(&mut *conn)
            .await?
            .rows_affected();
            if won != 1 {
                return Ok(false);
            }
            let (left,): (i64,) = sqlx::query_as(
                "SELECT COUNT(*) FROM recovery_codes WHERE account_id = $1 AND used_at IS NULL",
            )
            .bind(&account.id)
            .fetch_one(&mut *conn)
            .await?;
            let link = format!("{}/sign-in", state.config.public_url.base);
            let mail = templates::recovery_code_used(account.locale(), &account.email, left, &link);
            state.outbox.queue(conn, &mail).await?;
            Ok(true)
        }
    }
}

/// Takes one of the account's re-authentication slots (the per-account limit) before a
/// password or code is checked, or answers 429; see [`throttle::reserve`].
pub async fn reserve(state: &AppState, account_id: &str) -> ApiResult<Slots> {
    let key = (throttle_key(account_id), state.config.throttle.per_account);
    throttle::reserve(&state.db, &Window::of(state), &[key], crate::clock::now()).await
}

/// The answer to a wrong code: its slot stays taken when the code could have been right, then
/// 401 `code_invalid`.
pub async fn refuse(slots: Slots, code: &str) -> ApiError {
    if is_plausible(code) {
        slots.keep();
    } else if let Err(e) = slots.give_back().await {
        return e;
    }
    code_invalid()
}

/// Revokes the second factor: TOTP off and every recovery code gone, in the caller's
/// transaction.
pub async fn turn_off(conn: &mut sqlx::AnyConnection, account_id: &str) -> ApiResult<()> {
    accounts::clear_totp(&mut *conn, account_id).await?;
    sqlx::query("DELETE FROM recovery_codes WHERE account_id = $1")
        .bind(account_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
