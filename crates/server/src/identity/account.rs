//! The customer's account row.

use crate::db::Db;
use crate::http::error::ApiResult;
use crate::AppState;
use portal_api::agent::Role;
use portal_api::dto::{Locale, Me};
use sqlx::any::AnyRow;
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
}

pub const COLUMNS: &str = "accounts.id, accounts.email, accounts.email_verified_at, accounts.display_name, accounts.locale, accounts.created_at, accounts.totp_enabled_at, accounts.role";

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
        let pending_email = super::email_change::pending_address(&state.db, &self.id, now).await?;
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

pub async fn password_hash(db: &Db, account_id: &str) -> ApiResult<String> {
    let (phc,): (String,) = sqlx::query_as("SELECT password_hash FROM accounts WHERE id = $1")
        .bind(account_id)
        .fetch_one(&db.pool)
        .await?;
    Ok(phc)
}

pub async fn set_password_hash(db: &Db, account_id: &str, phc: &str) -> ApiResult<()> {
    sqlx::query("UPDATE accounts SET password_hash = $1 WHERE id = $2")
        .bind(phc)
        .bind(account_id)
        .execute(&db.pool)
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
