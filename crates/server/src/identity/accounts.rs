//! The `accounts` table and its one owner: the account row as the rest of the server reads it
//! ([`Account`]), and every write to the table, as named functions here; no other module writes
//! `accounts` (registration, sign-in, verification, the factors, email change, `seed-demo` and
//! `agent create` call these).

use crate::db::Db;
use crate::http::error::ApiResult;
use crate::AppState;
use portal_api::agent::Role;
use portal_api::dto::{Locale, Me};
use sqlx::any::{AnyExecutor, AnyRow};
use sqlx::Row;

#[derive(Debug, Clone)]
pub struct Account {
    pub id: String,
    pub email: String,
    pub email_verified_at: Option<i64>,
    pub display_name: Option<String>,
    pub locale: String,
    pub created_at: i64,
    /// Set while two-step verification (TOTP) is on.
    pub totp_enabled_at: Option<i64>,
    pub role: Role,
    /// The generation device cookies must name to be trusted (`identity::device`).
    pub device_generation: i64,
}

pub const COLUMNS: &str = "accounts.id, accounts.email, accounts.email_verified_at, accounts.display_name, accounts.locale, accounts.created_at, accounts.totp_enabled_at, accounts.role, accounts.device_generation";

impl Account {
    /// Reads the [`COLUMNS`] of a row.
    pub fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            id: row.try_get("id")?,
            email: row.try_get("email")?,
            email_verified_at: row.try_get("email_verified_at")?,
            display_name: row.try_get("display_name")?,
            locale: row.try_get("locale")?,
            created_at: row.try_get("created_at")?,
            totp_enabled_at: row.try_get("totp_enabled_at")?,
            role: crate::db::codec::parse_enum(&row.try_get::<String, _>("role")?)?,
            device_generation: row.try_get("device_generation")?,
        })
    }

    pub fn locale(&self) -> Locale {
        Locale::from_tag(&self.locale).unwrap_or_default()
    }

    pub fn totp_enabled(&self) -> bool {
        self.totp_enabled_at.is_some()
    }

    /// The key accounts are unique by (and device cookies are bound to).
    pub fn email_key(&self) -> String {
        self.email.to_lowercase()
    }

    /// What the customer sees of their account. `step_up_until` belongs to the session asking,
    /// so the caller gives it; the rest is read from the store.
    pub async fn to_me(&self, state: &AppState, step_up_until: Option<i64>) -> ApiResult<Me> {
        let now = crate::clock::now();
        let recovery_codes_left = if self.totp_enabled() {
            let (n,): (i64,) = sqlx::query_as(
                "SELECT COUNT(*) FROM recovery_codes WHERE account_id = $1 AND used_at IS NULL",
            )
            .bind(&self.id)
            .fetch_one(&state.db.pool)
            .await?;
            u32::try_from(n).unwrap_or(0)
        } else {
            0
        };
        let pending_email = pending_address(&state.db, &self.id, now).await?;
        Ok(Me {
            id: self.id.clone(),
            email: self.email.clone(),
            email_verified: self.email_verified_at.is_some(),
            display_name: self.display_name.clone(),
            locale: self.locale(),
            created_at: self.created_at,
            totp_enabled: self.totp_enabled(),
            recovery_codes_left,
            step_up_until: step_up_until.filter(|until| *until > now),
            money_step_up_until: None,
            pending_email,
            role: self.role,
        })
    }
}

pub async fn find_by_id(db: &Db, id: &str) -> ApiResult<Option<Account>> {
    let sql = format!("SELECT {COLUMNS} FROM accounts WHERE id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(&db.pool).await?;
    Ok(row.as_ref().map(Account::from_row).transpose()?)
}

/// The account's role, or `None` for no such account.
pub async fn role(db: &Db, id: &str) -> ApiResult<Option<Role>> {
    let row: Option<(String,)> = sqlx::query_as("SELECT role FROM accounts WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row
        .map(|(role,)| crate::db::codec::parse_enum(&role))
        .transpose()?)
}

/// The account and its password hash, found by the lower-cased address.
pub async fn find_for_sign_in(db: &Db, email_key: &str) -> ApiResult<Option<(Account, String)>> {
    let sql =
        format!("SELECT {COLUMNS}, accounts.password_hash FROM accounts WHERE email_key = $1");
    let Some(row) = sqlx::query(&sql)
        .bind(email_key)
        .fetch_optional(&db.pool)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some((
        Account::from_row(&row)?,
        row.try_get("password_hash")?,
    )))
}

/// Where mail about the account with this lower-cased address goes: its address as stored and
/// its language. Read on `conn`, inside the caller's transaction.
pub async fn mail_target(
    conn: &mut sqlx::AnyConnection,
    email_key: &str,
) -> Result<(String, Locale), sqlx::Error> {
    let (email, locale): (String, String) =
        sqlx::query_as("SELECT email, locale FROM accounts WHERE email_key = $1")
            .bind(email_key)
            .fetch_one(conn)
            .await?;
    Ok((email, Locale::from_tag(&locale).unwrap_or_default()))
}

