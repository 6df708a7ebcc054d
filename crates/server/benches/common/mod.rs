//! What the server benchmarks share: the real server on loopback over SQLite in a temp dir or a
//! fresh PostgreSQL database, a deterministic generator for the stores they fill, percentiles.
#![allow(dead_code)]

use portal_server::config::Config;
use portal_server::AppState;
use std::collections::HashMap;
use std::time::Duration;

pub struct Server {
    pub base: String,
    pub state: AppState,
    /// The data directory (and the SQLite file): removed when dropped.
    pub dir: tempfile::TempDir,
}

/// The backends to measure: SQLite always, PostgreSQL in a fresh database when
/// `PORTAL_TEST_DATABASE_URL` is set (as `scripts/with-postgres` does); `only` (the value of the
/// benchmark's `…_BENCH_ONLY`, `sqlite` or `postgres`) keeps one. `None` is SQLite.
pub async fn backends(only: &str) -> Vec<(&'static str, Option<String>)> {
    let mut list = Vec::new();
    if only.is_empty() || only == "sqlite" {
        list.push(("SQLite", None));
    }
    if only.is_empty() || only == "postgres" {
        match std::env::var("PORTAL_TEST_DATABASE_URL") {
            Ok(admin) => list.push(("PostgreSQL", Some(fresh_postgres_database(&admin).await))),
            Err(_) => println!("PostgreSQL: skipped (PORTAL_TEST_DATABASE_URL is not set)"),
        }
    }
    list
}

/// The server on a free loopback port, over `database_url` or SQLite in its data directory,
/// with `extra` settings. No background work (outbox, clean-ups) unless the benchmark starts it.
pub async fn start(database_url: Option<String>, extra: &[(&'static str, &str)]) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let database_url = database_url.unwrap_or_else(|| {
        format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("portal.db").display()
        )
    });
    let env: HashMap<&str, String> = [
        ("PORTAL_DATABASE_URL", database_url),
        ("PORTAL_DATA_DIR", dir.path().display().to_string()),
        ("PORTAL_PUBLIC_URL", base.clone()),
        (
            "PORTAL_DIST_DIR",
            dir.path().join("none").display().to_string(),
        ),
    ]
    .into_iter()
    .chain(extra.iter().map(|(k, v)| (*k, v.to_string())))
    .collect();
    let config = Config::from_lookup(|k| env.get(k).cloned()).unwrap();
    let state = AppState::new(config).await.unwrap();
    tokio::spawn(portal_server::serve(state.clone(), listener));
    Server { base, state, dir }
}

pub async fn fresh_postgres_database(admin_url: &str) -> String {
    use sqlx::Connection;
    let name = format!("portal_bench_{}", hex::encode(rand::random::<[u8; 6]>()));
    let mut admin = sqlx::PgConnection::connect(admin_url).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .unwrap();
    let (base, _) = admin_url.rsplit_once('/').unwrap();
    format!("{base}/{name}")
}

/// The device cookie (`name=value`) that opening the account's verification or invitation link
/// gives its owner's browser. The benchmarks measure customers on their own devices; device
/// verification (a mailed code per new browser) is not what they time.
pub fn own_device_cookie(state: &AppState, email: &str) -> String {
    let header = portal_server::identity::device::issue(state, &email.to_lowercase(), 0);
    let pair = header.to_str().unwrap().split(';').next().unwrap();
    pair.to_owned()
}

/// p50 and p99 of `samples`, in milliseconds.
pub fn p50_p99(samples: &mut [Duration]) -> (f64, f64) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 * q) as usize).min(samples.len() - 1)];
    (at(0.50).as_secs_f64() * 1e3, at(0.99).as_secs_f64() * 1e3)
}

/// Prints one latency line; marks it when p99 is over `budget_ms`.
pub fn report(what: &str, samples: &mut [Duration], budget_ms: f64) {
    let n = samples.len();
    let (p50, p99) = p50_p99(samples);
    println!(
        "{what}: n={n} p50={p50:.2} ms p99={p99:.2} ms{}",
        if p99 < budget_ms {
            String::new()
        } else {
            format!("  OVER BUDGET ({budget_ms} ms)")
        }
    );
}

/// A small deterministic generator, so every run fills the same store.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}
