//! The record of sign-in attempts on each account, kept 90 days for the customer's own sign-in
//! history (docs/threat-model.md#t15): a wave of wrong passwords or mailed codes asked for from
//! strangers' browsers shows to the customer, not only to support. Attempts at addresses that
//! have no account are not recorded: there is nobody to show them to.

use crate::db::Db;
use crate::http::client::Client;
use portal_api::dto::SignInOutcome;

/// How long attempts are kept and shown.
pub const KEPT_SECS: i64 = 90 * 24 * 60 * 60;

/// The longest user agent kept; the rest says nothing a person reads.
const USER_AGENT_CHARS: usize = 512;

/// One attempt, stamped when it was made.
struct Attempt {
    /// Ordered by time (microseconds, then randomness), so attempts within one second list in
    /// the order they were made.
    id: String,
    at: i64,
    account_id: String,
    outcome: SignInOutcome,
    address: String,
    user_agent: Option<String>,
}

impl Attempt {
    fn now(account_id: &str, outcome: SignInOutcome, client: &Client) -> Self {
        let random = crate::token::id();
        Attempt {
            id: format!("{:016x}{}", crate::clock::now_micros(), &random[..16]),
            at: crate::clock::now(),
            account_id: account_id.to_owned(),
            outcome,
            address: client.ip.to_string(),
            user_agent: client
                .user_agent
                .as_deref()
                .map(|ua| ua.chars().take(USER_AGENT_CHARS).collect()),
        }
    }

    /// A note that cannot be written is logged, never the sign-in's failure.
    async fn store(self, db: &Db) {
        let result = sqlx::query(
            "INSERT INTO sign_in_attempts (id, account_id, at, outcome, address, user_agent)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&self.id)
        .bind(&self.account_id)
        .bind(self.at)
        .bind(crate::db::codec::enum_str(&self.outcome))
        .bind(&self.address)
        .bind(&self.user_agent)
        .execute(&db.pool)
        .await;
        if let Err(e) = result {
            tracing::error!(error = %e, account = %self.account_id, "a sign-in attempt could not be recorded");
        }
    }
}

/// Notes one attempt at `account_id` now.
pub async fn record(db: &Db, account_id: &str, outcome: SignInOutcome, client: &Client) {
    Attempt::now(account_id, outcome, client).store(db).await;
}

/// [`record`] without waiting for the write (stamped now all the same): for a wrong password,
/// whose answer must take as long whether or not the address has an account.
pub fn record_later(db: &Db, account_id: &str, outcome: SignInOutcome, client: &Client) {
    let (db, attempt) = (db.clone(), Attempt::now(account_id, outcome, client));
    tokio::spawn(async move { attempt.store(&db).await });
}

/// One page of `account_id`'s attempts since `since`, newest first, after `before` (the last
/// row of the previous page): up to `limit` rows of (id, at, outcome, address, user agent).
pub async fn page(
    db: &Db,
    account_id: &str,
    since: i64,
    before: Option<&crate::db::cursor::Key>,
    limit: i64,
) -> Result<Vec<(String, i64, String, String, Option<String>)>, sqlx::Error> {
    // The first page starts after the end of time.
    let (before_at, before_id) = match before {
        Some(key) => (key.created_at, key.id.clone()),
        None => (i64::MAX, String::new()),
    };
    sqlx::query_as(
        "SELECT id, at, outcome, address, user_agent FROM sign_in_attempts
         WHERE account_id = $1 AND at >= $2
           AND (at < $3 OR (at = $3 AND id < $4))
         ORDER BY at DESC, id DESC LIMIT $5",
    )
    .bind(account_id)
    .bind(since)
    .bind(before_at)
    .bind(before_id)
    .bind(limit)
    .fetch_all(&db.pool)
    .await
}

/// Deletes what is older than [`KEPT_SECS`] (the maintenance sweep).
pub async fn sweep(db: &Db, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sign_in_attempts WHERE at < $1")
        .bind(now - KEPT_SECS)
        .execute(&db.pool)
        .await?;
    Ok(())
}