pub async fn password_hash(db: &Db, account_id: &str) -> ApiResult<String> {
    let (phc,): (String,) = sqlx::query_as("SELECT password_hash FROM accounts WHERE id = $1")
        .bind(account_id)
        .fetch_one(&db.pool)
        .await?;
    Ok(phc)
}

pub async fn set_password_hash<'c>(
    conn: impl AnyExecutor<'c>,
    account_id: &str,
    phc: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE accounts SET password_hash = $1 WHERE id = $2")
        .bind(phc)
        .bind(account_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// A new account's row, as registration and `seed-demo` write it.
pub struct NewAccount<'a> {
    pub id: &'a str,
    pub email: &'a str,
    pub email_key: &'a str,
    pub password_hash: &'a str,
    pub display_name: Option<&'a str>,
    pub locale: &'a str,
    pub created_at: i64,
}

/// A sign-up's account, unverified; `None` when the address already has one.
pub async fn insert_customer<'c>(
    conn: impl AnyExecutor<'c>,
    new: &NewAccount<'_>,
) -> Result<Option<String>, sqlx::Error> {
    let inserted: Option<(String,)> = sqlx::query_as(
        "INSERT INTO accounts (id, email, email_key, password_hash, display_name, locale, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (email_key) DO NOTHING
         RETURNING id",
    )
    .bind(new.id)
    .bind(new.email)
    .bind(new.email_key)
    .bind(new.password_hash)
    .bind(new.display_name)
    .bind(new.locale)
    .bind(new.created_at)
    .fetch_optional(conn)
    .await?;
    Ok(inserted.map(|(id,)| id))
}

/// A demo customer's account (`seed-demo`), its address verified when it was made.
pub async fn insert_verified<'c>(
    conn: impl AnyExecutor<'c>,
    new: &NewAccount<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO accounts (id, email, email_key, email_verified_at, password_hash, display_name, locale, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $4)",
    )
    .bind(new.id)
    .bind(new.email)
    .bind(new.email_key)
    .bind(new.created_at)
    .bind(new.password_hash)
    .bind(new.display_name)
    .bind(new.locale)
    .execute(conn)
    .await?;
    Ok(())
}

/// A new staff account (`agent create`), verified, in English, with a password nobody knows.
pub async fn insert_staff<'c>(
    conn: impl AnyExecutor<'c>,
    id: &str,
    email: &str,
    email_key: &str,
    unusable: &str,
    role: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO accounts (id, email, email_key, email_verified_at, password_hash, locale, created_at, role)
         VALUES ($1, $2, $3, $4, $5, 'en', $4, $6)",
    )
    .bind(id)
    .bind(email)
    .bind(email_key)
    .bind(now)
    .bind(unusable)
    .bind(role)
    .execute(conn)
    .await?;
    Ok(())
}

/// Gives the account of this address `role` and marks the address verified; its id, or `None`
/// for no such account.
pub async fn promote<'c>(
    conn: impl AnyExecutor<'c>,
    email_key: &str,
    role: &str,
    now: i64,
) -> Result<Option<String>, sqlx::Error> {
    let existing: Option<(String,)> = sqlx::query_as(
        "UPDATE accounts SET role = $1, email_verified_at = COALESCE(email_verified_at, $2)
         WHERE email_key = $3
         RETURNING id",
    )
    .bind(role)
    .bind(now)
    .bind(email_key)
    .fetch_optional(conn)
    .await?;
    Ok(existing.map(|(id,)| id))
}

/// Marks the address verified, if the account still has it: whether it does.
pub async fn mark_verified<'c>(
    conn: impl AnyExecutor<'c>,
    account_id: &str,
    email_key: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let updated = sqlx::query(
        "UPDATE accounts SET email_verified_at = COALESCE(email_verified_at, $1) WHERE id = $2 AND email_key = $3",
    )
    .bind(now)
    .bind(account_id)
    .bind(email_key)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(updated == 1)
}

/// Moves the account's devices to the next generation, so no device cookie issued before is
/// trusted any more: the new generation.
pub async fn next_device_generation<'c>(
    conn: impl AnyExecutor<'c>,
    account_id: &str,
) -> Result<i64, sqlx::Error> {
    let (generation,): (i64,) = sqlx::query_as(
        "UPDATE accounts SET device_generation = device_generation + 1 WHERE id = $1 RETURNING device_generation",
    )
    .bind(account_id)
    .fetch_one(conn)
    .await?;
    Ok(generation)
}

/// Notes the account's first sign-in: whether this one is it.
pub async fn mark_first_sign_in<'c>(
    conn: impl AnyExecutor<'c>,
    account_id: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let first = sqlx::query(
        "UPDATE accounts SET first_sign_in_at = $1 WHERE id = $2 AND first_sign_in_at IS NULL",
    )
    .bind(now)
    .bind(account_id)
    .execute(conn)
    .await?
    .rows_affected()
        == 1;
    Ok(first)
}

