//! The password factor: hashing (Argon2id), the checks a new password must pass, verifying the
//! stored one, and setting a new one (which ends the other ways in that rode on the old).

use crate::http::error::{ApiError, ApiResult};
use crate::identity::accounts::{self, Account};
use crate::mail::templates;
use crate::AppState;
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use axum::http::StatusCode;
use portal_api::error::{ErrorCode, FieldError};
use portal_api::rules::NewPassword;
use std::sync::Arc;
use tokio::sync::Semaphore;
use unicode_normalization::UnicodeNormalization;

/// OWASP's minimum for Argon2id: 19 MiB, 2 passes, 1 lane. Stored in every hash, so raising
/// these later re-hashes each password at its owner's next sign-in.
pub const MEMORY_KIB: u32 = 19 * 1024;
pub const PASSES: u32 = 2;
pub const LANES: u32 = 1;

fn argon2() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, PASSES, LANES, None).expect("valid Argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Passwords are compared after NFKC, so the same password typed on another keyboard or input
/// method (full-width letters, composed or decomposed accents) still matches.
pub fn normalize(password: &str) -> String {
    password.nfkc().collect()
}

/// Hashes on the blocking pool, at most a few at once: each hash takes 19 MiB, and a flood of
/// sign-ins must queue rather than exhaust memory.
#[derive(Clone)]
pub struct Hasher {
    permits: Arc<Semaphore>,
    /// Verified against when the account does not exist, so that case takes as long as a real one.
    dummy: Arc<String>,
}

impl Hasher {
    pub fn new() -> Self {
        let workers = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        let dummy = hash_now(&hex::encode(rand::random::<[u8; 16]>()));
        Self {
            permits: Arc::new(Semaphore::new(workers * 2)),
            dummy: Arc::new(dummy),
        }
    }

    pub async fn hash(&self, password: &str) -> ApiResult<String> {
        let password = password.to_owned();
        self.blocking(move || hash_now(&password)).await
    }

    /// Checks `password` against `phc`, or against a dummy hash when there is no account, so
    /// the answer and its timing are the same. Returns whether it matched.
    pub async fn verify(&self, password: &str, phc: Option<&str>) -> ApiResult<bool> {
        let password = password.to_owned();
        let known = phc.is_some();
        let phc = phc
            .map(str::to_owned)
            .unwrap_or_else(|| (*self.dummy).clone());
        let matched = self.blocking(move || verify_now(&password, &phc)).await?;
        Ok(known && matched)
    }

    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> ApiResult<T> {
        let _permit = self.permits.acquire().await.map_err(ApiError::internal)?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(ApiError::internal)
    }
}

impl Default for Hasher {
    fn default() -> Self {
        Self::new()
    }
}

pub fn hash_now(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(normalize(password).as_bytes(), &salt)
        .expect("Argon2 hashing with valid parameters")
        .to_string()
}

pub fn verify_now(password: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        tracing::error!("unparseable password hash in the store");
        return false;
    };
    // The parameters come from the stored hash, not from today's defaults.
    Argon2::default()
        .verify_password(normalize(password).as_bytes(), &parsed)
        .is_ok()
}

/// True when a stored hash was made with weaker parameters than today's.
pub fn needs_rehash(phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return true;
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return true;
    };
    parsed.algorithm.as_str() != "argon2id"
        || params.m_cost() < MEMORY_KIB
        || params.t_cost() < PASSES
        || params.p_cost() < LANES
}

/// Every rule a new password must meet: length, absence from the breach corpus (as typed and
/// as normalised), and strength with the person's own details as context. A breached password
/// is named as such even when it is also weak: that is the more useful thing to be told.
pub async fn check_new(
    password: &str,
    email: &str,
    display_name: Option<&str>,
    pwned: &pwned::Pwned,
) -> ApiResult<NewPassword> {
    let password = NewPassword::parse(password)?;
    let mut forms = vec![password.as_str().to_owned(), normalize(password.as_str())];
    forms.dedup();
    for form in forms {
        if pwned.count(&portal_api::pwned::sha1_hex(&form)).await > 0 {
            return Err(FieldError {
                code: ErrorCode::PasswordBreached,
                field: "password",
            }
            .into());
        }
    }
    let context = portal_api::rules::strength_context(email, display_name);
    let report = portal_api::strength::estimate(password.as_str(), &context);
    if !portal_api::strength::is_strong_enough(&report) {
        return Err(FieldError {
            code: ErrorCode::PasswordWeak,
            field: "password",
        }
        .into());
    }
    Ok(password)
}

pub fn wrong_password() -> ApiError {
    ApiError {
        field: Some("password"),
        ..ApiError::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::InvalidCredentials,
            "The password is not right.",
        )
    }
}

/// Whether `password` is the account's.
pub async fn password_is_right(
    state: &AppState,
    account_id: &str,
    password: &str,
) -> ApiResult<bool> {
    let phc = accounts::password_hash(&state.db, account_id).await?;
    state.hasher.verify(password, Some(&phc)).await
}

/// Stores the new hash, ends every session but `keep`, cancels pending email changes, voids
/// reset links, and queues the mail
/// that tells the customer, all in the caller's transaction.
pub async fn set_password_and_end_sessions(
    state: &AppState,
    tx: &mut sqlx::AnyConnection,
    account: &Account,
    phc: &str,
    keep: Option<&str>,
) -> ApiResult<()> {
    accounts::set_password_hash(&mut *tx, &account.id, phc).await?;
    crate::identity::session::end_others(tx, &account.id, keep).await?;
    // Someone who knew the old password may have asked to move the account to their address.
    accounts::cancel_email_changes(tx, &account.id).await?;
    sqlx::query("DELETE FROM password_resets WHERE account_id = $1 AND used_at IS NULL")
        .bind(&account.id)
        .execute(&mut *tx)
        .await?;
    // A sign-in half done with the old password does not finish with it.
    sqlx::query("DELETE FROM pending_sign_ins WHERE account_id = $1")
        .bind(&account.id)
        .execute(&mut *tx)
        .await?;
    let link = format!("{}/sign-in", state.config.public_url.base);
    let mail = templates::password_changed(account.locale(), &account.email, &link);
    state.outbox.queue(tx, &mail).await?;
    Ok(())
}

/// The shared password rules name the field `password`; these requests call it `new_password`.
pub fn rename_field(mut e: ApiError, field: &'static str) -> ApiError {
    if e.field == Some("password") {
        e.field = Some(field);
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_carry_owasp_parameters_and_verify() {
        let phc = hash_now("violet-kettle-harbour");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify_now("violet-kettle-harbour", &phc));
        assert!(!verify_now("violet-kettle-harbouR", &phc));
        assert!(!needs_rehash(&phc));
    }

    #[test]
    fn the_same_password_typed_full_width_matches() {
        let phc = hash_now("Passphrase");
        assert!(verify_now("Ｐａｓｓｐｈｒａｓｅ", &phc));
    }

    #[test]
    fn weaker_stored_hashes_are_flagged_for_rehash() {
        let weak = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8 * 1024, 1, 1, None).unwrap(),
        );
        let phc = weak
            .hash_password(b"x", &SaltString::generate(&mut OsRng))
            .unwrap()
            .to_string();
        assert!(needs_rehash(&phc));
        assert!(
            verify_now("x", &phc),
            "old hashes still verify with their own parameters"
        );
    }
}
