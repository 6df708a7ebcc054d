//! The merchant API: a store redeems a customer's payment code for an amount. Merchants are made
//! with `portal-server merchant create --name NAME`, which prints the API key once; the store
//! keeps only its SHA-256. A request carries the key as `Authorization: Bearer <key>`, so this API
//! is not called from a browser and is exempt from the same-origin check.

use super::idempotency::{self, Answer, Claim};
use super::ledger::{self, Entry, Leg, Posted, TxError, MERCHANT};
use super::rows::{self, NewRow};
use super::top_up::check_amount;
use super::{payment_code, WALLET_CURRENCY};
use crate::db::Db;
use crate::http::error::{ApiError, ApiResult};
use crate::http::json::Json;
use crate::identity::throttle::{self, Window};
use crate::AppState;
use axum::extract::{FromRequestParts, State};
use axum::http::{header, request::Parts, HeaderMap, StatusCode};
use axum::response::Response;
use base64::Engine;
use portal_api::error::{ErrorBody, ErrorCode};
use portal_api::money::Money;
use portal_api::wallet::{
    RedeemRequest, Redemption, TransactionKind, TransactionStatus, MEMO_MAX_CHARS,
};

/// Payment codes one merchant may have wrong, or still being looked up, in a throttle window
/// before it is refused (429). A redemption takes its slot before its code is looked up and gives
/// it back once the code was right, so this also bounds a store's tills at once: high enough for
/// a busy store's tills, and against a 16-digit code that lives 60 seconds still no odds for a
/// guesser (a real till sends a stale code now and then, a guesser sends millions).
pub const GUESSES_PER_WINDOW: u32 = 200;
/// Longest merchant name, in characters.
pub const NAME_MAX_CHARS: usize = 100;
/// Every key starts so, to be recognisable in a configuration file or a leak scanner.
const KEY_PREFIX: &str = "mk_";

#[derive(Debug, Clone)]
pub struct Merchant {
    pub id: String,
    pub name: String,
}

/// A new API key: 256 random bits.
pub fn new_key() -> String {
    format!(
        "{KEY_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
    )
}

/// A merchant's name: 1 to 100 characters, any script, no control characters or line breaks.
pub fn check_name(name: &str) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("the name is empty".into());
    }
    if name.chars().count() > NAME_MAX_CHARS {
        return Err(format!(
            "the name is longer than {NAME_MAX_CHARS} characters"
        ));
    }
    if name.chars().any(char::is_control) {
        return Err("the name has control characters or line breaks".into());
    }
    Ok(name.to_owned())
}

/// Makes a merchant with `key` as its API key (stored as SHA-256 only).
pub async fn create_with_key(db: &Db, name: &str, key: &str) -> Result<Merchant, String> {
    let name = check_name(name)?;
    let merchant = Merchant {
        id: crate::token::id(),
        name,
    };
    sqlx::query(
        "INSERT INTO merchants (id, name, api_key_hash, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(&merchant.id)
    .bind(&merchant.name)
    .bind(crate::token::hash(key))
    .bind(crate::clock::now())
    .execute(&db.pool)
    .await
    .map_err(|e| format!("database: {e}"))?;
    Ok(merchant)
}

/// Makes a merchant and answers it with its new API key, which exists nowhere else: show it once.
pub async fn create(db: &Db, name: &str) -> Result<(Merchant, String), String> {
    let key = new_key();
    let merchant = create_with_key(db, name, &key).await?;
    Ok((merchant, key))
}

fn key_invalid() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        ErrorCode::MerchantKeyInvalid,
        "Send the merchant API key as Authorization: Bearer <key>.",
    )
}

/// The merchant whose API key came with the request; extracting it answers 401
/// `merchant_key_invalid` otherwise.
impl FromRequestParts<AppState> for Merchant {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let key = bearer(&parts.headers).ok_or_else(key_invalid)?;
        let row: Option<(String, String)> =
            sqlx::query_as("SELECT id, name FROM merchants WHERE api_key_hash = $1")
                .bind(crate::token::hash(key))
                .fetch_optional(&state.db.pool)
                .await?;
        let (id, name) = row.ok_or_else(key_invalid)?;
        Ok(Merchant { id, name })
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let (Some(value), None) = (values.next(), values.next()) else {
        return None;
    };
    let value = value.to_str().ok()?;
    let (scheme, key) = value.split_once(' ')?;
    let key = key.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !key.is_empty() && key.len() <= 200).then_some(key)
}

