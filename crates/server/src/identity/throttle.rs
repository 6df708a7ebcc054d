//! Fixed-window counters of failed attempts, kept in the database so every server process
//! sees the same numbers.

use crate::db::Db;
use crate::http::error::{ApiError, ApiResult};
use crate::AppState;

pub struct Window {
    pub secs: i64,
}

impl Window {
    /// The configured window (`PORTAL_THROTTLE_WINDOW_SECS`).
    pub fn of(state: &AppState) -> Self {
        Self {
            secs: state.config.throttle.window.as_secs() as i64,
        }
    }

    fn start(&self, now: i64) -> i64 {
        now - now.rem_euclid(self.secs.max(1))
    }

    /// Seconds until the current window ends.
    pub fn remaining(&self, now: i64) -> u64 {
        (self.start(now) + self.secs.max(1) - now).max(1) as u64
    }
}

/// How many attempts `key` has used in the current window.
pub async fn count(db: &Db, window: &Window, key: &str, now: i64) -> ApiResult<i64> {
    let row: Option<(i64,)> =
        sqlx::query_as("SELECT count FROM throttle_counters WHERE key = $1 AND window_start = $2")
            .bind(key)
            .bind(window.start(now))
            .fetch_optional(&db.pool)
            .await?;
    Ok(row.map_or(0, |r| r.0))
}

/// Counts one more attempt against `key`, starting a new window when the old one has passed.
pub async fn hit(db: &Db, window: &Window, key: &str, now: i64) -> ApiResult<i64> {
    let (count,): (i64,) = sqlx::query_as(
        "INSERT INTO throttle_counters (key, window_start, count) VALUES ($1, $2, 1)
         ON CONFLICT (key) DO UPDATE SET
             count = CASE WHEN throttle_counters.window_start = excluded.window_start
                          THEN throttle_counters.count + 1 ELSE 1 END,
             window_start = excluded.window_start
         RETURNING count",
    )
    .bind(key)
    .bind(window.start(now))
    .fetch_one(&db.pool)
    .await?;
    Ok(count)
}

/// Refuses with 429 (and `Retry-After`) once `key` has had `limit` failures in this window.
/// Failures are counted apart, by [`hit`], so a success costs nothing.
pub async fn check(db: &Db, window: &Window, key: &str, limit: u32, now: i64) -> ApiResult<()> {
    if count(db, window, key, now).await? >= i64::from(limit) {
        return Err(ApiError::too_many_attempts(window.remaining(now)));
    }
    Ok(())
}

/// Counts this attempt, whatever its outcome, and refuses it with 429 past `limit`: for actions
/// that cost something every time (a mail sent, an account made).
pub async fn take(db: &Db, window: &Window, key: &str, limit: u32, now: i64) -> ApiResult<()> {
    if hit(db, window, key, now).await? > i64::from(limit) {
        return Err(ApiError::too_many_attempts(window.remaining(now)));
    }
    Ok(())
}

pub async fn clear(db: &Db, key: &str) -> ApiResult<()> {
    sqlx::query("DELETE FROM throttle_counters WHERE key = $1")
        .bind(key)
        .execute(&db.pool)
        .await?;
    Ok(())
}
