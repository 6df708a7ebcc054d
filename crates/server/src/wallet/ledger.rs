//! The ledger: an append-only double-entry journal in integer minor units.
//!
//! Money is never stored as a balance that code edits. Every movement is one journal entry whose
//! legs (postings) sum to zero per currency; an account's balance is the `balance_after` of its
//! last posting. Each account numbers its postings 1, 2, 3, ... (`seq`), and `(account, seq)` is
//! the primary key: two writers that read the same balance both try to append the same `seq`, and
//! the store lets only one of them in. The loser's transaction fails, and [`retrying`] runs it
//! again from a fresh read, a bounded number of times, then answers a clean 503.
//!
//! So that hot accounts (a busy merchant, the card clearing account) do not turn every payment
//! into a race, [`post`] first locks the accounts it touches, in a fixed order: on PostgreSQL with
//! `SELECT ... FOR UPDATE`, on SQLite with a write, which takes the database's write lock (a
//! SQLite transaction that reads first and writes later fails with `SQLITE_BUSY` when another
//! writer committed in between; that error is retried like a lost race). The `seq` key stays
//! the guarantee: it holds even for a writer that did not lock.

use crate::db::{Backend, Db};
use crate::http::error::{ApiError, ApiResult};
use axum::http::StatusCode;
use portal_api::error::ErrorCode;
use portal_api::money::Currency;
use sqlx::AnyConnection;
use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

/// A customer's wallet: never below zero.
pub const WALLET: &str = "wallet";
/// The card network's side of top-ups (one per currency, owner [`SYSTEM_OWNER`]); goes negative
/// as money comes in from cards.
pub const CARD_CLEARING: &str = "card_clearing";
/// What a merchant has been paid (one per merchant and currency).
pub const MERCHANT: &str = "merchant";
/// What support refunds customers from (one per currency, owner [`SYSTEM_OWNER`]): the
/// company's cost until it is recovered; goes negative as refunds are paid.
pub const SUPPORT_REFUNDS: &str = "support_refunds";
/// The owner of system accounts, so the unique index on (kind, owner, currency) holds for them.
pub const SYSTEM_OWNER: &str = "system";

/// How many times a transaction that lost a race (or found the store busy) is run again.
pub const ATTEMPTS: u32 = 8;

/// The ISO 4217 code as stored.
pub fn currency_code(c: Currency) -> &'static str {
    match c {
        Currency::JPY => "JPY",
        Currency::USD => "USD",
        Currency::EUR => "EUR",
    }
}

pub fn parse_currency(code: &str) -> Option<Currency> {
    match code {
        "JPY" => Some(Currency::JPY),
        "USD" => Some(Currency::USD),
        "EUR" => Some(Currency::EUR),
        _ => None,
    }
}

/// The id of the ledger account of this kind, owner and currency, made on first use.
pub async fn account(
    conn: &mut AnyConnection,
    kind: &str,
    owner_id: &str,
    currency: Currency,
) -> Result<String, sqlx::Error> {
    if let Some(id) = find_account(&mut *conn, kind, owner_id, currency).await? {
        return Ok(id);
    }
    // Two first uses at once: the unique index lets one insert in, the other does nothing and
    // reads the winner's row.
    sqlx::query(
        "INSERT INTO ledger_accounts (id, kind, owner_id, currency, created_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (kind, owner_id, currency) DO NOTHING",
    )
    .bind(crate::token::id())
    .bind(kind)
    .bind(owner_id)
    .bind(currency_code(currency))
    .bind(crate::clock::now())
    .execute(&mut *conn)
    .await?;
    find_account(conn, kind, owner_id, currency)
        .await?
        .ok_or(sqlx::Error::RowNotFound)
}

/// [`account`] on a connection of its own (outside any money transaction), retried when busy.
pub async fn account_in(
    db: &Db,
    kind: &str,
    owner_id: &str,
    currency: Currency,
) -> ApiResult<String> {
    retrying(|| async move {
        let mut conn = db.pool.acquire().await?;
        Ok(account(&mut conn, kind, owner_id, currency).await?)
    })
    .await
}

