//! Support queue page server time at 1,000,000 cases: the real server on loopback, SQLite in a
//! temp dir and, when `PORTAL_TEST_DATABASE_URL` is set (e.g. under `scripts/with-postgres`),
//! PostgreSQL in a fresh database. Budget: p99 under 20 ms. Every call is an agent's, with
//! two-step verification on, so each one also writes its entry in the audit log.
//!
//! The store: three years of cases, one every 95 s on average, a quarter of them fraud reports,
//! from 10,000 customers, worked by 50 agents. Cases of the last two weeks are mostly open (a
//! queue under load), older ones almost all closed, about 15,000 open in all.
//!
//! `cargo bench -p portal-server --bench queue` prints a table for the README.
//! `scripts/with-postgres cargo bench -p portal-server --bench queue` adds PostgreSQL.
//! Without `--bench` (as `cargo test --all-targets` runs it) a small store checks that the
//! benchmark still works.
//!
//! `QUEUE_BENCH_KEEP=1` keeps the SQLite file (its path is printed) for EXPLAIN QUERY PLAN;
//! `QUEUE_BENCH_ONLY=sqlite` or `=postgres` runs one backend.

mod common;

use common::Rng;
use portal_server::db::cursor::{self, Key};
use portal_server::db::Db;
use portal_server::identity::factors::totp;
use std::time::Instant;

/// The query string of the i-th request of a case.
type QueryFor = Box<dyn Fn(usize) -> String>;

const PASSWORD: &str = "violet-kettle-harbour-81-sprocket";
const BUDGET_MS: f64 = 20.0;
const AGENTS: usize = 50;
const HOUR: i64 = 3600;

struct Size {
    cases: usize,
    customers: usize,
    samples: usize,
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let size = if full {
        Size {
            cases: 1_000_000,
            customers: 10_000,
            samples: 1_000,
        }
    } else {
        Size {
            cases: 5_000,
            customers: 50,
            samples: 20,
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        println!(
            "queue: {} cases from {} customers",
            size.cases, size.customers
        );
        let only = std::env::var("QUEUE_BENCH_ONLY").unwrap_or_default();
        for (name, database_url) in common::backends(&only).await {
            run(name, database_url, &size).await;
        }
    });
}

