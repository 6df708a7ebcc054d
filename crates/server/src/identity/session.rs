//! Sessions: an opaque token in an `HttpOnly`, `SameSite=Strict` cookie, stored hashed, with
//! an idle and an absolute expiry.

use super::accounts::{self, Account};
use crate::http::client::Client;
use crate::http::error::{ApiError, ApiResult};
use crate::token;
use crate::AppState;
use axum::extract::FromRequestParts;
use axum::http::{header, request::Parts, HeaderMap, HeaderValue};

/// Sessions seen more recently than this are not written again on every request.
const TOUCH_AFTER_SECS: i64 = 60;

/// The `__Host-` prefix makes the browser refuse the cookie unless it is `Secure`, host-only
/// and `Path=/`; plain-HTTP localhost cannot have it.
pub fn cookie_name(state: &AppState) -> &'static str {
    if state.config.public_url.https {
        "__Host-session"
    } else {
        "session"
    }
}

pub async fn create(state: &AppState, account_id: &str, client: &Client) -> ApiResult<HeaderValue> {
    let t = token::new();
    let now = crate::clock::now();
    let lifetime = lifetime(state, account_id).await?;
    let expires = now + lifetime.as_secs() as i64;
    sqlx::query(
        "INSERT INTO sessions (id, token_hash, account_id, created_at, last_seen_at, expires_at, user_agent, ip)
         VALUES ($1, $2, $3, $4, $4, $5, $6, $7)",
    )
    .bind(token::id())
    .bind(&t.hash)
    .bind(account_id)
    .bind(now)
    .bind(expires)
    .bind(client.user_agent.as_deref())
    .bind(client.ip.to_string())
    .execute(&state.db.pool)
    .await?;
    Ok(set_cookie(state, &t.secret, lifetime.as_secs()))
}

/// How long a new session of this account lasts at most: agents' and admins' sessions end sooner
/// (they open every customer's data).
async fn lifetime(state: &AppState, account_id: &str) -> ApiResult<std::time::Duration> {
    let customer = state.config.session_absolute;
    Ok(match accounts::role(&state.db, account_id).await? {
        Some(role) if role.is_staff() => customer.min(state.config.support.session_absolute),
        _ => customer,
    })
}

/// How long a session of this role may go without a request.
pub fn idle_limit(state: &AppState, role: portal_api::agent::Role) -> std::time::Duration {
    let customer = state.config.session_idle;
    if role.is_staff() {
        customer.min(state.config.support.session_idle)
    } else {
        customer
    }
}

pub fn clear_cookie(state: &AppState) -> HeaderValue {
    set_cookie(state, "", 0)
}

fn set_cookie(state: &AppState, value: &str, max_age: u64) -> HeaderValue {
    cookie(state, cookie_name(state), value, max_age)
}

/// A host-only, `HttpOnly`, `SameSite=Strict` cookie for the whole site, `Secure` on https.
pub fn cookie(state: &AppState, name: &str, value: &str, max_age: u64) -> HeaderValue {
    let secure = if state.config.public_url.https {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    ))
    .expect("cookie of token characters")
}

/// The value of the cookie `name` in the request, if any and not empty.
pub fn token_from(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, v)| *k == name && !v.is_empty())
        .map(|(_, v)| v.to_owned())
}

pub async fn delete(state: &AppState, headers: &HeaderMap) -> ApiResult<()> {
    if let Some(secret) = token_from(headers, cookie_name(state)) {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token::hash(&secret))
            .execute(&state.db.pool)
            .await?;
    }
    Ok(())
}

