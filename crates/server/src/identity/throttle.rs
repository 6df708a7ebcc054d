//! Fixed-window counters of attempts, kept in the database so every server process sees the
//! same numbers.
//!
//! An attempt takes its slot before the slow work it guards (Argon2, a code check), in one
//! statement that counts and decides: however many attempts arrive together, on however many
//! processes, at most `limit` of them get a slot in a window. An attempt that did not fail gives
//! its slot back afterwards, so only failures stay counted.

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

/// Takes one of `key`'s `limit` slots in this window; false when they are all taken. A counter
/// left from an earlier window starts again at one.
pub async fn try_take(
    db: &Db,
    window: &Window,
    key: &str,
    limit: u32,
    now: i64,
) -> ApiResult<bool> {
    // The WHERE of DO UPDATE is evaluated on the row as it is once its lock is held, so two
    // attempts cannot both see the last free slot; when it is false no row is returned.
    let taken: Option<(i64,)> = sqlx::query_as(
        "INSERT INTO throttle_counters (key, window_start, count) VALUES ($1, $2, 1)
         ON CONFLICT (key) DO UPDATE SET
             count = CASE WHEN throttle_counters.window_start = excluded.window_start
                          THEN throttle_counters.count + 1 ELSE 1 END,
             window_start = excluded.window_start
         WHERE throttle_counters.window_start <> excluded.window_start
            OR throttle_counters.count < $3
         RETURNING count",
    )
    .bind(key)
    .bind(window.start(now))
    .bind(i64::from(limit))
    .fetch_optional(&db.pool)
    .await?;
    Ok(taken.is_some())
}

/// Takes a slot of `key` for good, whatever the attempt's outcome, or refuses with 429 (and
/// `Retry-After`): for actions that cost something every time (a mail sent, an account made).
pub async fn take(db: &Db, window: &Window, key: &str, limit: u32, now: i64) -> ApiResult<()> {
    if !try_take(db, window, key, limit, now).await? {
        return Err(ApiError::too_many_attempts(window.remaining(now)));
    }
    Ok(())
}

/// Takes a slot of every counter in `keys` (each with its limit) for one attempt, or refuses
/// with 429 and gives back the slots it took. The attempt then either [`Slots::keep`]s them (it
/// failed) or [`Slots::give_back`]s them; dropped without either, they are given back, so an
/// attempt that ends early for another reason (or an error) costs nothing.
pub async fn reserve(
    db: &Db,
    window: &Window,
    keys: &[(String, u32)],
    now: i64,
) -> ApiResult<Slots> {
    let mut slots = Slots {
        db: db.clone(),
        keys: Vec::with_capacity(keys.len()),
        window_start: window.start(now),
        settled: false,
    };
    for (key, limit) in keys {
        if !try_take(db, window, key, *limit, now).await? {
            slots.give_back().await?;
            return Err(ApiError::too_many_attempts(window.remaining(now)));
        }
        slots.keys.push(key.clone());
    }
    Ok(slots)
}

/// The slots one attempt holds; see [`reserve`].
#[must_use = "an attempt keeps its slots when it fails or gives them back"]
pub struct Slots {
    db: Db,
    keys: Vec<String>,
    window_start: i64,
    settled: bool,
}

impl Slots {
    /// The attempt failed: its slots stay taken until the window ends.
    pub fn keep(mut self) {
        self.settled = true;
    }

    /// The attempt did not fail: its slots are free again.
    pub async fn give_back(mut self) -> ApiResult<()> {
        self.settled = true;
        give_back(&self.db, &std::mem::take(&mut self.keys), self.window_start).await
    }
}

impl Drop for Slots {
    fn drop(&mut self) {
        if self.settled || self.keys.is_empty() {
            return;
        }
        let (db, keys, start) = (
            self.db.clone(),
            std::mem::take(&mut self.keys),
            self.window_start,
        );
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(e) = give_back(&db, &keys, start).await {
                    tracing::warn!("throttle slots not given back: {}", e.message);
                }
            });
        }
    }
}

async fn give_back(db: &Db, keys: &[String], window_start: i64) -> ApiResult<()> {
    for key in keys {
        sqlx::query(
            "UPDATE throttle_counters SET count = count - 1
             WHERE key = $1 AND window_start = $2 AND count > 0",
        )
        .bind(key)
        .bind(window_start)
        .execute(&db.pool)
        .await?;
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