/// The id of an existing ledger account, if there is one.
pub async fn find_account(
    conn: &mut AnyConnection,
    kind: &str,
    owner_id: &str,
    currency: Currency,
) -> Result<Option<String>, sqlx::Error> {
    let row: Option<(String,)> = sqlx::query_as(
        "SELECT id FROM ledger_accounts WHERE kind = $1 AND owner_id = $2 AND currency = $3",
    )
    .bind(kind)
    .bind(owner_id)
    .bind(currency_code(currency))
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(id,)| id))
}

/// The account's balance: its last posting's `balance_after`, 0 before any.
pub async fn balance(conn: &mut AnyConnection, account_id: &str) -> Result<i64, sqlx::Error> {
    Ok(head(conn, account_id).await?.1)
}

/// The last `seq` and `balance_after` of the account, `(0, 0)` before any posting.
pub async fn head(conn: &mut AnyConnection, account_id: &str) -> Result<(i64, i64), sqlx::Error> {
    let row: Option<(i64, i64)> = sqlx::query_as(
        "SELECT seq, balance_after FROM postings WHERE ledger_account_id = $1
         ORDER BY seq DESC LIMIT 1",
    )
    .bind(account_id)
    .fetch_optional(conn)
    .await?;
    Ok(row.unwrap_or((0, 0)))
}

/// One leg of an entry: money into (positive) or out of (negative) an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leg {
    pub account_id: String,
    pub amount_minor: i64,
}

/// A movement of money to post.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    /// What moved the money, e.g. `top_up`, `payment`, `refund`.
    pub kind: &'a str,
    /// The entry's idempotency: one entry per (scope, key), ever.
    pub scope: &'a str,
    pub key: &'a str,
    /// SHA-256 of the request; the same (scope, key) for another request is refused.
    pub request_hash: &'a str,
    /// Every leg is in this currency.
    pub currency: Currency,
    pub legs: &'a [Leg],
    /// Seconds since the epoch (the present, except for imported or demo history).
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Posted {
    /// A new entry with this id.
    New(String),
    /// The (scope, key) had an entry for the same request already: nothing moved.
    Existing(String),
}

impl Posted {
    pub fn entry_id(&self) -> &str {
        match self {
            Posted::New(id) | Posted::Existing(id) => id,
        }
    }
}

#[derive(Debug)]
pub enum PostError {
    /// Not a valid entry (fewer than two legs, a zero leg, an account twice, legs that do not
    /// sum to zero, an amount that overflows): a mistake of the caller.
    Invalid(&'static str),
    /// A leg's account does not exist or holds another currency.
    Currency,
    /// The wallet would go below zero.
    InsufficientFunds {
        account_id: String,
    },
    /// Money would leave a wallet that a fraud report froze.
    Frozen,
    /// The (scope, key) has an entry for a different request.
    KeyReused,
    Db(sqlx::Error),
}

impl From<sqlx::Error> for PostError {
    fn from(e: sqlx::Error) -> Self {
        PostError::Db(e)
    }
}

impl std::fmt::Display for PostError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PostError::Invalid(why) => write!(f, "invalid entry: {why}"),
            PostError::Currency => f.write_str("an account of another currency"),
            PostError::InsufficientFunds { account_id } => {
                write!(f, "insufficient funds in {account_id}")
            }
            PostError::Frozen => f.write_str("money out of a frozen wallet"),
            PostError::KeyReused => f.write_str("idempotency key used for another request"),
            PostError::Db(e) => write!(f, "store: {e}"),
        }
    }
}

/// Checks what can be checked without the store: at least two legs, none zero, no account twice,
/// and a sum of zero (in `i128`, so no leg can overflow it).
pub fn check_legs(legs: &[Leg]) -> Result<(), PostError> {
    if legs.len() < 2 {
        return Err(PostError::Invalid("fewer than two legs"));
    }
    if legs.iter().any(|l| l.amount_minor == 0) {
        return Err(PostError::Invalid("a leg of zero"));
    }
    let mut seen: Vec<&str> = legs.iter().map(|l| l.account_id.as_str()).collect();
    seen.sort_unstable();
    seen.dedup();
    if seen.len() != legs.len() {
        return Err(PostError::Invalid("an account twice"));
    }
    if legs
        .iter()
        .map(|l| i128::from(l.amount_minor))
        .sum::<i128>()
        != 0
    {
        return Err(PostError::Invalid("legs do not sum to zero"));
    }
    Ok(())
}