/// Ends every session of the account except `keep` (the one that made the change), in the
/// caller's transaction. Called after every change to what proves the account (password, two-step
/// verification, email address): a browser signed in before the change must prove itself again.
pub async fn end_others(
    conn: &mut sqlx::AnyConnection,
    account_id: &str,
    keep: Option<&str>,
) -> ApiResult<()> {
    sqlx::query("DELETE FROM sessions WHERE account_id = $1 AND (id IS NULL OR id <> $2)")
        .bind(account_id)
        .bind(keep.unwrap_or(""))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The public id of the account's session that came with this request, if one did: for a
/// change made from a link, which needs no session, but keeps the one it was opened in.
pub async fn id_in_request(
    conn: &mut sqlx::AnyConnection,
    state: &AppState,
    headers: &HeaderMap,
    account_id: &str,
) -> ApiResult<Option<String>> {
    let Some(secret) = token_from(headers, cookie_name(state)) else {
        return Ok(None);
    };
    let row: Option<(String,)> =
        sqlx::query_as("SELECT id FROM sessions WHERE token_hash = $1 AND account_id = $2")
            .bind(token::hash(&secret))
            .bind(account_id)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(row.map(|(id,)| id))
}

/// Notes that session `id` stepped up at `now` with `factor` (`second_factor` or `password`), in
/// the caller's transaction.
pub async fn mark_stepped_up(
    conn: &mut sqlx::AnyConnection,
    id: &str,
    now: i64,
    factor: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET stepped_up_at = $1, step_up_factor = $2 WHERE id = $3")
        .bind(now)
        .bind(factor)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The signed-in customer; extracting it answers 401 `not_signed_in` when there is none.
pub struct SignedIn {
    pub account: Account,
    /// The public id of the session this request came with.
    pub session_id: String,
    /// When this session last stepped up (`step_up`), if ever.
    pub stepped_up_at: Option<i64>,
    /// What that step-up was made with: `second_factor` or `password`.
    pub step_up_factor: Option<String>,
}

impl SignedIn {
    /// Until when this session may make sensitive changes without stepping up again.
    pub fn step_up_until(&self, state: &AppState) -> Option<i64> {
        let until = self.stepped_up_at? + state.config.step_up.as_secs() as i64;
        (until > crate::clock::now()).then_some(until)
    }

    /// Until when this session may move money: its step-up, if it was made with a second factor.
    pub fn money_step_up_until(&self, state: &AppState) -> Option<i64> {
        self.step_up_until(state)
            .filter(|_| self.step_up_factor.as_deref() == Some("second_factor"))
    }

    /// For adding a card and every top-up (docs/threat-model.md#t9): 403
    /// `money_two_step_required` while the account has no second factor, whatever the session
    /// proved, and 403 `step_up_required` unless this session stepped up with one within
    /// `PORTAL_STEP_UP_SECS`. Never the login password, never a mailed code.
    pub fn require_money_step_up(&self, state: &AppState) -> Result<(), ApiError> {
        if !self.account.totp_enabled() {
            return Err(ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                portal_api::error::ErrorCode::MoneyTwoStepRequired,
                "Adding a card and topping up need two-step verification: turn it on first.",
            ));
        }
        match self.money_step_up_until(state) {
            Some(_) => Ok(()),
            None => Err(ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                portal_api::error::ErrorCode::StepUpRequired,
                "Confirm it is you with a code first (step up), then try again.",
            )),
        }
    }

    /// 403 `step_up_required` unless this session stepped up within `PORTAL_STEP_UP_SECS`.
    pub fn require_step_up(&self, state: &AppState) -> Result<(), ApiError> {
        match self.step_up_until(state) {
            Some(_) => Ok(()),
            None => Err(ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                portal_api::error::ErrorCode::StepUpRequired,
                "Confirm it is you first (step up), then try again.",
            )),
        }
    }

    /// 403 `device_not_verified` unless the request comes from a browser that proved itself for
    /// the account and was not signed out since (`identity::device`): what can spend money at
    /// a store, a payment code, is shown only there (docs/threat-model.md#t16).
    pub fn require_trusted_device(
        &self,
        state: &AppState,
        headers: &axum::http::HeaderMap,
    ) -> Result<(), ApiError> {
        if crate::identity::device::trusted(state, headers, &self.account) {
            return Ok(());
        }
        Err(ApiError::new(
            axum::http::StatusCode::FORBIDDEN,
            portal_api::error::ErrorCode::DeviceNotVerified,
            "This browser has not been verified for your account. Sign out and sign in again here.",
        ))
    }

    /// 403 `email_not_verified` until the account's address is verified: money moves only then
    /// (docs/threat-model.md#t7).
    pub fn require_verified_email(&self) -> Result<(), ApiError> {
        if self.account.email_verified_at.is_some() {
            return Ok(());
        }
        Err(ApiError::new(
            axum::http::StatusCode::FORBIDDEN,
            portal_api::error::ErrorCode::EmailNotVerified,
            "Verify your email address first, with the link we sent to it.",
        ))
    }

    pub async fn me(&self, state: &AppState) -> ApiResult<portal_api::dto::Me> {
        let mut me = self.account.to_me(state, self.step_up_until(state)).await?;
        me.money_step_up_until = self.money_step_up_until(state);
        Ok(me)
    }
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let secret =
            token_from(&parts.headers, cookie_name(state)).ok_or_else(ApiError::not_signed_in)?;
        let hash = token::hash(&secret);
        let now = crate::clock::now();
        let idle_cutoff = now - state.config.session_idle.as_secs() as i64;
        let sql = format!(
            "SELECT {}, sessions.id AS session_id, sessions.last_seen_at, sessions.stepped_up_at, sessions.step_up_factor FROM sessions JOIN accounts ON accounts.id = sessions.account_id
             WHERE sessions.token_hash = $1 AND sessions.expires_at > $2 AND sessions.last_seen_at > $3",
            accounts::COLUMNS
        );
        let row = sqlx::query(&sql)
            .bind(&hash)
            .bind(now)
            .bind(idle_cutoff)
            .fetch_optional(&state.db.pool)
            .await?
            .ok_or_else(ApiError::not_signed_in)?;
        let account = Account::from_row(&row)?;
        let last_seen: i64 = sqlx::Row::try_get(&row, "last_seen_at")?;
        if now - last_seen > idle_limit(state, account.role).as_secs() as i64 {
            return Err(ApiError::not_signed_in());
        }
        if now - last_seen > TOUCH_AFTER_SECS {
            sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
                .bind(now)
                .bind(&hash)
                .execute(&state.db.pool)
                .await?;
        }
        let session_id = sqlx::Row::try_get(&row, "session_id")?;
        let stepped_up_at = sqlx::Row::try_get(&row, "stepped_up_at")?;
        let step_up_factor = sqlx::Row::try_get(&row, "step_up_factor")?;
        Ok(Self {
            account,
            session_id,
            stepped_up_at,
            step_up_factor,
        })
    }
}
