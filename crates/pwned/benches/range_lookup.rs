//! Range-lookup latency on the shipped corpus and on a synthetic corpus of 10 million hashes.
//!
//! ```text
//! cargo bench -p pwned --bench range_lookup
//! PWNED_BENCH_RECORDS=10000000 PWNED_BENCH_DIR=/tmp/pwned-bench cargo bench -p pwned --bench range_lookup
//! ```
//!
//! The synthetic corpus is written as a sorted `HASH:COUNT` text file and imported with the
//! streaming importer (timed), kept in `PWNED_BENCH_DIR` (default `/tmp/pwned-bench`, never in the
//! repository) and reused on the next run. Without `--bench` (that is, under `cargo test
//! --all-targets`) it runs a small smoke version in well under a second.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use pwned::{hash_to_hex, import, render, BuildOptions, Corpus, Hash, InputFormat, Prefix, Pwned};
use rand::{rngs::StdRng, Rng, SeedableRng};

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let records: u64 = std::env::var("PWNED_BENCH_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if full { 10_000_000 } else { 20_000 });
    let queries = if full { 200_000 } else { 2_000 };
    let dir = match std::env::var("PWNED_BENCH_DIR") {
        Ok(d) => PathBuf::from(d),
        Err(_) if full => PathBuf::from("/tmp/pwned-bench"),
        Err(_) => std::env::temp_dir().join(format!("pwned-bench-smoke-{}", std::process::id())),
    };
    std::fs::create_dir_all(&dir).unwrap();
    println!(
        "pwned range-lookup benchmark ({} mode)",
        if full { "full" } else { "smoke" }
    );

    let embedded = Corpus::embedded();
    println!(
        "\nshipped corpus: {} hashes, {} bytes, {:?}",
        embedded.len(),
        embedded.size_bytes(),
        embedded.layout()
    );
    bench_corpus(&embedded, queries, None);

    let bin = dir.join(format!("synthetic-{records}.bin"));
    if !bin.exists() {
        make_synthetic(&dir, &bin, records);
    }
    let t = Instant::now();
    let synthetic = Corpus::open(&bin).unwrap();
    println!(
        "\nsynthetic corpus {}: {} hashes, {} bytes, {:?}; open (header + fan-out table) {:?}",
        bin.display(),
        synthetic.len(),
        synthetic.size_bytes(),
        synthetic.layout(),
        t.elapsed()
    );
    let t = Instant::now();
    synthetic.verify().unwrap();
    let took = t.elapsed();
    println!(
        "  verify (full sequential scan): {took:?} = {:.0} ns/record",
        took.as_nanos() as f64 / synthetic.len().max(1) as f64
    );
    bench_corpus(&synthetic, queries, Some(&bin));

    if !full {
        let _ = std::fs::remove_dir_all(&dir);
    }
}

