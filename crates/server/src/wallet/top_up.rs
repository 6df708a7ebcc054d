//! The wallet's balance and limits, and top-ups from a registered card.
//!
//! A top-up is written down (history row `pending`, the day's limit reserved) before the card is
//! charged, so a charge can always be matched to its row by its reference (the row's id). The
//! processor's answer, or a later settlement callback, settles it once: `completed` posts the
//! journal entry (card clearing to wallet), `declined` gives the reserved limit back. Either way
//! the customer gets a mail. The answer to the request is stored with the settlement, so the same
//! `Idempotency-Key` answers the same again.

use super::cards::{self, brand_label};
use super::idempotency::{self, Answer, Claim};
use super::ledger::{self, Entry, Leg, TxError, CARD_CLEARING, SYSTEM_OWNER, WALLET};
use super::processor::{
    verify_callback, ChargeOutcome, Settlement, SettlementOutcome, SIGNATURE_HEADER,
};
use super::rows::{self, NewRow};
use super::WALLET_CURRENCY;
use crate::http::error::{ApiError, ApiResult};
use crate::http::json::Json;
use crate::identity::accounts::Account;
use crate::identity::session::SignedIn;
use crate::mail::wallet as mails;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use portal_api::dto::{Locale, StatusResponse};
use portal_api::error::{ErrorBody, ErrorCode};
use portal_api::money::Money;
use portal_api::wallet::{
    TopUpLimits, TopUpRequest, Transaction, TransactionKind, TransactionStatus, Wallet,
};

const DAY_SECS: i64 = 86_400;

fn amount_error(code: ErrorCode, message: &str) -> ApiError {
    ApiError {
        field: Some("amount"),
        ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }
}

/// A positive amount in the wallet's currency, or 422 `amount_invalid`.
pub fn check_amount(amount: Money) -> ApiResult<i64> {
    if amount.currency != WALLET_CURRENCY {
        return Err(amount_error(
            ErrorCode::AmountInvalid,
            "The wallet holds Japanese yen (JPY) only.",
        ));
    }
    if amount.minor <= 0 {
        return Err(amount_error(
            ErrorCode::AmountInvalid,
            "The amount must be more than zero.",
        ));
    }
    Ok(amount.minor)
}

fn card_declined() -> ApiError {
    ApiError::new(
        StatusCode::PAYMENT_REQUIRED,
        ErrorCode::CardDeclined,
        "The card network declined this top-up. Nothing was charged.",
    )
}

/// The signed-in customer's wallet: balance (from the journal) and top-up limits.
#[utoipa::path(get, path = "/api/wallet", operation_id = "get_wallet", tag = "wallet",
    responses(
        (status = 200, description = "Balance and top-up limits with today's use (UTC day)", body = Wallet),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ))]
pub async fn get_wallet(
    State(state): State<AppState>,
    me: SignedIn,
) -> ApiResult<axum::Json<Wallet>> {
    let mut conn = state.db.pool.acquire().await?;
    let balance =
        match ledger::find_account(&mut conn, WALLET, &me.account.id, WALLET_CURRENCY).await? {
            Some(id) => ledger::balance(&mut conn, &id).await?,
            None => 0,
        };
    let used_today = used_on(
        &mut conn,
        &me.account.id,
        crate::clock::now().div_euclid(DAY_SECS),
    )
    .await?;
    let money = |minor| Money {
        minor,
        currency: WALLET_CURRENCY,
    };
    let limits = state.config.top_up;
    let freeze = super::freeze::active(&mut conn, &me.account.id).await?;
    Ok(axum::Json(Wallet {
        freeze,
        balance: money(balance),
        limits: TopUpLimits {
            per_top_up: money(limits.per_top_up),
            daily: money(limits.daily),
            used_today: money(used_today),
        },
    }))
}

async fn used_on(conn: &mut sqlx::AnyConnection, account_id: &str, day: i64) -> ApiResult<i64> {
    let row: Option<(i64,)> =
        sqlx::query_as("SELECT used_minor FROM top_up_usage WHERE account_id = $1 AND day = $2")
            .bind(account_id)
            .bind(day)
            .fetch_optional(conn)
            .await?;
    Ok(row.map_or(0, |r| r.0))
}