async fn run(name: &str, database_url: Option<String>, size: &Size) {
    let common::Server { base, state, dir } = common::start(database_url, &[]).await;
    let (client, agent_id) = signed_in_agent(&state, &base).await;
    let started = Instant::now();
    let now = portal_server::clock::now();
    let mut agents = vec![agent_id.clone()];
    agents.extend(fill(&state.db, size, now, &agent_id).await);
    if state.db.backend == portal_server::db::Backend::Postgres {
        // What autovacuum does soon after a million inserts: statistics for the planner, and
        // the visibility map that lets index-only scans skip the table.
        sqlx::raw_sql("VACUUM ANALYZE")
            .execute(&state.db.pool)
            .await
            .unwrap();
    }
    println!(
        "\n{name}: filled {} cases in {:.1} s",
        size.cases,
        started.elapsed().as_secs_f64()
    );

    // Deep positions: cases 50% to 95% of the way down the newest-first and largest-first
    // lists of every case.
    let mut deep_newest = Vec::new();
    let mut deep_largest = Vec::new();
    for i in 0..20 {
        let offset = (size.cases / 2 + i * (size.cases * 45 / 100) / 20) as i64;
        let (created_at, id): (i64, String) = sqlx::query_as(
            "SELECT created_at, id FROM cases ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET $1",
        )
        .bind(offset)
        .fetch_one(&state.db.pool)
        .await
        .unwrap();
        deep_newest.push(cursor::encode(
            &state.secret_key[..],
            "queue:newest",
            &Key { created_at, id },
        ));
        let (amount, id): (i64, String) = sqlx::query_as(
            "SELECT amount_minor, id FROM cases ORDER BY amount_minor DESC, id DESC LIMIT 1 OFFSET $1",
        )
        .bind(offset)
        .fetch_one(&state.db.pool)
        .await
        .unwrap();
        deep_largest.push(cursor::encode(
            &state.secret_key[..],
            "queue:largest_amount",
            &Key {
                created_at: amount,
                id,
            },
        ));
    }
    let cases: Vec<(&str, QueryFor)> = vec![
        (
            "open, oldest first (the default)",
            Box::new(|_| String::new()),
        ),
        (
            "open fraud reports, newest first",
            Box::new(|_| "kind=fraud_report&sort=newest".to_owned()),
        ),
        (
            "open, largest amount first",
            Box::new(|_| "sort=largest_amount".to_owned()),
        ),
        (
            "open, assigned to me",
            Box::new(|_| "assignee=me".to_owned()),
        ),
        (
            "open, unassigned, newest first",
            Box::new(|_| "assignee=none&sort=newest".to_owned()),
        ),
        (
            "another agent's, any status, newest first",
            Box::new(move |i| {
                format!(
                    "assignee={}&status=any&sort=newest",
                    agents[1 + i % (agents.len() - 1)]
                )
            }),
        ),
        (
            "open disputes 24-72 hours old",
            Box::new(|_| "kind=dispute&min_age_hours=24&max_age_hours=72".to_owned()),
        ),
        (
            "open, amount 10,000-20,000",
            Box::new(|_| "min_minor=10000&max_minor=20000".to_owned()),
        ),
        (
            "declined, newest first",
            Box::new(|_| "status=declined&sort=newest".to_owned()),
        ),
        (
            "closed fraud reports, largest first",
            Box::new(|_| "kind=fraud_report&status=closed&sort=largest_amount".to_owned()),
        ),
        (
            "any status, newest first",
            Box::new(|_| "status=any&sort=newest".to_owned()),
        ),
        (
            "any status, deep page via cursor (newest first, 50% to 95% down)",
            Box::new(move |i| {
                format!(
                    "status=any&sort=newest&cursor={}",
                    deep_newest[i % deep_newest.len()]
                )
            }),
        ),
        (
            "any status, deep page via cursor (largest first, 50% to 95% down)",
            Box::new(move |i| {
                format!(
                    "status=any&sort=largest_amount&cursor={}",
                    deep_largest[i % deep_largest.len()]
                )
            }),
        ),
    ];
    for (what, query) in &cases {
        measure(
            &client,
            &base,
            "/api/agent/cases",
            query,
            &format!("GET /api/agent/cases {what}"),
            size.samples,
        )
        .await;
    }
    measure(
        &client,
        &base,
        "/api/agent/stats",
        &|_| String::new(),
        "GET /api/agent/stats (7 days by the hour, open and overdue counts)",
        size.samples,
    )
    .await;

    let (entries,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_log")
        .fetch_one(&state.db.pool)
        .await
        .unwrap();
    let calls = (cases.len() + 1) * (size.samples + size.samples / 10 + 1);
    assert!(
        entries as usize >= calls,
        "every call is in the audit log: {entries} entries for {calls} calls"
    );
    if std::env::var_os("QUEUE_BENCH_KEEP").is_some() {
        println!("agent {agent_id} in {}", state.config.database_url);
        if name == "SQLite" {
            let kept = dir.keep();
            println!("kept {}", kept.join("portal.db").display());
        }
    }
}

/// Warms up, then measures one request at a time.
async fn measure(
    client: &reqwest::Client,
    base: &str,
    path: &str,
    query: &dyn Fn(usize) -> String,
    what: &str,
    count: usize,
) {
    for i in 0..count / 10 + 1 {
        get(client, base, path, &query(i)).await;
    }
    let mut samples = Vec::with_capacity(count);
    for i in 0..count {
        let q = query(i);
        let t = Instant::now();
        get(client, base, path, &q).await;
        samples.push(t.elapsed());
    }
    common::report(what, &mut samples, BUDGET_MS);
}

/// An agent with two-step verification on, signed in: made by the same code as `portal-server
/// agent create`, given a password as the invitation's link would, enrolled as a customer would.
async fn signed_in_agent(state: &portal_server::AppState, base: &str) -> (reqwest::Client, String) {
    let email = "agent@example.com";
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let post = |path: &str, body: serde_json::Value| {
        client
            .post(format!("{base}{path}"))
            .header("origin", base)
            .json(&body)
            .send()
    };
    let made = portal_server::support::agent::create(state, email, portal_api::agent::Role::Agent)
        .await
        .unwrap();
    let portal_server::support::agent::Made::New { id } = made else {
        panic!("a new account: {made:?}")
    };
    // What completing the invitation's reset link stores (no mail is delivered here).
    let phc = state.hasher.hash(PASSWORD).await.unwrap();
    sqlx::query("UPDATE accounts SET password_hash = $1 WHERE id = $2")
        .bind(&phc)
        .bind(&id)
        .execute(&state.db.pool)
        .await
        .unwrap();
    let signed_in = serde_json::json!({"email": email, "password": PASSWORD});
    let r = client
        .post(format!("{base}/api/sign-in"))
        .header("origin", base)
        .header("cookie", common::own_device_cookie(state, email))
        .json(&signed_in)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = post("/api/me/step-up", serde_json::json!({"password": PASSWORD}))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = post("/api/me/totp/enroll", serde_json::json!({}))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let enrolment: serde_json::Value = r.json().await.unwrap();
    let bytes = totp::base32_decode(enrolment["secret"].as_str().unwrap()).unwrap();
    let secret = totp::Secret::from_bytes(&bytes).unwrap();
    let now = portal_server::clock::now();
    let r = post(
        "/api/me/totp/confirm",
        serde_json::json!({"code": totp::code_at(&secret, now)}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    (client, id)
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

/// Customers, 49 more agents, the cases and two weeks of hourly counts, written straight into
/// the store (a million cases through the API would take hours). Returns the other agents' ids.
async fn fill(db: &Db, size: &Size, now: i64, me: &str) -> Vec<String> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let customers: Vec<String> = (0..size.customers)
        .map(|i| format!("benchcustomer{i}"))
        .collect();
    let others: Vec<String> = (1..AGENTS).map(|i| format!("benchagent{i}")).collect();
    let mut tx = db.pool.begin().await.unwrap();
    for (id, role) in customers
        .iter()
        .map(|c| (c, "customer"))
        .chain(others.iter().map(|a| (a, "agent")))
    {
        sqlx::query(
            "INSERT INTO accounts (id, email, email_key, password_hash, locale, created_at, role)
             VALUES ($1, $2, $2, 'x', 'en', 0, $3)",
        )
        .bind(id)
        .bind(format!("{id}@example.com"))
        .bind(role)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let mut agents: Vec<&str> = others.iter().map(String::as_str).collect();
    agents.push(me);

    const BATCH: usize = 500;
    let mut at = now;
    let mut tx = db.pool.begin().await.unwrap();
    let mut done = 0;
    while done < size.cases {
        let n = BATCH.min(size.cases - done);
        let mut sql = String::from(
            "INSERT INTO cases (id, kind, account_id, status, is_open, amount_minor, currency,
                assignee_id, created_at, updated_at) VALUES ",
        );
        let mut rows = Vec::with_capacity(n);
        for i in 0..n {
            at -= rng.below(190) as i64;
            let recent = now - at < 14 * 86_400;
            let open = if recent {
                rng.below(10) < 8
            } else {
                rng.below(200) == 0
            };
            let status = if open {
                ["submitted", "submitted", "under_review", "more_info_needed"]
                    [rng.below(4) as usize]
            } else if rng.below(3) == 0 {
                "declined"
            } else {
                "refunded"
            };
            let fraud = rng.below(4) == 0;
            let amount = if fraud {
                1_000 + rng.below(500) as i64 * 1_000
            } else {
                100 + rng.below(50_000) as i64
            };
            let assigned = rng.below(100) < if open { 60 } else { 95 };
            let assignee = assigned.then(|| agents[rng.below(AGENTS as u64) as usize]);
            rows.push((
                format!("{:08x}benchcase{:07}", rng.next() as u32, done + i),
                if fraud { "fraud_report" } else { "dispute" },
                customers[rng.below(customers.len() as u64) as usize].clone(),
                status,
                i64::from(open),
                amount,
                assignee,
                at,
            ));
            let p = i * 9;
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "(${},${},${},${},${},${},'JPY',${},${},${})",
                p + 1,
                p + 2,
                p + 3,
                p + 4,
                p + 5,
                p + 6,
                p + 7,
                p + 8,
                p + 9
            ));
        }
        let mut q = sqlx::query(&sql);
        for (id, kind, account, status, open, amount, assignee, created) in rows {
            q = q
                .bind(id)
                .bind(kind)
                .bind(account)
                .bind(status)
                .bind(open)
                .bind(amount)
                .bind(assignee.map(str::to_owned))
                .bind(created)
                .bind(created + rng.below(86_400) as i64);
        }
        q.execute(&mut *tx).await.unwrap();
        done += n;
        // Commit every 20,000 cases, as a long-running writer would.
        if done % 20_000 == 0 {
            tx.commit().await.unwrap();
            tx = db.pool.begin().await.unwrap();
        }
    }
    tx.commit().await.unwrap();

    // Two weeks of counts by the hour, of every kind the chart reads.
    let current = now - now.rem_euclid(HOUR);
    let mut tx = db.pool.begin().await.unwrap();
    for k in 0..14 * 24 {
        for kind in [
            "dispute",
            "fraud_report",
            "sign_in_failure",
            "new_device_sign_in",
            "password_reset",
            "top_up",
        ] {
            sqlx::query("INSERT INTO event_counts (hour, kind, count) VALUES ($1, $2, $3)")
                .bind(current - k * HOUR)
                .bind(kind)
                .bind(1 + rng.below(60) as i64)
                .execute(&mut *tx)
                .await
                .unwrap();
        }
    }
    tx.commit().await.unwrap();
    others
}