/// Posts `entry` in the caller's transaction: locks the accounts, refuses a wallet going below
/// zero, and appends one posting per leg with the next `seq` and the new balance. The caller
/// commits (with whatever else belongs to the same movement, such as the history row) and runs
/// the whole transaction in [`retrying`].
///
/// On SQLite, call this before any read in the transaction, or begin the transaction with a write.
pub async fn post(
    conn: &mut AnyConnection,
    backend: Backend,
    entry: &Entry<'_>,
) -> Result<Posted, PostError> {
    check_legs(entry.legs)?;
    let mut legs: Vec<&Leg> = entry.legs.iter().collect();
    // One order for every writer, so two entries never wait for each other's locks.
    legs.sort_by(|a, b| a.account_id.cmp(&b.account_id));
    let mut kinds = Vec::with_capacity(legs.len());
    for leg in &legs {
        let (kind, currency, owner) = lock(&mut *conn, backend, &leg.account_id)
            .await?
            .ok_or(PostError::Currency)?;
        if parse_currency(&currency) != Some(entry.currency) {
            return Err(PostError::Currency);
        }
        // Checked under the wallet's lock: a report freezing the wallet takes the same lock, so
        // no payment slips between the freeze and its snapshot.
        if kind == WALLET
            && leg.amount_minor < 0
            && super::freeze::active(&mut *conn, &owner).await?.is_some()
        {
            return Err(PostError::Frozen);
        }
        kinds.push(kind);
    }
    let existing: Option<(String, String)> = sqlx::query_as(
        "SELECT id, request_hash FROM journal_entries
         WHERE idempotency_scope = $1 AND idempotency_key = $2",
    )
    .bind(entry.scope)
    .bind(entry.key)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some((id, hash)) = existing {
        return if hash == entry.request_hash {
            Ok(Posted::Existing(id))
        } else {
            Err(PostError::KeyReused)
        };
    }
    let mut next = Vec::with_capacity(legs.len());
    for (leg, kind) in legs.iter().zip(&kinds) {
        let (seq, balance) = head(&mut *conn, &leg.account_id).await?;
        let after = balance
            .checked_add(leg.amount_minor)
            .ok_or(PostError::Invalid("balance overflows"))?;
        if kind == WALLET && after < 0 {
            return Err(PostError::InsufficientFunds {
                account_id: leg.account_id.clone(),
            });
        }
        next.push((seq + 1, after));
    }
    let entry_id = crate::token::id();
    sqlx::query(
        "INSERT INTO journal_entries (id, kind, idempotency_scope, idempotency_key, request_hash, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&entry_id)
    .bind(entry.kind)
    .bind(entry.scope)
    .bind(entry.key)
    .bind(entry.request_hash)
    .bind(entry.at)
    .execute(&mut *conn)
    .await?;
    for (leg, (seq, after)) in legs.iter().zip(next) {
        sqlx::query(
            "INSERT INTO postings (ledger_account_id, seq, entry_id, amount_minor, currency, balance_after, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&leg.account_id)
        .bind(seq)
        .bind(&entry_id)
        .bind(leg.amount_minor)
        .bind(currency_code(entry.currency))
        .bind(after)
        .bind(entry.at)
        .execute(&mut *conn)
        .await?;
    }
    Ok(Posted::New(entry_id))
}

/// Locks one account for the rest of the transaction and answers its kind, currency and owner.
pub async fn lock(
    conn: &mut AnyConnection,
    backend: Backend,
    account_id: &str,
) -> Result<Option<(String, String, String)>, sqlx::Error> {
    let sql = match backend {
        Backend::Postgres => {
            "SELECT kind, currency, owner_id FROM ledger_accounts WHERE id = $1 FOR UPDATE"
        }
        // A write takes SQLite's one write lock (waiting for it under busy_timeout) before the
        // balances are read, so nothing can commit between the read and the append.
        Backend::Sqlite => {
            "UPDATE ledger_accounts SET created_at = created_at WHERE id = $1 RETURNING kind, currency, owner_id"
        }
    };
    sqlx::query_as(sql)
        .bind(account_id)
        .fetch_optional(conn)
        .await
}

/// A money transaction's failure: a store error (retried when it is a lost race or a busy store)
/// or an answer for the client (never retried).
#[derive(Debug)]
pub enum TxError {
    Db(sqlx::Error),
    Api(ApiError),
}

impl From<sqlx::Error> for TxError {
    fn from(e: sqlx::Error) -> Self {
        TxError::Db(e)
    }
}

impl From<ApiError> for TxError {
    fn from(e: ApiError) -> Self {
        TxError::Api(e)
    }
}

impl From<PostError> for TxError {
    fn from(e: PostError) -> Self {
        match e {
            PostError::Db(e) => TxError::Db(e),
            PostError::InsufficientFunds { .. } => TxError::Api(insufficient_funds()),
            PostError::KeyReused => TxError::Api(super::idempotency::key_reused()),
            PostError::Frozen => TxError::Api(super::freeze::frozen()),
            other => TxError::Api(ApiError::internal(other)),
        }
    }
}

pub fn insufficient_funds() -> ApiError {
    ApiError {
        field: Some("amount"),
        ..ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InsufficientFunds,
            "The wallet does not hold enough money for this payment.",
        )
    }
}

/// Whether `e` means "another transaction got there first" or "the store is busy": the
/// transaction changed nothing and may simply be run again.
///
/// - a unique violation: two writers appended the same (account, seq), or two requests made the
///   same idempotent row;
/// - PostgreSQL `40001` (serialization failure) and `40P01` (deadlock detected);
/// - SQLite `SQLITE_BUSY` and `SQLITE_LOCKED` with their extended codes (sqlx reports extended
///   codes): a deferred transaction that read and then tried to write after another connection
///   committed gets `SQLITE_BUSY_SNAPSHOT` at once, busy_timeout or not.
pub fn is_contention(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => {
            if db.kind() == sqlx::error::ErrorKind::UniqueViolation {
                return true;
            }
            let Some(code) = db.code() else { return false };
            if code == "40001" || code == "40P01" {
                return true;
            }
            matches!(code.parse::<i32>(), Ok(n) if n & 0xff == 5 || n & 0xff == 6)
        }
        _ => false,
    }
}

