//! Merchant redemptions per second: the real server on loopback, SQLite in a temp dir and, when
//! `PORTAL_TEST_DATABASE_URL` is set (e.g. under `scripts/with-postgres`), PostgreSQL in a fresh
//! database; clients redeeming fresh payment codes over HTTP at once. Two shapes: every till at
//! one store (all payments contend for one merchant account) and one store per till.
//!
//! `cargo bench -p portal-server --bench redeem` prints a table for the README;
//! `scripts/with-postgres cargo bench -p portal-server --bench redeem` adds PostgreSQL.

mod common;

use portal_api::money::Currency;
use portal_server::wallet::ledger::{self, Entry, Leg, CARD_CLEARING, SYSTEM_OWNER, WALLET};
use portal_server::wallet::{merchant, payment_code};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Customers whose codes are redeemed, round robin: enough that wallets rarely collide.
const CUSTOMERS: usize = 200;

fn main() {
    // `cargo bench` passes --bench; `cargo test --all-targets` does not, and then a short run
    // only checks that the benchmark still works.
    let full = std::env::args().any(|a| a == "--bench");
    let scale: u32 = if full { 1 } else { 20 };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    println!(
        "cores: {}",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    runtime.block_on(async move {
        println!("SQLite:");
        run(None, scale).await;
        match std::env::var("PORTAL_TEST_DATABASE_URL") {
            Ok(admin) => {
                println!("PostgreSQL:");
                run(Some(common::fresh_postgres_database(&admin).await), scale).await;
            }
            Err(_) => println!("PostgreSQL: skipped (PORTAL_TEST_DATABASE_URL is not set)"),
        }
    });
}

async fn run(database_url: Option<String>, scale: u32) {
    {
        let common::Server {
            base,
            state,
            dir: _dir,
        } = common::start(database_url, &[]).await;
        state.start_background().unwrap();
        let wallets = customers(&state).await;
        let duration = Duration::from_secs(6) / scale;
        for shape in [Shape::OneStore, Shape::StorePerTill] {
            for concurrency in [1usize, 4, 16, 64] {
                let keys: Vec<String> = match shape {
                    Shape::OneStore => {
                        vec![merchant::create(&state.db, "Bench Store").await.unwrap().1]
                    }
                    Shape::StorePerTill => {
                        let mut keys = Vec::new();
                        for i in 0..concurrency {
                            keys.push(
                                merchant::create(&state.db, &format!("Bench Store {i}"))
                                    .await
                                    .unwrap()
                                    .1,
                            );
                        }
                        keys
                    }
                };
                // More codes than the run can use: a till that runs out stops early.
                let codes = codes(
                    &state,
                    &wallets,
                    2_500 * concurrency.min(8) / scale as usize + 200,
                )
                .await;
                let codes = Arc::new(Mutex::new(codes));
                let client = reqwest::Client::builder()
                    .pool_max_idle_per_host(concurrency)
                    .build()
                    .unwrap();
                let started = Instant::now();
                let mut tasks = Vec::new();
                for till in 0..concurrency {
                    let (client, codes) = (client.clone(), Arc::clone(&codes));
                    let key = keys[till % keys.len()].clone();
                    let url = format!("{base}/api/merchant/redemptions");
                    tasks.push(tokio::spawn(async move {
                        let mut latencies = Vec::new();
                        let mut n = 0u64;
                        while started.elapsed() < duration {
                            let Some(code) = codes.lock().unwrap().pop() else { break };
                            n += 1;
                            let t = Instant::now();
                            let r = client
                                .post(&url)
                                .bearer_auth(&key)
                                .header("idempotency-key", format!("bench-{till}-{n}"))
                                .json(&serde_json::json!({"code": code, "amount": {"minor": 100, "currency": "JPY"}, "memo": "ベンチ ☕"}))
                                .send()
                                .await
                                .unwrap();
                            let status = r.status();
                            let body = r.text().await.unwrap();
                            assert_eq!(status, 201, "{body}");
                            latencies.push(t.elapsed());
                        }
                        latencies
                    }));
                }
                let mut latencies = Vec::new();
                for t in tasks {
                    latencies.extend(t.await.unwrap());
                }
                let elapsed = started.elapsed().as_secs_f64();
                report(
                    &format!("{} tills, {}", concurrency, shape.label()),
                    latencies.len() as f64 / elapsed,
                    &mut latencies,
                );
            }
        }
        let verification = ledger::verify(&state.db).await.unwrap();
        assert!(
            verification.mismatches.is_empty(),
            "{:?}",
            verification.mismatches
        );
        println!(
            "journal after the runs: {} entries, {} postings, every entry sums to zero and every balance adds up",
            verification.entries, verification.postings
        );
    }
}

#[derive(Clone, Copy)]
enum Shape {
    OneStore,
    StorePerTill,
}

impl Shape {
    fn label(self) -> &'static str {
        match self {
            Shape::OneStore => "one store (one hot merchant account)",
            Shape::StorePerTill => "a store per till",
        }
    }
}