/// Adds `amount` to the customer's use of `day`'s limit unless that would pass `daily`: one
/// statement, so two top-ups at once cannot both fit under the limit.
pub async fn reserve(
    conn: &mut sqlx::AnyConnection,
    account_id: &str,
    day: i64,
    amount: i64,
    daily: i64,
) -> Result<bool, sqlx::Error> {
    if amount > daily {
        return Ok(false);
    }
    let row: Option<(i64,)> = sqlx::query_as(
        "INSERT INTO top_up_usage (account_id, day, used_minor) VALUES ($1, $2, $3)
         ON CONFLICT (account_id, day) DO UPDATE
             SET used_minor = top_up_usage.used_minor + excluded.used_minor
             WHERE top_up_usage.used_minor + excluded.used_minor <= $4
         RETURNING used_minor",
    )
    .bind(account_id)
    .bind(day)
    .bind(amount)
    .bind(daily)
    .fetch_optional(conn)
    .await?;
    Ok(row.is_some())
}

/// Top up the wallet from a registered card. Needs a fresh step-up, a verified email address and
/// an `Idempotency-Key`; the same key and request answer the first answer again.
#[utoipa::path(post, path = "/api/top-ups", operation_id = "top_up", tag = "wallet",
    params(("Idempotency-Key" = String, Header, pattern = "^[!-~]([ -~]{0,98}[!-~])?$", description = "A new random value (1 to 100 printable ASCII characters) per top-up; repeat it to retry the same top-up safely")),
    request_body = TopUpRequest,
    responses(
        (status = 201, description = "Topped up (status `completed`)", body = Transaction),
        (status = 202, description = "The card network did not answer in time: the top-up is `pending` and settles later", body = Transaction),
        (status = 400, description = "No usable `Idempotency-Key` (`idempotency_key_required`), or malformed JSON", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 402, description = "The card network declined (`card_declined`); the history has a declined row and nothing moved", body = ErrorBody),
        (status = 403, description = "Verify the email address first (`email_not_verified`), turn on two-step verification first (`money_two_step_required`), step up with a TOTP or recovery code first (`step_up_required`; a password step-up is not enough), or the wallet is frozen by a fraud report (`wallet_frozen`)", body = ErrorBody),
        (status = 404, description = "No such card among the customer's (`not_found`, field `card_id`)", body = ErrorBody),
        (status = 422, description = "Not a positive amount in JPY (`amount_invalid`), over the per-top-up or daily limit (`limit_exceeded`), or the key was used for another request (`idempotency_key_reused`)", body = ErrorBody),
        (status = 503, description = "Busy; nothing moved, retry with the same key", body = ErrorBody),
    ))]
pub async fn top_up(
    State(state): State<AppState>,
    me: SignedIn,
    headers: HeaderMap,
    Json(req): Json<TopUpRequest>,
) -> ApiResult<Response> {
    me.require_verified_email()?;
    super::freeze::refuse_if_frozen(&state.db, &me.account.id).await?;
    me.require_money_step_up(&state)?;
    let key = idempotency::key_from(&headers)?;
    let amount = check_amount(req.amount)?;
    if amount > state.config.top_up.per_top_up {
        return Err(amount_error(
            ErrorCode::LimitExceeded,
            "The amount is over the limit for a single top-up.",
        ));
    }
    let hash = idempotency::request_hash("top_up", &req);
    let scope = format!("customer:{}", me.account.id);
    idempotency::run(&state.db, &scope, &key, "top_up", &hash, |claim| {
        start(&state, &me.account, &req, amount, claim)
    })
    .await
}