fn memo_error(code: ErrorCode, message: &str) -> ApiError {
    ApiError {
        field: Some("memo"),
        ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }
}

/// The memo as the merchant wrote it: any Unicode, line breaks included, up to 200 characters,
/// but no NUL (which PostgreSQL cannot store as text). An empty memo is no memo.
pub fn check_memo(memo: Option<&str>) -> ApiResult<Option<String>> {
    let Some(memo) = memo.filter(|m| !m.is_empty()) else {
        return Ok(None);
    };
    if memo.chars().count() > MEMO_MAX_CHARS {
        return Err(memo_error(
            ErrorCode::DetailsTooLong,
            "The memo is longer than 200 characters.",
        ));
    }
    if memo.contains('\0') {
        return Err(memo_error(
            ErrorCode::DetailsInvalid,
            "The memo contains a character that cannot be stored (NUL).",
        ));
    }
    Ok(Some(memo.to_owned()))
}

fn code_invalid() -> ApiError {
    ApiError {
        field: Some("code"),
        ..ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::PaymentCodeInvalid,
            "This payment code is not valid: it is unknown, expired or already used. Ask the customer to show a new one.",
        )
    }
}

fn guess_key(merchant: &Merchant) -> String {
    format!("redeem-guess:{}", merchant.id)
}

/// Redeem a customer's payment code for an amount: the wallet pays the merchant. Authenticated
/// by the merchant's API key; needs an `Idempotency-Key` (per merchant). An unknown, expired,
/// used or voided code gets one answer; wrong codes are throttled per merchant. When the wallet
/// holds too little the code is not spent.
#[utoipa::path(post, path = "/api/merchant/redemptions", operation_id = "merchant_redeem", tag = "merchant",
    params(("Idempotency-Key" = String, Header, pattern = "^[!-~]([ -~]{0,98}[!-~])?$", description = "A new random value (1 to 100 printable ASCII characters) per payment; repeat it to retry the same payment safely")),
    request_body = RedeemRequest,
    security(("merchant_key" = [])),
    responses(
        (status = 201, description = "Paid: the customer's history has the payment", body = Redemption),
        (status = 400, description = "No usable `Idempotency-Key` (`idempotency_key_required`), or malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or wrong API key (`merchant_key_invalid`)", body = ErrorBody),
        (status = 403, description = "The customer's wallet is frozen by a fraud report (`wallet_frozen`); nothing moved", body = ErrorBody),
        (status = 422, description = "Unknown, expired, used or voided code (`payment_code_invalid`), too little money (`insufficient_funds`; the code stays valid), not a positive JPY amount (`amount_invalid`), memo too long or with NUL (`details_too_long`, `details_invalid`; field `memo`), or the key was used for another request (`idempotency_key_reused`)", body = ErrorBody),
        (status = 429, description = "Too many wrong codes from this merchant; see Retry-After", body = ErrorBody),
        (status = 503, description = "Busy; nothing moved, retry with the same key", body = ErrorBody),
    ))]
pub async fn merchant_redeem(
    State(state): State<AppState>,
    merchant: Merchant,
    headers: HeaderMap,
    Json(req): Json<RedeemRequest>,
) -> ApiResult<Response> {
    let key = idempotency::key_from(&headers)?;
    let amount = check_amount(req.amount)?;
    let memo = check_memo(req.memo.as_deref())?;
    // A slot for a guess at the code is taken before the code is looked up, and kept only
    // when the code was wrong.
    let slots = throttle::reserve(
        &state.db,
        &Window::of(&state),
        &[(guess_key(&merchant), GUESSES_PER_WINDOW)],
        crate::clock::now(),
    )
    .await?;
    let hash = idempotency::request_hash("merchant_redeem", &req);
    let scope = format!("merchant:{}", merchant.id);
    let result = idempotency::run(&state.db, &scope, &key, "merchant_redeem", &hash, |claim| {
        redeem(&state, &merchant, &req.code, amount, memo.as_deref(), claim)
    })
    .await;
    if matches!(&result, Err(e) if e.code == ErrorCode::PaymentCodeInvalid) {
        slots.keep();
    } else {
        slots.give_back().await?;
    }
    result
}

