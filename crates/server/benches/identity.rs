//! Sign-in throughput against the raw Argon2id rate, sign-in latency with and without an
//! account, and range-endpoint latency: the real server on loopback, SQLite in a temp dir.
//!
//! `cargo bench -p portal-server --bench identity` prints a table for the README.

mod common;

use portal_server::identity::factors::password;
use std::time::{Duration, Instant};

const PASSWORD: &str = "violet-kettle-harbour-81-sprocket";

fn main() {
    // `cargo bench` passes --bench; `cargo test --all-targets` does not, and then a short run
    // only checks that the benchmark still works.
    let full = std::env::args().any(|a| a == "--bench");
    let scale: u32 = if full { 1 } else { 20 };
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let single = raw_argon2_per_core(Duration::from_secs(5) / scale, 1);
    // All cores hashing at once share memory bandwidth; that, not one idle core, is the rate a
    // loaded server could reach without any HTTP or database work.
    let raw = raw_argon2_per_core(Duration::from_secs(5) / scale, cores);
    println!("cores: {cores}");
    println!("raw Argon2id verify (m=19456 KiB, t=2, p=1): {single:.1}/s on one core alone, {raw:.1}/s per core with all {cores} busy");

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let (base, state, _dir) = start_server().await;
        // The customer's own browser (a new one would be asked for a mailed code).
        let device = common::own_device_cookie(&state, "bench@example.com");
        let client = reqwest::Client::builder().cookie_store(false).build().unwrap();
        let origin = base.clone();
        let post = |path: &str, body: serde_json::Value| {
            client.post(format!("{base}{path}")).header("origin", &origin).json(&body).send()
        };
        let r = post("/api/register", serde_json::json!({"email": "bench@example.com", "password": PASSWORD})).await.unwrap();
        assert_eq!(r.status(), 202);

        // Enough clients to keep every core hashing.
        let concurrency = cores * 2;
        let duration = Duration::from_secs(10) / scale;
        let started = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..concurrency {
            let client = client.clone();
            let url = format!("{base}/api/sign-in");
            let origin = origin.clone();
            let device = device.clone();
            tasks.push(tokio::spawn(async move {
                let mut latencies = Vec::new();
                while started.elapsed() < duration {
                    let t = Instant::now();
                    let r = client
                        .post(&url)
                        .header("origin", &origin)
                        .header("cookie", &device)
                        .json(&serde_json::json!({"email": "bench@example.com", "password": PASSWORD}))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(r.status(), 200);
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
        let per_core = latencies.len() as f64 / elapsed / cores as f64;
        println!(
            "sign-in over HTTP, {concurrency} concurrent clients: {:.1}/s in all, {per_core:.1}/s per core; ratio to raw Argon2id {:.2} (budget >= 0.75)",
            latencies.len() as f64 / elapsed,
            per_core / raw
        );
        report("sign-in latency under that load", &mut latencies);

        // One at a time: a wrong password for a real account and for no account should cost the same.
        let mut real = Vec::new();
        let mut none = Vec::new();
        for i in 0..40 / scale {
            for (email, into) in [("bench@example.com", &mut real), ("nobody@example.com", &mut none)] {
                let t = Instant::now();
                // Different wrong passwords each time so nothing is cached; throttling is off here.
                let r = post("/api/sign-in", serde_json::json!({"email": email, "password": format!("wrong-{i}")})).await.unwrap();
                assert_eq!(r.status(), 401);
                into.push(t.elapsed());
            }
        }
        report("wrong password, account exists (unloaded)", &mut real);
        report("wrong password, no such account (unloaded)", &mut none);

        let mut range = Vec::new();
        for i in 0..5000 / scale {
            let prefix = format!("{:05X}", (i.wrapping_mul(2_654_435_761)) & 0xFFFFF);
            let t = Instant::now();
            let r = client.get(format!("{base}/api/pwned/range/{prefix}")).header("add-padding", "true").send().await.unwrap();
            assert_eq!(r.status(), 200);
            r.bytes().await.unwrap();
            range.push(t.elapsed());
        }
        report("GET /api/pwned/range/{prefix} with padding (sequential)", &mut range);
    });
}

/// Verifications per second per thread, with `threads` verifying at once.
fn raw_argon2_per_core(duration: Duration, threads: usize) -> f64 {
    let phc = password::hash_now(PASSWORD);
    let started = Instant::now();
    let total: u32 = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut n = 0u32;
                    while started.elapsed() < duration {
                        assert!(password::verify_now(PASSWORD, &phc));
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).sum()
    });
    total as f64 / started.elapsed().as_secs_f64() / threads as f64
}

async fn start_server() -> (String, portal_server::AppState, tempfile::TempDir) {
    let common::Server { base, state, dir } = common::start(
        None,
        &[
            ("PORTAL_THROTTLE_PER_ACCOUNT", "1000000"),
            ("PORTAL_THROTTLE_PER_ADDRESS", "1000000"),
            ("PORTAL_THROTTLE_GLOBAL", "1000000"),
        ],
    )
    .await;
    state.start_background().unwrap();
    (base, state, dir)
}

fn report(what: &str, samples: &mut [Duration]) {
    let n = samples.len();
    let (p50, p99) = common::p50_p99(samples);
    println!("{what}: n={n} p50={p50:.2} ms p99={p99:.2} ms");
}