/// The answer when a transaction kept losing races: nothing moved, try again shortly.
pub fn busy() -> ApiError {
    ApiError {
        retry_after: Some(1),
        ..ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::ServiceUnavailable,
            "The wallet is busy. Nothing was changed; try again in a moment.",
        )
    }
}

/// Runs a money transaction (`attempt` begins, works and commits it) until it neither loses a
/// race nor finds the store busy, at most [`ATTEMPTS`] times with a short random pause between;
/// then answers 503 (nothing moved). Other store errors are 500s; client answers pass through.
pub async fn retrying<T, F, Fut>(mut attempt: F) -> ApiResult<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, TxError>>,
{
    for n in 0..ATTEMPTS {
        match attempt().await {
            Ok(value) => return Ok(value),
            Err(TxError::Api(e)) => return Err(e),
            // Every connection busy for the whole acquire timeout: waiting longer helps no one.
            Err(TxError::Db(sqlx::Error::PoolTimedOut)) => return Err(busy()),
            Err(TxError::Db(e)) if is_contention(&e) => {
                tracing::debug!(attempt = n + 1, error = %e, "money transaction lost a race; retrying");
                let ceiling = 5u64 << n.min(5);
                let pause = rand::Rng::gen_range(&mut rand::thread_rng(), 1..=ceiling);
                tokio::time::sleep(Duration::from_millis(pause)).await;
            }
            Err(TxError::Db(e)) => return Err(ApiError::internal(e)),
        }
    }
    tracing::warn!("money transaction kept losing races; answered busy");
    Err(busy())
}

/// What [`verify`] found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Verification {
    pub entries: u64,
    pub postings: u64,
    pub accounts: u64,
    /// Every account's balance, recomputed by summing its postings.
    pub balances: BTreeMap<String, i64>,
    /// Human-readable descriptions of everything that does not add up; empty when all is well.
    pub mismatches: Vec<String>,
}