async fn start(
    state: &AppState,
    account: &Account,
    req: &TopUpRequest,
    amount: i64,
    claim: Claim,
) -> ApiResult<Answer> {
    let card = cards::find(state, &account.id, &req.card_id)
        .await?
        .ok_or_else(|| cards::not_found(Some("card_id")))?;
    let wallet_id = ledger::account_in(&state.db, WALLET, &account.id, WALLET_CURRENCY).await?;
    let id = crate::token::id();
    let now = crate::clock::now();
    let memo = format!("{} •••• {}", brand_label(&card.card.brand), card.card.last4);
    let daily = state.config.top_up.daily;
    let (id_ref, wallet_ref, memo_ref) = (&id, &wallet_id, &memo);
    let card_id = &card.card.id;
    ledger::retrying(|| async move {
        let mut tx = state.db.pool.begin().await?;
        let day = now.div_euclid(DAY_SECS);
        if !reserve(&mut tx, &account.id, day, amount, daily).await? {
            return Err(TxError::Api(amount_error(
                ErrorCode::LimitExceeded,
                "This top-up would pass today's top-up limit.",
            )));
        }
        // Again under the write that reserved the limit: a report made since the check above
        // refuses this top-up too.
        if super::freeze::active(&mut tx, &account.id)
            .await?
            .is_some()
        {
            return Err(TxError::Api(super::freeze::frozen()));
        }
        rows::insert(
            &mut tx,
            &NewRow {
                id: id_ref,
                account_id: &account.id,
                wallet_id: wallet_ref,
                kind: TransactionKind::TopUp,
                status: TransactionStatus::Pending,
                amount_minor: amount,
                currency: WALLET_CURRENCY,
                merchant_id: None,
                merchant_name: None,
                memo: Some(memo_ref),
                entry_id: None,
                at: now,
            },
        )
        .await?;
        sqlx::query(
            "INSERT INTO top_ups (id, account_id, card_id, amount_minor, currency, status, limit_day, created_at)
             VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7)",
        )
        .bind(id_ref)
        .bind(&account.id)
        .bind(card_id)
        .bind(amount)
        .bind(ledger::currency_code(WALLET_CURRENCY))
        .bind(day)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        crate::events::count(&mut tx, crate::events::TOP_UP, now).await?;
        tx.commit().await?;
        Ok(())
    })
    .await?;

    let money = Money {
        minor: amount,
        currency: WALLET_CURRENCY,
    };
    let outcome = state
        .processor
        .charge(&card.processor_token, money, &id)
        .await;
    let outcome = match outcome {
        ChargeOutcome::Approved => SettlementOutcome::Approved,
        ChargeOutcome::Declined => SettlementOutcome::Declined,
        ChargeOutcome::TimedOut => {
            return Ok(answer_for(&current(state, &account.id, &id).await?));
        }
    };
    let settled = settle(state, &id, outcome, Some(&claim)).await;
    match settled {
        Ok(Some(answer)) => Ok(answer),
        // A settlement callback came first.
        Ok(None) => Ok(answer_for(&current(state, &account.id, &id).await?)),
        // The card was charged (or refused), so the key must not be given up: a retry would
        // charge again. The top-up stays pending, settled in the background, and the request
        // answers as for a timeout.
        Err(e) => {
            tracing::warn!(top_up = %id, error = ?e, "could not settle a charged top-up; retrying in the background");
            settle_later(state.clone(), id.clone(), outcome);
            Ok(Answer::new(
                StatusCode::ACCEPTED,
                &Transaction {
                    id,
                    kind: TransactionKind::TopUp,
                    status: TransactionStatus::Pending,
                    amount: money,
                    merchant: None,
                    memo: Some(memo),
                    created_at: now,
                    dispute: None,
                },
            ))
        }
    }
}

/// Tries to settle `reference` again a few times, further apart each time.
fn settle_later(state: AppState, reference: String, outcome: SettlementOutcome) {
    tokio::spawn(async move {
        for attempt in 0..8u32 {
            tokio::time::sleep(std::time::Duration::from_secs(1 << attempt.min(6))).await;
            match settle(&state, &reference, outcome, None).await {
                Ok(_) => return,
                Err(e) => {
                    tracing::warn!(top_up = %reference, attempt, error = ?e, "settling again failed")
                }
            }
        }
        tracing::error!(top_up = %reference, "top-up left pending: settle it with a processor callback");
    });
}