async fn redeem(
    state: &AppState,
    merchant: &Merchant,
    code: &str,
    amount: i64,
    memo: Option<&str>,
    claim: Claim,
) -> ApiResult<Answer> {
    let code_hash =
        payment_code::normalize(code).map(|d| payment_code::hash(&state.secret_key, &d));
    let merchant_account =
        ledger::account_in(&state.db, MERCHANT, &merchant.id, WALLET_CURRENCY).await?;
    let (code_hash, merchant_account, claim) = (&code_hash, &merchant_account, &claim);
    ledger::retrying(|| async move {
        let Some(code_hash) = code_hash else {
            return Err(TxError::Api(code_invalid()));
        };
        let now = crate::clock::now();
        let mut tx = state.db.pool.begin().await?;
        // Spends the code first (a write: on SQLite the transaction holds the write lock from
        // here; on PostgreSQL a second redemption of the same code waits, then finds it used).
        let spent: Option<(String, String)> = sqlx::query_as(
            "UPDATE payment_codes SET used_at = $1
             WHERE code_hash = $2 AND used_at IS NULL AND voided_at IS NULL AND expires_at >= $1
               AND account_id IN (SELECT id FROM accounts WHERE email_verified_at IS NOT NULL)
             RETURNING account_id, wallet_id",
        )
        .bind(now)
        .bind(code_hash)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((account_id, wallet_id)) = spent else {
            return Err(TxError::Api(code_invalid()));
        };
        let legs = [
            Leg {
                account_id: wallet_id.clone(),
                amount_minor: -amount,
            },
            Leg {
                account_id: merchant_account.clone(),
                amount_minor: amount,
            },
        ];
        // Insufficient funds ends the transaction here: the code is not spent.
        let posted = ledger::post(
            &mut tx,
            state.db.backend,
            &Entry {
                kind: "payment",
                scope: &claim.scope,
                key: &claim.key,
                request_hash: &claim.request_hash,
                currency: WALLET_CURRENCY,
                legs: &legs,
                at: now,
            },
        )
        .await?;
        if let Posted::Existing(entry) = &posted {
            // The answer is stored with the entry: an entry without one cannot happen.
            return Err(TxError::Api(ApiError::internal(format!(
                "entry {entry} exists for an unanswered redemption key"
            ))));
        }
        let id = crate::token::id();
        rows::insert(
            &mut tx,
            &NewRow {
                id: &id,
                account_id: &account_id,
                wallet_id: &wallet_id,
                kind: TransactionKind::Payment,
                status: TransactionStatus::Completed,
                amount_minor: -amount,
                currency: WALLET_CURRENCY,
                merchant_id: Some(&merchant.id),
                merchant_name: Some(&merchant.name),
                memo,
                entry_id: Some(posted.entry_id()),
                at: now,
            },
        )
        .await?;
        let answer = Answer::new(
            StatusCode::CREATED,
            &Redemption {
                id,
                amount: Money {
                    minor: amount,
                    currency: WALLET_CURRENCY,
                },
                created_at: now,
            },
        );
        claim
            .answer_in(&mut tx, answer.status, &answer.body)
            .await?;
        tx.commit().await?;
        Ok(answer.stored())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memos_keep_every_character_but_nul() {
        let memo = "レシート #42\r\nمتجر 🧾 <b>&amp;</b>\t";
        assert_eq!(check_memo(Some(memo)).unwrap().as_deref(), Some(memo));
        assert_eq!(check_memo(None).unwrap(), None);
        assert_eq!(check_memo(Some("")).unwrap(), None);
        let longest = "語".repeat(MEMO_MAX_CHARS);
        assert!(check_memo(Some(&longest)).is_ok());
        let code = |m: &str| check_memo(Some(m)).unwrap_err().code;
        assert_eq!(code(&format!("{longest}x")), ErrorCode::DetailsTooLong);
        assert_eq!(code("a\0b"), ErrorCode::DetailsInvalid);
    }

    #[test]
    fn names_are_one_line() {
        assert_eq!(check_name("  ローソン 渋谷店 ").unwrap(), "ローソン 渋谷店");
        assert!(check_name("").is_err());
        assert!(check_name("a\nb").is_err());
        assert!(check_name(&"x".repeat(101)).is_err());
    }

    #[test]
    fn keys_are_long_and_prefixed() {
        let k = new_key();
        assert!(k.starts_with("mk_") && k.len() == 3 + 43);
        assert_ne!(k, new_key());
        let mut h = HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            format!("Bearer {k}").parse().unwrap(),
        );
        assert_eq!(bearer(&h), Some(k.as_str()));
        h.insert(header::AUTHORIZATION, "Basic abc".parse().unwrap());
        assert_eq!(bearer(&h), None);
    }
}