/// Replays the whole journal and checks it: every entry has two or more postings in one currency
/// that sum to zero; every account's postings are numbered 1, 2, 3, ... without gaps, each
/// `balance_after` is the running sum of the amounts, every posting is in its account's currency,
/// and no wallet is ever below zero.
pub async fn verify(db: &Db) -> Result<Verification, sqlx::Error> {
    let mut report = Verification::default();
    let entries: Vec<(String, Option<i64>, i64, i64)> = sqlx::query_as(
        "SELECT e.id, CAST(SUM(p.amount_minor) AS BIGINT), COUNT(p.entry_id),
                COUNT(DISTINCT p.currency)
         FROM journal_entries e LEFT JOIN postings p ON p.entry_id = e.id
         GROUP BY e.id",
    )
    .fetch_all(&db.pool)
    .await?;
    for (id, sum, count, currencies) in entries {
        report.entries += 1;
        if count < 2 {
            report
                .mismatches
                .push(format!("entry {id} has {count} posting(s)"));
        }
        if currencies > 1 {
            report
                .mismatches
                .push(format!("entry {id} mixes {currencies} currencies"));
        }
        if sum.unwrap_or(0) != 0 {
            report.mismatches.push(format!(
                "entry {id} sums to {} instead of 0",
                sum.unwrap_or(0)
            ));
        }
    }
    let accounts: Vec<(String, String, String)> =
        sqlx::query_as("SELECT id, kind, currency FROM ledger_accounts ORDER BY id")
            .fetch_all(&db.pool)
            .await?;
    for (account_id, kind, currency) in accounts {
        report.accounts += 1;
        let mut expected_seq = 1i64;
        let mut running = 0i64;
        let mut after_seq = 0i64;
        loop {
            let page: Vec<(i64, i64, String, i64)> = sqlx::query_as(
                "SELECT seq, amount_minor, currency, balance_after FROM postings
                 WHERE ledger_account_id = $1 AND seq > $2 ORDER BY seq LIMIT 5000",
            )
            .bind(&account_id)
            .bind(after_seq)
            .fetch_all(&db.pool)
            .await?;
            let Some(last) = page.last() else { break };
            after_seq = last.0;
            for (seq, amount, posting_currency, balance_after) in page {
                report.postings += 1;
                if seq != expected_seq {
                    report.mismatches.push(format!(
                        "account {account_id}: posting seq {seq} where {expected_seq} was due"
                    ));
                    expected_seq = seq;
                }
                expected_seq += 1;
                if posting_currency != currency {
                    report.mismatches.push(format!(
                        "account {account_id} ({currency}): posting {seq} in {posting_currency}"
                    ));
                }
                running = match running.checked_add(amount) {
                    Some(r) => r,
                    None => {
                        report
                            .mismatches
                            .push(format!("account {account_id}: overflow at posting {seq}"));
                        balance_after
                    }
                };
                if running != balance_after {
                    report.mismatches.push(format!(
                        "account {account_id}: posting {seq} says balance {balance_after}, the sum is {running}"
                    ));
                    running = balance_after;
                }
                if kind == WALLET && running < 0 {
                    report.mismatches.push(format!(
                        "wallet {account_id} is {running} after posting {seq}"
                    ));
                }
            }
        }
        report.balances.insert(account_id, running);
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leg(account: &str, amount: i64) -> Leg {
        Leg {
            account_id: account.to_owned(),
            amount_minor: amount,
        }
    }

    #[test]
    fn legs_must_balance_and_be_distinct() {
        assert!(check_legs(&[leg("a", -5), leg("b", 5)]).is_ok());
        assert!(check_legs(&[leg("a", -5), leg("b", 3), leg("c", 2)]).is_ok());
        for bad in [
            vec![],
            vec![leg("a", 0), leg("b", 0)],
            vec![leg("a", 5)],
            vec![leg("a", -5), leg("b", 4)],
            vec![leg("a", -5), leg("a", 5)],
            vec![leg("a", i64::MAX), leg("b", i64::MAX), leg("c", i64::MIN)],
        ] {
            assert!(
                matches!(check_legs(&bad), Err(PostError::Invalid(_))),
                "{bad:?}"
            );
        }
        // Sums that would overflow an i64 along the way still add up exactly.
        assert!(check_legs(&[
            leg("a", i64::MAX),
            leg("b", i64::MAX),
            leg("c", -i64::MAX),
            leg("d", -i64::MAX)
        ])
        .is_ok());
    }

    #[test]
    fn currencies_round_trip() {
        for c in [Currency::JPY, Currency::USD, Currency::EUR] {
            assert_eq!(parse_currency(currency_code(c)), Some(c));
        }
        assert_eq!(parse_currency("jpy"), None);
    }
}