async fn current(state: &AppState, account_id: &str, id: &str) -> ApiResult<Transaction> {
    let mut conn = state.db.pool.acquire().await?;
    rows::get(&mut conn, account_id, id)
        .await?
        .ok_or_else(|| ApiError::internal(format!("top-up {id} has no history row")))
}

/// What a top-up's request answers, by the state of its history row.
fn answer_for(transaction: &Transaction) -> Answer {
    match transaction.status {
        TransactionStatus::Completed => Answer::new(StatusCode::CREATED, transaction),
        TransactionStatus::Pending => Answer::new(StatusCode::ACCEPTED, transaction),
        TransactionStatus::Declined => Answer::error(&card_declined()),
    }
}

/// Settles the pending top-up `reference` once: the first call moves the money (or gives the
/// limit back), mails the customer, stores the request's answer when `claim` is given, and
/// returns that answer; any later call finds it settled and returns `None`.
pub async fn settle(
    state: &AppState,
    reference: &str,
    outcome: SettlementOutcome,
    claim: Option<&Claim>,
) -> ApiResult<Option<Answer>> {
    let now = crate::clock::now();
    let status = match outcome {
        SettlementOutcome::Approved => TransactionStatus::Completed,
        SettlementOutcome::Declined => TransactionStatus::Declined,
    };
    let settled = ledger::retrying(|| async move {
        let mut tx = state.db.pool.begin().await?;
        // The one statement that decides who settles: a duplicate waits, then finds nothing.
        let row: Option<(String, String, i64, String, i64)> = sqlx::query_as(
            "UPDATE top_ups SET status = $1, settled_at = $2 WHERE id = $3 AND status = 'pending'
             RETURNING account_id, card_id, amount_minor, currency, limit_day",
        )
        .bind(rows::status_str(status))
        .bind(now)
        .bind(reference)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((account_id, card_id, amount, currency, limit_day)) = row else {
            return Ok(None);
        };
        let currency = ledger::parse_currency(&currency)
            .ok_or_else(|| ApiError::internal(format!("top-up {reference}: currency {currency}")))?;
        match outcome {
            SettlementOutcome::Approved => {
                let wallet = ledger::account(&mut tx, WALLET, &account_id, currency).await?;
                let clearing =
                    ledger::account(&mut tx, CARD_CLEARING, SYSTEM_OWNER, currency).await?;
                let legs = [
                    Leg {
                        account_id: clearing,
                        amount_minor: -amount,
                    },
                    Leg {
                        account_id: wallet,
                        amount_minor: amount,
                    },
                ];
                let hash = idempotency::request_hash(
                    "top_up_settlement",
                    &(reference, amount, ledger::currency_code(currency)),
                );
                let posted = ledger::post(
                    &mut tx,
                    state.db.backend,
                    &Entry {
                        kind: "top_up",
                        scope: "top_up",
                        key: reference,
                        request_hash: &hash,
                        currency,
                        legs: &legs,
                        at: now,
                    },
                )
                .await?;
                sqlx::query(
                    "UPDATE wallet_transactions SET status = 'completed', entry_id = $1 WHERE id = $2",
                )
                .bind(posted.entry_id())
                .bind(reference)
                .execute(&mut *tx)
                .await?;
            }
            SettlementOutcome::Declined => {
                sqlx::query("UPDATE wallet_transactions SET status = 'declined' WHERE id = $1")
                    .bind(reference)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "UPDATE top_up_usage SET used_minor = used_minor - $1 WHERE account_id = $2 AND day = $3",
                )
                .bind(amount)
                .bind(&account_id)
                .bind(limit_day)
                .execute(&mut *tx)
                .await?;
            }
        }
        let (email, locale): (String, String) =
            sqlx::query_as("SELECT email, locale FROM accounts WHERE id = $1")
                .bind(&account_id)
                .fetch_one(&mut *tx)
                .await?;
        let (brand, last4): (String, String) =
            sqlx::query_as("SELECT brand, last4 FROM cards WHERE id = $1")
                .bind(&card_id)
                .fetch_one(&mut *tx)
                .await?;
        let locale = Locale::from_tag(&locale).unwrap_or_default();
        let money = Money {
            minor: amount,
            currency,
        };
        let link = format!("{}/wallet", state.config.public_url.base);
        let template = match outcome {
            SettlementOutcome::Approved => mails::top_up_completed,
            SettlementOutcome::Declined => mails::top_up_declined,
        };
        let mail = template(locale, &email, money, brand_label(&brand), &last4, &link);
        state.outbox.queue(&mut tx, &mail).await?;
        let transaction = rows::get(&mut tx, &account_id, reference)
            .await?
            .ok_or_else(|| ApiError::internal(format!("top-up {reference} has no history row")))?;
        let mut answer = answer_for(&transaction);
        if let Some(claim) = claim {
            claim.answer_in(&mut tx, answer.status, &answer.body).await?;
            answer = answer.stored();
        }
        tx.commit().await?;
        Ok(Some(answer))
    })
    .await?;
    if settled.is_some() {
        state.outbox.wake();
    }
    Ok(settled)
}

