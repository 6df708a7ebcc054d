//! The customer's account row.

use crate::db::Db;
use crate::http::error::ApiResult;
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
}

pub const COLUMNS: &str = "accounts.id, accounts.email, accounts.email_verified_at, accounts.display_name, accounts.locale, accounts.created_at";

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
        })
    }

    pub fn locale(&self) -> Locale {
        Locale::from_tag(&self.locale).unwrap_or_default()
    }

    pub fn to_me(&self) -> Me {
        Me {
            id: self.id.clone(),
            email: self.email.clone(),
            email_verified: self.email_verified_at.is_some(),
            display_name: self.display_name.clone(),
            locale: self.locale(),
            created_at: self.created_at,
            // Filled in by the two-step verification work (issue 3); nothing can turn it on yet.
            totp_enabled: false,
            recovery_codes_left: 0,
            step_up_until: None,
            pending_email: None,
        }
    }
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

pub async fn set_password_hash(db: &Db, account_id: &str, phc: &str) -> ApiResult<()> {
    sqlx::query("UPDATE accounts SET password_hash = $1 WHERE id = $2")
        .bind(phc)
        .bind(account_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}
