//! Proving an email address: a single-use link, valid for a day, stored hashed.

use crate::http::error::ApiResult;
use crate::mail::{templates, Outbox};
use crate::token;
use crate::AppState;
use portal_api::dto::Locale;

const VALID_SECS: i64 = 24 * 60 * 60;

/// Issues a new link for the account's current address (voiding any earlier unused one) and
/// queues the mail, inside the caller's transaction.
pub async fn issue(
    state: &AppState,
    conn: &mut sqlx::AnyConnection,
    account_id: &str,
    email: &str,
    locale: Locale,
) -> ApiResult<()> {
    let t = token::new();
    let now = crate::clock::now();
    sqlx::query("DELETE FROM email_verifications WHERE account_id = $1 AND used_at IS NULL")
        .bind(account_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO email_verifications (token_hash, account_id, email_key, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&t.hash)
    .bind(account_id)
    .bind(email.to_lowercase())
    .bind(now)
    .bind(now + VALID_SECS)
    .execute(&mut *conn)
    .await?;
    let link = format!(
        "{}/verify-email?token={}",
        state.config.public_url.base, t.secret
    );
    Outbox::queue(
        &state.outbox,
        conn,
        &templates::verify_email(locale, email, &link),
    )
    .await?;
    Ok(())
}

/// Uses up a token and marks its address verified. False when the token is unknown, used,
/// expired, or was for an address the account no longer has: one answer for all.
pub async fn consume(state: &AppState, secret: &str) -> ApiResult<bool> {
    let now = crate::clock::now();
    let mut tx = state.db.pool.begin().await?;
    let row: Option<(String, String)> = sqlx::query_as(
        "UPDATE email_verifications SET used_at = $1
         WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1
         RETURNING account_id, email_key",
    )
    .bind(now)
    .bind(token::hash(secret))
    .fetch_optional(&mut *tx)
    .await?;
    let Some((account_id, email_key)) = row else {
        return Ok(false);
    };
    let verified = super::accounts::mark_verified(&mut *tx, &account_id, &email_key, now).await?;
    tx.commit().await?;
    Ok(verified)
}