fn signature_invalid() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        ErrorCode::SignatureInvalid,
        "The callback is not signed with the processor's key, or the signature is too old.",
    )
}

/// The card processor's settlement of a charge that timed out. Signed with HMAC-SHA256 in the
/// `Processor-Signature` header (`t=<unix seconds>,v1=<hex>`, over `<t>.<body>`, with a key
/// derived from `PORTAL_SECRET_KEY`); the same callback twice settles once.
#[utoipa::path(post, path = "/api/processor/callback", operation_id = "processor_callback", tag = "processor",
    params(("Processor-Signature" = String, Header, description = "`t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<body>\">`")),
    request_body = Settlement,
    responses(
        (status = 200, description = "`settled`, or `already_settled` for a repeated callback (nothing changed)", body = StatusResponse),
        (status = 400, description = "Signed, but not a settlement (`invalid_json`)", body = ErrorBody),
        (status = 401, description = "Unsigned, badly signed or stale (`signature_invalid`); nothing changed", body = ErrorBody),
        (status = 404, description = "No top-up has this reference (`not_found`)", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
    ))]
pub async fn processor_callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<axum::Json<StatusResponse>> {
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::PayloadTooLarge,
                "The body is too large.",
            )
        } else {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::InvalidJson,
                "The body could not be read.",
            )
        }
    })?;
    let signature = headers
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !verify_callback(&state.secret_key, signature, &body, crate::clock::now()) {
        return Err(signature_invalid());
    }
    let settlement: Settlement = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidJson,
            format!("Not a settlement: {e}"),
        )
    })?;
    let known: Option<(String,)> = if crate::db::codec::could_be_id(&settlement.reference) {
        sqlx::query_as("SELECT id FROM top_ups WHERE id = $1")
            .bind(&settlement.reference)
            .fetch_optional(&state.db.pool)
            .await?
    } else {
        None
    };
    if known.is_none() {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            "No top-up has this reference.",
        ));
    }
    let settled = settle(&state, &settlement.reference, settlement.outcome, None).await?;
    Ok(axum::Json(StatusResponse {
        status: if settled.is_some() {
            "settled"
        } else {
            "already_settled"
        }
        .into(),
    }))
}

/// Applies the settlements a processor delivers in-process (the simulated one) as they come.
pub fn start_settlements(
    state: AppState,
    mut settlements: tokio::sync::mpsc::UnboundedReceiver<Settlement>,
) {
    tokio::spawn(async move {
        while let Some(s) = settlements.recv().await {
            match settle(&state, &s.reference, s.outcome, None).await {
                Ok(Some(_)) => {
                    tracing::info!(reference = %s.reference, outcome = ?s.outcome, "top-up settled")
                }
                Ok(None) => tracing::info!(reference = %s.reference, "repeated settlement ignored"),
                Err(e) => tracing::warn!(reference = %s.reference, error = ?e, "settlement failed"),
            }
        }
    });
}