/// Verified customers with ¥100,000,000 each, made straight in the store (no Argon2 needed:
/// they never sign in here). Answers (account id, wallet id).
async fn customers(state: &portal_server::AppState) -> Vec<(String, String)> {
    let db = &state.db;
    let mut out = Vec::new();
    let mut tx = db.pool.begin().await.unwrap();
    let clearing = ledger::account(&mut tx, CARD_CLEARING, SYSTEM_OWNER, Currency::JPY)
        .await
        .unwrap();
    for i in 0..CUSTOMERS {
        let id = portal_server::token::id();
        let email = format!("bench{i}@example.com");
        sqlx::query(
            "INSERT INTO accounts (id, email, email_key, email_verified_at, password_hash, locale, created_at)
             VALUES ($1, $2, $2, 0, 'not-a-hash', 'en', 0)",
        )
        .bind(&id)
        .bind(&email)
        .execute(&mut *tx)
        .await
        .unwrap();
        let wallet = ledger::account(&mut tx, WALLET, &id, Currency::JPY)
            .await
            .unwrap();
        let legs = [
            Leg {
                account_id: clearing.clone(),
                amount_minor: -100_000_000,
            },
            Leg {
                account_id: wallet.clone(),
                amount_minor: 100_000_000,
            },
        ];
        let key = i.to_string();
        ledger::post(
            &mut tx,
            db.backend,
            &Entry {
                kind: "top_up",
                scope: "bench",
                key: &key,
                request_hash: &key,
                currency: Currency::JPY,
                legs: &legs,
                at: portal_server::clock::now(),
            },
        )
        .await
        .unwrap();
        out.push((id, wallet));
    }
    tx.commit().await.unwrap();
    out
}

/// `n` live codes spread over the customers (stored straight, as `payment_code` would, minus the
/// voiding of each customer's older code).
async fn codes(
    state: &portal_server::AppState,
    wallets: &[(String, String)],
    n: usize,
) -> Vec<String> {
    let mut tx = state.db.pool.begin().await.unwrap();
    let now = portal_server::clock::now() + 3_600; // valid for the whole run
    let mut codes = Vec::with_capacity(n);
    for i in 0..n {
        let (account, wallet) = &wallets[i % wallets.len()];
        let code = payment_code::generate();
        payment_code::store(&mut tx, &state.secret_key, account, wallet, &code, now)
            .await
            .unwrap();
        codes.push(code);
    }
    tx.commit().await.unwrap();
    codes
}

fn report(what: &str, per_second: f64, samples: &mut [Duration]) {
    let n = samples.len();
    let (p50, p99) = common::p50_p99(samples);
    println!("redemptions, {what}: {per_second:.0}/s, n={n} p50={p50:.2} ms p99={p99:.2} ms");
}
