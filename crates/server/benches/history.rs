//! History page server time at 100,000 transactions in one wallet and 1,000,000 in the store:
//! the real server on loopback, SQLite in a temp dir and, when `PORTAL_TEST_DATABASE_URL` is set
//! (e.g. under `scripts/with-postgres`), PostgreSQL in a fresh database. Budget: p99 under 10 ms.
//!
//! `cargo bench -p portal-server --bench history` prints a table for the README.
//! `scripts/with-postgres cargo bench -p portal-server --bench history` adds PostgreSQL.
//! Without `--bench` (as `cargo test --all-targets` runs it) a small store checks that the
//! benchmark still works.
//!
//! `HISTORY_BENCH_KEEP=1` keeps the SQLite file (its path is printed) for EXPLAIN QUERY PLAN;
//! `HISTORY_BENCH_ONLY=sqlite` or `=postgres` runs one backend.

mod common;
#[path = "../tests/api/common/ledger.rs"]
mod ledger;

use common::Rng;
use ledger::{NewTransaction, Prepared};
use portal_server::db::cursor::{self, Key};
use portal_server::db::Db;
use std::collections::HashMap;
use std::time::Instant;

/// The query string of the i-th request of a case.
type QueryFor = Box<dyn Fn(usize) -> String>;

const PASSWORD: &str = "violet-kettle-harbour-81-sprocket";
const BUDGET_MS: f64 = 10.0;

struct Size {
    wallet: usize,
    store: usize,
    /// Other customers' rows are spread over this many wallets.
    others: usize,
    samples: usize,
}

const MERCHANTS: &[&str] = &[
    "Lawson",
    "FamilyMart",
    "7-Eleven",
    "ローソン 渋谷店",
    "ファミリーマート 新宿店",
    "Starbucks",
    "Doutor",
    "Tully's Coffee",
    "Yoshinoya",
    "Sukiya",
    "Matsuya",
    "Uniqlo",
    "Muji",
    "Don Quijote",
    "Bic Camera",
    "Yodobashi",
    "Tsutaya",
    "Kinokuniya",
    "JR East",
    "Tokyo Metro",
    "Ichiran",
    "Mos Burger",
    "McDonald's",
    "KFC",
    "Mister Donut",
    "Pronto",
    "Excelsior Caffé",
    "Daiso",
    "Seria",
    "Can Do",
    "Welcia",
    "Matsumoto Kiyoshi",
    "Sundrug",
    "Tsuruha",
    "Aeon",
    "Ito-Yokado",
    "Seijo Ishii",
    "Natural Lawson",
    "Ministop",
    "Daily Yamazaki",
    "NewDays",
    "Book Off",
    "Hard Off",
    "GU",
    "Nitori",
    "Loft",
    "Tokyu Hands",
    "Apple Ginza",
    "Sanrio",
    "Pokémon Center",
];

const MEMOS: &[&str] = &[
    "coffee",
    "lunch",
    "dinner",
    "groceries",
    "train",
    "snacks",
    "book",
    "onigiri",
    "bento",
    "お弁当",
    "コーヒー",
    "雑誌",
    "shirt",
    "batteries",
    "umbrella",
    "medicine",
    "gift",
];

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let size = if full {
        Size {
            wallet: 100_000,
            store: 1_000_000,
            others: 900,
            samples: 1_000,
        }
    } else {
        Size {
            wallet: 2_000,
            store: 6_000,
            others: 8,
            samples: 20,
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        println!(
            "history: {} transactions in the measured wallet, {} in the store",
            size.wallet, size.store
        );
        let only = std::env::var("HISTORY_BENCH_ONLY").unwrap_or_default();
        for (name, database_url) in common::backends(&only).await {
            run(name, database_url, &size).await;
        }
    });
}