fn bench_corpus(corpus: &Corpus, queries: usize, cold_path: Option<&Path>) {
    let mut rng = StdRng::seed_from_u64(42);
    let prefixes: Vec<Prefix> = (0..queries)
        .map(|_| Prefix::parse(&format!("{:05X}", rng.gen_range(0..1u32 << 20))).unwrap())
        .collect();

    let mut found = 0usize;
    let mut times = Vec::with_capacity(queries);
    for p in &prefixes {
        let t = Instant::now();
        let r = corpus.range(*p).unwrap();
        times.push(t.elapsed());
        found += r.len();
    }
    report(
        "Corpus::range (warm)",
        &mut times,
        &format!("{:.3} entries/prefix", found as f64 / queries as f64),
    );

    let hashes: Vec<Hash> = (0..queries).map(|_| rng.gen()).collect();
    let mut times = Vec::with_capacity(queries);
    let mut hits = 0u64;
    for h in &hashes {
        let t = Instant::now();
        hits += corpus.count(h).unwrap();
        times.push(t.elapsed());
    }
    report(
        "Corpus::count (warm, random hash)",
        &mut times,
        &format!("{hits} hits"),
    );

    #[cfg(target_os = "linux")]
    if let Some(path) = cold_path {
        use std::os::unix::io::AsRawFd;
        let f = File::open(path).unwrap();
        let n = queries.min(2_000);
        let mut times = Vec::with_capacity(n);
        let mut cold_found = 0usize;
        for p in &prefixes[..n] {
            // Drop this file's pages from the page cache (this file only), then query.
            unsafe { libc::posix_fadvise(f.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED) };
            let t = Instant::now();
            let r = corpus.range(*p).unwrap();
            times.push(t.elapsed());
            cold_found += r.len();
        }
        report(
            "Corpus::range (file pages evicted before each query)",
            &mut times,
            &format!("{:.3} entries/prefix", cold_found as f64 / n as f64),
        );
    }
    #[cfg(not(target_os = "linux"))]
    let _ = cold_path;

    // Through the async service (local only): spawn_blocking for a file, inline in memory.
    let service = Pwned::new(clone_corpus(corpus, cold_path), None).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let n = queries.min(50_000);
    let mut times = Vec::with_capacity(n);
    let mut entries = Vec::new();
    rt.block_on(async {
        for p in &prefixes[..n] {
            let t = Instant::now();
            entries = service.range(*p).await;
            times.push(t.elapsed());
        }
    });
    report("Pwned::range (async, local only)", &mut times, "");

    let n = queries.min(20_000);
    let mut times = Vec::with_capacity(n);
    let mut bytes = 0usize;
    for _ in 0..n {
        let t = Instant::now();
        bytes += render(&entries, true).len();
        times.push(t.elapsed());
    }
    report(
        "render(padded: true)",
        &mut times,
        &format!("{} bytes/answer", bytes / n.max(1)),
    );
}

fn clone_corpus(corpus: &Corpus, path: Option<&Path>) -> Corpus {
    match path {
        Some(p) => Corpus::open(p).unwrap(),
        None if corpus.is_in_memory() => Corpus::embedded(),
        None => unreachable!(),
    }
}

fn report(label: &str, times: &mut [Duration], note: &str) {
    times.sort_unstable();
    let n = times.len().max(1);
    let pct = |q: usize| {
        times
            .get(times.len() * q / 100)
            .copied()
            .unwrap_or_default()
    };
    let mean = times.iter().sum::<Duration>() / n as u32;
    println!(
        "  {label:<55} n={:<7} p50={:>9.2?} p99={:>9.2?} mean={:>9.2?} max={:>9.2?} {note}",
        times.len(),
        pct(50),
        pct(99),
        mean,
        times.last().copied().unwrap_or_default()
    );
}

/// Random hashes with a heavy-tailed count, sorted, as an official-format text file; then the
/// streaming import into `bin`.
fn make_synthetic(dir: &Path, bin: &Path, records: u64) {
    let t = Instant::now();
    let mut rng = StdRng::seed_from_u64(7);
    let mut entries: Vec<(Hash, u32)> = (0..records)
        .map(|_| {
            let h: Hash = rng.gen();
            let count = (1.0 / (1.0 - rng.gen::<f64>())).min(5e7) as u32; // Pareto-ish, >= 1
            (h, count.max(1))
        })
        .collect();
    entries.sort_unstable_by_key(|e| e.0);
    entries.dedup_by(|a, b| a.0 == b.0);
    let txt = dir.join(format!("synthetic-{records}.txt"));
    let mut w = BufWriter::with_capacity(1 << 20, File::create(&txt).unwrap());
    for (h, c) in &entries {
        write!(w, "{}:{}\r\n", hash_to_hex(h), c).unwrap();
    }
    w.flush().unwrap();
    drop(w);
    drop(entries);
    let txt_bytes = std::fs::metadata(&txt).unwrap().len();
    println!(
        "\ngenerated {} ({} bytes) in {:?}",
        txt.display(),
        txt_bytes,
        t.elapsed()
    );

    let t = Instant::now();
    let report = import(InputFormat::Hibp, &txt, bin, &BuildOptions::default()).unwrap();
    let took = t.elapsed();
    println!(
        "imported in {took:?} ({:.2} M lines/s, {:.0} MB/s of input): {report}",
        report.lines as f64 / took.as_secs_f64() / 1e6,
        txt_bytes as f64 / took.as_secs_f64() / 1e6
    );
    std::fs::remove_file(&txt).unwrap();
}