/// Gives the account a new address, verified now. A unique violation means the address was
/// taken meanwhile; the caller tells it apart.
pub async fn set_email<'c>(
    conn: impl AnyExecutor<'c>,
    account_id: &str,
    email: &str,
    email_key: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE accounts SET email = $1, email_key = $2, email_verified_at = $3 WHERE id = $4",
    )
    .bind(email)
    .bind(email_key)
    .bind(now)
    .bind(account_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Keeps a sealed TOTP secret waiting for its first code, unless TOTP is on already: whether it
/// was kept.
pub async fn set_pending_totp_secret<'c>(
    conn: impl AnyExecutor<'c>,
    account_id: &str,
    sealed: &str,
) -> Result<bool, sqlx::Error> {
    let stored = sqlx::query(
        "UPDATE accounts SET totp_pending_secret = $1 WHERE id = $2 AND totp_enabled_at IS NULL",
    )
    .bind(sealed)
    .bind(account_id)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(stored == 1)
}

/// The address the account asked to change to, while its link is live.
pub async fn pending_address(db: &Db, account_id: &str, now: i64) -> ApiResult<Option<String>> {
    let row: Option<(String,)> = sqlx::query_as(
        "SELECT new_email FROM email_changes
         WHERE account_id = $1 AND used_at IS NULL AND expires_at > $2
         ORDER BY created_at DESC LIMIT 1",
    )
    .bind(account_id)
    .bind(now)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(|(email,)| email))
}

/// Voids every change of address the account has asked for and not confirmed, in the caller's
/// transaction: after the password or the second factor changes, a change asked for with the
/// old proof must not go through.
pub async fn cancel_email_changes(
    conn: &mut sqlx::AnyConnection,
    account_id: &str,
) -> ApiResult<()> {
    sqlx::query("DELETE FROM email_changes WHERE account_id = $1 AND used_at IS NULL")
        .bind(account_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Takes away every way into the account that exists: the password (replaced by `unusable`, a
/// hash of a secret nobody holds), two-step verification and its recovery codes, sessions, sign-ins
/// half done, reset and verification links and pending email changes. For an account made staff:
/// whoever registered the address before may hold any of these, and only what the admin hands
/// out (the invitation) may open it now.
pub async fn revoke_every_credential(
    conn: &mut sqlx::AnyConnection,
    account_id: &str,
    unusable: &str,
) -> ApiResult<()> {
    sqlx::query(
        "UPDATE accounts SET password_hash = $1, totp_secret = NULL, totp_pending_secret = NULL,
             totp_enabled_at = NULL, totp_last_used_step = NULL
         WHERE id = $2",
    )
    .bind(unusable)
    .bind(account_id)
    .execute(&mut *conn)
    .await?;
    for table in [
        "recovery_codes",
        "sessions",
        "pending_sign_ins",
        "password_resets",
        "email_verifications",
        "email_changes",
    ] {
        sqlx::query(&format!("DELETE FROM {table} WHERE account_id = $1"))
            .bind(account_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Makes the waiting secret `sealed` the account's second factor, `step` counted as used; only
/// the secret the confirming code came from, and only once: whether this call did it.
pub async fn enable_totp<'c>(
    conn: impl AnyExecutor<'c>,
    account_id: &str,
    sealed: &str,
    step: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let activated = sqlx::query(
        "UPDATE accounts SET totp_secret = totp_pending_secret, totp_pending_secret = NULL,
             totp_enabled_at = $1, totp_last_used_step = $2
         WHERE id = $3 AND totp_pending_secret = $4 AND totp_enabled_at IS NULL",
    )
    .bind(now)
    .bind(step)
    .bind(account_id)
    .bind(sealed)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(activated == 1)
}

/// Uses up the TOTP step `step` of the secret `sealed`: true for the one request that wins it,
/// false when that step or a later one was used already (a replayed or raced code).
pub async fn use_totp_step<'c>(
    conn: impl AnyExecutor<'c>,
    account_id: &str,
    sealed: &str,
    step: i64,
) -> Result<bool, sqlx::Error> {
    let won = sqlx::query(
        "UPDATE accounts SET totp_last_used_step = $1
                 WHERE id = $2 AND totp_secret = $3 AND totp_enabled_at IS NOT NULL
                   AND (totp_last_used_step IS NULL OR totp_last_used_step < $1)",
    )
    .bind(step)
    .bind(account_id)
    .bind(sealed)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(won == 1)
}

/// Turns TOTP off: the secret, a waiting one and the last used step are forgotten.
pub async fn clear_totp<'c>(
    conn: impl AnyExecutor<'c>,
    account_id: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE accounts SET totp_secret = NULL, totp_pending_secret = NULL, totp_enabled_at = NULL,
             totp_last_used_step = NULL
         WHERE id = $1",
    )
    .bind(account_id)
    .execute(conn)
    .await?;
    Ok(())
}