async fn run(name: &str, database_url: Option<String>, size: &Size) {
    let common::Server { base, state, dir } = common::start(database_url, &[]).await;

    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let r = client
        .post(format!("{base}/api/register"))
        .header("origin", &base)
        .json(&serde_json::json!({"email": "bench@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let r = client
        .post(format!("{base}/api/sign-in"))
        .header("origin", &base)
        .header(
            "cookie",
            common::own_device_cookie(&state, "bench@example.com"),
        )
        .json(&serde_json::json!({"email": "bench@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let me: serde_json::Value = r.json().await.unwrap();
    let account_id = me["id"].as_str().unwrap().to_owned();

    let started = Instant::now();
    let now = portal_server::clock::now();
    fill(&state.db, &account_id, size, now).await;
    if state.db.backend == portal_server::db::Backend::Postgres {
        // What autovacuum does soon after a million inserts: statistics for the planner, and
        // the visibility map that lets index-only scans skip the table.
        sqlx::raw_sql("VACUUM ANALYZE")
            .execute(&state.db.pool)
            .await
            .unwrap();
    }
    println!(
        "\n{name}: filled {} rows in {:.1} s",
        size.store,
        started.elapsed().as_secs_f64()
    );

    // Deep positions to read from: rows 50% to 95% of the way down the wallet.
    let mut deep = Vec::new();
    for i in 0..20 {
        let offset = size.wallet / 2 + i * (size.wallet * 45 / 100) / 20;
        let (created_at, id): (i64, String) = sqlx::query_as(
            "SELECT created_at, id FROM wallet_transactions WHERE account_id = $1
             ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET $2",
        )
        .bind(&account_id)
        .bind(offset as i64)
        .fetch_one(&state.db.pool)
        .await
        .unwrap();
        deep.push(cursor::encode(
            &state.secret_key[..],
            &account_id,
            &Key { created_at, id },
        ));
    }
    let month = 30 * 86_400;
    let cases: Vec<(&str, QueryFor)> = vec![
        ("first page (50 rows)", Box::new(|_| String::new())),
        (
            "deep page via cursor (50% to 95% down the wallet)",
            Box::new(move |i| format!("cursor={}", deep[i % deep.len()])),
        ),
        (
            "filtered: merchant + kind=payment",
            Box::new(|i| {
                let m = MERCHANTS[i % 20];
                format!(
                    "kind=payment&{}",
                    serde_urlencoded::to_string([("merchant", m)]).unwrap()
                )
            }),
        ),
        (
            "filtered: kind=refund",
            Box::new(|_| "kind=refund".to_owned()),
        ),
        (
            "filtered: status=pending",
            Box::new(|_| "status=pending".to_owned()),
        ),
        (
            "filtered: one month, a year back",
            Box::new(move |i| {
                let to = now - 365 * 86_400 + (i as i64 % 30) * 86_400;
                format!("from={}&to={to}", to - month)
            }),
        ),
        (
            "filtered: amount 1,000-2,000",
            Box::new(|_| "min_minor=1000&max_minor=2000".to_owned()),
        ),
        (
            "filtered: text search, common word (q=coffee)",
            Box::new(|_| "q=coffee".to_owned()),
        ),
        (
            "filtered: text search, rare word (q=ekiben)",
            Box::new(|_| "q=ekiben".to_owned()),
        ),
        (
            "filtered: text search, no match (q=zzzz)",
            Box::new(|_| "q=zzzz".to_owned()),
        ),
        // Too short for any trigram: no index can help, the wallet is read newest first.
        (
            "filtered: text search, two-letter word, no match (q=zq)",
            Box::new(|_| "q=zq".to_owned()),
        ),
    ];
    for (what, query) in &cases {
        let mut samples = Vec::with_capacity(size.samples);
        // Warm up, then measure one request at a time.
        for i in 0..size.samples / 10 + 1 {
            get(&client, &base, "/api/transactions", &query(i)).await;
        }
        for i in 0..size.samples {
            let q = query(i);
            let t = Instant::now();
            get(&client, &base, "/api/transactions", &q).await;
            samples.push(t.elapsed());
        }
        common::report(
            &format!("GET /api/transactions {what}"),
            &mut samples,
            BUDGET_MS,
        );
    }
    let mut samples = Vec::new();
    for _ in 0..size.samples / 10 + 1 {
        get(&client, &base, "/api/transactions/stats", "months=12").await;
    }
    for i in 0..size.samples {
        let q = format!("months={}&utc_offset_minutes=540", 12 + i % 2);
        let t = Instant::now();
        get(&client, &base, "/api/transactions/stats", &q).await;
        samples.push(t.elapsed());
    }
    common::report(
        "GET /api/transactions/stats (12-13 months)",
        &mut samples,
        BUDGET_MS,
    );

    let t = Instant::now();
    let r = client
        .get(format!("{base}/api/transactions/export.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.unwrap();
    let lines = bytes.iter().filter(|b| **b == b'\n').count();
    assert_eq!(lines, size.wallet + 1);
    let secs = t.elapsed().as_secs_f64();
    println!(
        "GET /api/transactions/export.csv: {} rows, {:.1} MB in {secs:.2} s ({:.0} rows/s)",
        size.wallet,
        bytes.len() as f64 / 1e6,
        size.wallet as f64 / secs
    );
    if std::env::var_os("HISTORY_BENCH_KEEP").is_some() {
        println!("account {account_id} in {}", state.config.database_url);
        if name == "SQLite" {
            let kept = dir.keep();
            println!("kept {}", kept.join("portal.db").display());
        }
    }
}

async fn get(client: &reqwest::Client, base: &str, path: &str, query: &str) {
    let r = client
        .get(format!("{base}{path}?{query}"))
        .send()
        .await
        .unwrap();
    let status = r.status();
    let body = r.bytes().await.unwrap();
    assert_eq!(
        status,
        200,
        "{path}?{query}: {}",
        String::from_utf8_lossy(&body)
    );
}

/// `count` rows of one wallet, newest `now`, about 15 minutes apart on average (100,000 rows
/// span about three years): payments at a few dozen stores (a few popular ones most), top-ups,
/// refunds, some pending and declined.
fn history(rng: &mut Rng, count: usize, now: i64) -> Vec<NewTransaction> {
    let mut at = now;
    (0..count)
        .map(|_| {
            at -= 1 + rng.below(1_800) as i64;
            let roll = rng.below(1_000);
            // Popular stores first: the index of a store falls off roughly as 1/x.
            let merchant =
                MERCHANTS[(rng.below(MERCHANTS.len() as u64) * rng.below(1_000) / 1_000) as usize];
            let memo = match rng.below(10) {
                0..=5 => Some(MEMOS[rng.below(MEMOS.len() as u64) as usize].to_owned()),
                6 if rng.below(1_000) == 0 => Some("ekiben".to_owned()),
                _ => None,
            };
            if roll < 130 {
                let status = match rng.below(100) {
                    0 => "pending",
                    1..=3 => "declined",
                    _ => "completed",
                };
                NewTransaction::top_up(1_000 * (1 + rng.below(30) as i64), status, at)
            } else if roll < 150 {
                NewTransaction::refund(100 + rng.below(3_000) as i64, merchant, at)
            } else {
                NewTransaction {
                    memo,
                    ..NewTransaction::payment(50 + rng.below(5_000) as i64, merchant, None, at)
                }
            }
        })
        .collect()
}

async fn fill(db: &Db, account_id: &str, size: &Size, now: i64) {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut merchant_ids = HashMap::new();
    for m in MERCHANTS {
        merchant_ids.insert(*m, ledger::merchant(db, m).await);
    }
    let mut wallets = vec![(account_id.to_owned(), size.wallet)];
    let per_other = (size.store - size.wallet) / size.others;
    for i in 0..size.others {
        let id = format!("bench-other-{i}");
        sqlx::query(
            "INSERT INTO accounts (id, email, email_key, password_hash, locale, created_at)
             VALUES ($1, $2, $2, 'x', 'en', 0)",
        )
        .bind(&id)
        .bind(format!("other{i}@example.com"))
        .execute(&db.pool)
        .await
        .unwrap();
        wallets.push((id, per_other));
    }
    for (account, count) in wallets {
        let wallet_id = ledger::wallet(db, &account, "JPY").await;
        let rows = history(&mut rng, count, now);
        let ids: Vec<String> = rows.iter().map(|_| ledger::new_id()).collect();
        let mut tx = db.pool.begin().await.unwrap();
        for (n, chunk) in rows.chunks(ledger::BATCH_ROWS).enumerate() {
            let start = n * ledger::BATCH_ROWS;
            ledger::insert_batch(
                &mut tx,
                chunk.iter().enumerate().map(|(i, row)| Prepared {
                    id: &ids[start + i],
                    account_id: &account,
                    wallet_id: &wallet_id,
                    currency: "JPY",
                    merchant_id: row.merchant.as_deref().map(|m| merchant_ids[m].as_str()),
                    row,
                }),
            )
            .await;
            // Commit every 20,000 rows or so, as a long-running writer would.
            if n % 40 == 39 {
                tx.commit().await.unwrap();
                tx = db.pool.begin().await.unwrap();
            }
        }
        tx.commit().await.unwrap();
    }
}
