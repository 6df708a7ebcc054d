//! Payment codes: the digits (and QR code) a customer shows at a store. Sixteen digits from the
//! operating system's CSPRNG (about 53 bits), valid for 60 seconds, refreshed by the page every
//! 30, single use, bound to the customer's wallet. Only a keyed hash is stored, so a copy of the
//! database gives no live code. Issuing a new code voids the customer's older unused ones.

use super::ledger::{self, TxError, WALLET};
use super::WALLET_CURRENCY;
use crate::http::error::ApiResult;
use crate::identity::session::SignedIn;
use crate::identity::throttle::{self, Window};
use crate::AppState;
use axum::extract::State;
use hmac::{Hmac, Mac};
use portal_api::error::ErrorBody;
use portal_api::wallet::PaymentCode;
use rand::Rng;
use sha2::Sha256;

pub const CODE_DIGITS: usize = 16;
pub const VALID_SECS: i64 = 60;
pub const REFRESH_SECS: i64 = 30;
/// Codes one customer may issue per throttle window: a page open the whole window asks for one
/// every 30 seconds.
const ISSUES_PER_WINDOW: u32 = 120;
/// The hash's purpose, apart from every other use of the configured key.
const PURPOSE: &str = "payment-code-hash v1";

/// A fresh code: every digit uniform, from the OS's CSPRNG.
pub fn generate() -> String {
    let mut rng = rand::rngs::OsRng;
    (0..CODE_DIGITS)
        .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
        .collect()
}

/// The code as a store's scanner or cashier may send it: digits, with any spaces or dashes
/// dropped. `None` for anything that cannot be a code.
pub fn normalize(code: &str) -> Option<String> {
    if code.len() > 64 {
        return None;
    }
    let digits: String = code.chars().filter(|c| *c != ' ' && *c != '-').collect();
    (digits.len() == CODE_DIGITS && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

/// HMAC-SHA256 of the digits under a sub-key of the configured key.
pub fn hash(secret_key: &[u8; 32], digits: &str) -> String {
    let key = crate::secret_box::subkey(secret_key, PURPOSE);
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key).expect("HMAC takes any key length");
    mac.update(digits.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Stores `code` for the wallet, valid from `now`, in the caller's transaction (without voiding
/// anything: [`issue`] does that).
pub async fn store(
    conn: &mut sqlx::AnyConnection,
    secret_key: &[u8; 32],
    account_id: &str,
    wallet_id: &str,
    code: &str,
    now: i64,
) -> Result<PaymentCode, sqlx::Error> {
    sqlx::query(
        "INSERT INTO payment_codes (code_hash, account_id, wallet_id, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(hash(secret_key, code))
    .bind(account_id)
    .bind(wallet_id)
    .bind(now)
    .bind(now + VALID_SECS)
    .execute(conn)
    .await?;
    Ok(PaymentCode {
        code: code.to_owned(),
        expires_at: now + VALID_SECS,
        refresh_at: now + REFRESH_SECS,
    })
}

/// A new code for the customer's wallet; their older unused codes stop working.
pub async fn issue(state: &AppState, account_id: &str) -> ApiResult<PaymentCode> {
    let wallet_id = ledger::account_in(&state.db, WALLET, account_id, WALLET_CURRENCY).await?;
    let wallet_id = &wallet_id;
    ledger::retrying(|| async move {
        let now = crate::clock::now();
        let mut tx = state.db.pool.begin().await?;
        sqlx::query(
            "UPDATE payment_codes SET voided_at = $1
             WHERE account_id = $2 AND used_at IS NULL AND voided_at IS NULL",
        )
        .bind(now)
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
        if super::freeze::active(&mut tx, account_id).await?.is_some() {
            return Err(TxError::Api(super::freeze::frozen()));
        }
        // A code equal to a stored one (one in 10^16) fails the primary key and is drawn again.
        let code = store(
            &mut tx,
            &state.secret_key,
            account_id,
            wallet_id,
            &generate(),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(code)
    })
    .await
}

/// A payment code to show at a store: digits for the QR code and the cashier, valid until
/// `expires_at`, to be replaced at `refresh_at`. Issuing one voids the customer's older unused
/// codes. Needs a verified email address and a browser verified for the account.
#[utoipa::path(post, path = "/api/payment-codes", operation_id = "payment_code", tag = "wallet",
    responses(
        (status = 200, description = "A new single-use code, valid 60 seconds", body = PaymentCode),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Verify the email address first (`email_not_verified`), this browser is not verified for the account (`device_not_verified`), or the wallet is frozen by a fraud report (`wallet_frozen`)", body = ErrorBody),
        (status = 429, description = "Too many codes asked for; see Retry-After", body = ErrorBody),
    ))]
pub async fn payment_code(
    State(state): State<AppState>,
    me: SignedIn,
    headers: axum::http::HeaderMap,
) -> ApiResult<axum::Json<PaymentCode>> {
    me.require_verified_email()?;
    me.require_trusted_device(&state, &headers)?;
    throttle::take(
        &state.db,
        &Window::of(&state),
        &format!("payment-code:{}", me.account.id),
        ISSUES_PER_WINDOW,
        crate::clock::now(),
    )
    .await?;
    Ok(axum::Json(issue(&state, &me.account.id).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_sixteen_uniform_digits() {
        let mut counts = [0u32; 10];
        for _ in 0..2_000 {
            let code = generate();
            assert_eq!(code.len(), CODE_DIGITS);
            for b in code.bytes() {
                counts[usize::from(b - b'0')] += 1;
            }
        }
        // 32,000 digits: each expected 3,200 times; a biased generator would stray far.
        for (digit, n) in counts.iter().enumerate() {
            assert!((2_900..3_500).contains(n), "digit {digit} drawn {n} times");
        }
        assert_ne!(generate(), generate());
    }

    #[test]
    fn only_sixteen_digits_are_a_code() {
        assert_eq!(
            normalize("1234 5678-9012 3456").as_deref(),
            Some("1234567890123456")
        );
        for junk in [
            "",
            "123456789012345",
            "12345678901234567",
            "１２３４５６７８９０１２３４５６",
            "123456789012345a",
            "1234567890123456\0",
        ] {
            assert_eq!(normalize(junk), None, "{junk:?}");
        }
        assert_eq!(normalize(&"1".repeat(100_000)), None);
    }

    #[test]
    fn the_hash_is_keyed() {
        let code = "1234567890123456";
        assert_eq!(hash(&[1; 32], code), hash(&[1; 32], code));
        assert_ne!(hash(&[1; 32], code), hash(&[2; 32], code));
        assert_ne!(hash(&[1; 32], code), crate::token::hash(code));
    }
}
