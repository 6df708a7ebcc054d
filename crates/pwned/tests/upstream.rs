//! The range service against a fake upstream range API on 127.0.0.1 (no other network).

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use pwned::{encode, sha1_hex, BuildOptions, Corpus, Error, Prefix, Pwned, UpstreamConfig};

/// What the fake upstream does with a request path.
#[derive(Clone)]
enum Reply {
    Body(String),
    Status(u16),
    /// Accepts the connection, reads the request, never answers.
    Hang,
}

struct FakeUpstream {
    base: String,
    hits: Arc<AtomicUsize>,
    heads: Arc<Mutex<Vec<String>>>,
}

impl FakeUpstream {
    fn start(reply: impl Fn(&str) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}/range/", listener.local_addr().unwrap());
        let hits = Arc::new(AtomicUsize::new(0));
        let heads = Arc::new(Mutex::new(Vec::new()));
        let reply = Arc::new(reply);
        let (h, hd) = (hits.clone(), heads.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (h, hd, reply) = (h.clone(), hd.clone(), reply.clone());
                std::thread::spawn(move || serve(stream, &h, &hd, &*reply));
            }
        });
        Self { base, hits, heads }
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

fn serve(
    mut stream: TcpStream,
    hits: &AtomicUsize,
    heads: &Mutex<Vec<String>>,
    reply: &dyn Fn(&str) -> Reply,
) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 16 * 1024 {
        if stream.read(&mut byte).unwrap_or(0) == 0 {
            return;
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let path = head.split_whitespace().nth(1).unwrap_or("").to_owned();
    heads.lock().unwrap().push(head);
    hits.fetch_add(1, Ordering::SeqCst);
    let response = match reply(&path) {
        Reply::Body(body) => format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
        Reply::Status(code) => format!(
            "HTTP/1.1 {code} Oops\r\nContent-Length: 5\r\nConnection: close\r\n\r\noops!"
        ),
        Reply::Hang => {
            std::thread::sleep(Duration::from_secs(30));
            return;
        }
    };
    let _ = stream.write_all(response.as_bytes());
}

const PASSWORD_SUFFIX: &str = "1E4C9B93F3F0682250B6CF8331B7EE68FD8";
/// Under prefix 5BAA6 but only upstream.
const UPSTREAM_ONLY: &str = "00000000000000000000000000000000ABC";
/// Under prefix 5BAA6 but only local.
const LOCAL_ONLY: &str = "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF123";

/// A local corpus: `password` with count 7, a local-only hash with count 9, and `hunter2`.
fn local_corpus() -> Corpus {
    let entries = vec![
        (hash_of("password"), 7),
        (
            pwned::hash_from_hex(&format!("5BAA6{LOCAL_ONLY}")).unwrap(),
            9,
        ),
        (hash_of("hunter2"), 1),
    ];
    Corpus::from_vec(encode(entries, &BuildOptions::default()).unwrap()).unwrap()
}

fn config(base: &str) -> UpstreamConfig {
    let mut c = UpstreamConfig::new(base);
    c.timeout = Duration::from_millis(400);
    c
}

fn standard_reply(path: &str) -> Reply {
    if path == "/range/5BAA6" {
        Reply::Body(format!(
            "{UPSTREAM_ONLY}:42\r\n{PASSWORD_SUFFIX}:3861493\r\n0123456789ABCDEF0123456789ABCDEF012:0\r\n{LOCAL_ONLY}:2"
        ))
    } else {
        Reply::Body("0123456789ABCDEF0123456789ABCDEF012:0\r\n".into())
    }
}

fn get<'a>(entries: &'a [(String, u64)], suffix: &str) -> Option<&'a u64> {
    entries.iter().find(|(s, _)| s == suffix).map(|(_, c)| c)
}

#[test]
fn upstream_answers_are_merged_and_cached() {
    let up = FakeUpstream::start(standard_reply);
    let pwned = Pwned::new(local_corpus(), Some(config(&up.base))).unwrap();
    let rt = runtime();
    let prefix = Prefix::parse("5baa6").unwrap();

    let entries = rt.block_on(pwned.range(prefix));
    assert_eq!(
        get(&entries, PASSWORD_SUFFIX),
        Some(&3_861_493),
        "the larger count wins"
    );
    assert_eq!(get(&entries, LOCAL_ONLY), Some(&9), "the larger count wins");
    assert_eq!(get(&entries, UPSTREAM_ONLY), Some(&42));
    assert_eq!(entries.len(), 3, "padding dropped: {entries:?}");
    let mut sorted = entries.clone();
    sorted.sort();
    assert_eq!(entries, sorted);

    assert_eq!(up.hits(), 1);
    let head = up.heads.lock().unwrap()[0].to_ascii_lowercase();
    assert!(head.starts_with("get /range/5baa6 http/1.1\r\n"), "{head}");
    assert!(head.contains("\r\nadd-padding: true\r\n"), "{head}");
    assert!(head.contains("\r\nuser-agent: portal-pwned/"), "{head}");

    // Cached: the same prefix again, and count(), ask upstream nothing.
    assert_eq!(rt.block_on(pwned.range(prefix)), entries);
    assert_eq!(rt.block_on(pwned.count(&sha1_hex("password"))), 3_861_493);
    assert_eq!(
        rt.block_on(pwned.count(&format!("5baa6{}", UPSTREAM_ONLY.to_lowercase()))),
        42
    );
    assert_eq!(up.hits(), 1);

    // Another prefix is another request; a local entry there is still reported.
    let hunter = sha1_hex("hunter2");
    assert_eq!(rt.block_on(pwned.count(&hunter)), 1);
    assert_eq!(up.hits(), 2);
    assert_eq!(
        rt.block_on(pwned.count(&sha1_hex("not in any list, really"))),
        0
    );
    assert_eq!(up.hits(), 3);
    assert_eq!(rt.block_on(pwned.count("not a hash")), 0);
    assert_eq!(up.hits(), 3);
}

#[test]
fn cache_entries_expire_and_the_cache_is_bounded() {
    let up = FakeUpstream::start(standard_reply);
    let mut c = config(&up.base);
    c.cache_ttl = Duration::from_secs(1);
    c.cache_capacity = 2;
    let pwned = Pwned::new(local_corpus(), Some(c)).unwrap();
    let rt = runtime();
    let p = |s: &str| Prefix::parse(s).unwrap();

    rt.block_on(pwned.range(p("5BAA6")));
    rt.block_on(pwned.range(p("5BAA6")));
    assert_eq!(up.hits(), 1);
    std::thread::sleep(Duration::from_millis(1100));
    rt.block_on(pwned.range(p("5BAA6")));
    assert_eq!(up.hits(), 2, "expired entry refetched");

    // Capacity 2: a third prefix evicts the oldest.
    rt.block_on(pwned.range(p("00001")));
    rt.block_on(pwned.range(p("00002")));
    assert_eq!(up.hits(), 4);
    rt.block_on(pwned.range(p("00002")));
    rt.block_on(pwned.range(p("00001")));
    assert_eq!(up.hits(), 4, "the two newest are cached");
    rt.block_on(pwned.range(p("5BAA6")));
    assert_eq!(up.hits(), 5, "the oldest was evicted");
}

#[test]
fn a_hanging_upstream_times_out_to_the_local_answer() {
    let up = FakeUpstream::start(|_| Reply::Hang);
    let mut c = config(&up.base);
    c.timeout = Duration::from_millis(300);
    c.failure_backoff = Duration::from_secs(60);
    let pwned = Pwned::new(local_corpus(), Some(c)).unwrap();
    let rt = runtime();

    let started = Instant::now();
    let entries = rt.block_on(pwned.range(Prefix::parse("5BAA6").unwrap()));
    let took = started.elapsed();
    assert_eq!(
        entries,
        vec![
            (PASSWORD_SUFFIX.to_string(), 7),
            (LOCAL_ONLY.to_string(), 9)
        ]
    );
    assert!(
        took >= Duration::from_millis(250),
        "it did wait for upstream: {took:?}"
    );
    assert!(
        took < Duration::from_millis(1500),
        "but not beyond the timeout: {took:?}"
    );
    assert_eq!(up.hits(), 1);

    // Within the back-off the upstream is not asked again, so the answer is immediate.
    let started = Instant::now();
    assert_eq!(rt.block_on(pwned.count(&sha1_hex("password"))), 7);
    assert!(
        started.elapsed() < Duration::from_millis(200),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(up.hits(), 1);
}

#[test]
fn an_upstream_error_falls_back_to_the_local_answer_and_is_not_cached() {
    let up = FakeUpstream::start(|_| Reply::Status(500));
    let mut c = config(&up.base);
    c.failure_backoff = Duration::ZERO;
    let pwned = Pwned::new(local_corpus(), Some(c)).unwrap();
    let rt = runtime();
    let prefix = Prefix::parse("5BAA6").unwrap();
    let want = vec![
        (PASSWORD_SUFFIX.to_string(), 7),
        (LOCAL_ONLY.to_string(), 9),
    ];
    assert_eq!(rt.block_on(pwned.range(prefix)), want);
    assert_eq!(up.hits(), 1);
    assert_eq!(rt.block_on(pwned.range(prefix)), want);
    assert_eq!(up.hits(), 2, "failures are not cached");

    // With a back-off, the next request inside it stays local.
    let up2 = FakeUpstream::start(|_| Reply::Status(503));
    let pwned = Pwned::new(local_corpus(), Some(config(&up2.base))).unwrap();
    assert_eq!(rt.block_on(pwned.range(prefix)), want);
    assert_eq!(rt.block_on(pwned.range(prefix)), want);
    assert_eq!(up2.hits(), 1);
}

#[test]
fn a_malformed_or_unreachable_upstream_falls_back_too() {
    let up = FakeUpstream::start(|_| Reply::Body("<html>captive portal</html>".into()));
    let mut c = config(&up.base);
    c.failure_backoff = Duration::ZERO;
    let pwned = Pwned::new(local_corpus(), Some(c)).unwrap();
    let rt = runtime();
    let prefix = Prefix::parse("5BAA6").unwrap();
    let want = vec![
        (PASSWORD_SUFFIX.to_string(), 7),
        (LOCAL_ONLY.to_string(), 9),
    ];
    assert_eq!(rt.block_on(pwned.range(prefix)), want);
    assert_eq!(rt.block_on(pwned.range(prefix)), want);
    assert_eq!(up.hits(), 2, "a malformed answer is not cached");

    // Nothing listens on this port any more: connection refused.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/range/", closed.local_addr().unwrap());
    drop(closed);
    let pwned = Pwned::new(local_corpus(), Some(config(&base))).unwrap();
    assert_eq!(rt.block_on(pwned.range(prefix)), want);
}

#[test]
fn local_only_service_reads_files_through_the_blocking_pool() {
    let dir = TempDir::new("service");
    let path = dir.path("local.bin");
    std::fs::write(
        &path,
        encode(vec![(hash_of("password"), 7)], &BuildOptions::default()).unwrap(),
    )
    .unwrap();
    let pwned = Pwned::new(Corpus::open(&path).unwrap(), None).unwrap();
    assert!(!pwned.has_upstream());
    let rt = runtime();
    assert_eq!(rt.block_on(pwned.count(&sha1_hex("password"))), 7);
    assert_eq!(rt.block_on(pwned.count(&sha1_hex("password1"))), 0);
    let entries = rt.block_on(pwned.range(Prefix::parse("5BAA6").unwrap()));
    assert_eq!(entries, vec![(PASSWORD_SUFFIX.to_string(), 7)]);

    let embedded = Pwned::embedded();
    assert_eq!(rt.block_on(embedded.count(&sha1_hex("password"))), 1);
    assert_eq!(
        rt.block_on(embedded.count(&sha1_hex("Tr0ub4dor&3 but longer 2024"))),
        0
    );
}

#[test]
fn upstream_url_must_be_http() {
    for bad in [
        "ftp://example.com/range/",
        "api.pwnedpasswords.com/range/",
        "",
    ] {
        let e = Pwned::new(local_corpus(), Some(UpstreamConfig::new(bad))).unwrap_err();
        assert!(matches!(e, Error::Config(_)), "{e}");
    }
    assert!(Pwned::new(
        local_corpus(),
        Some(UpstreamConfig::new("HTTPS://api.pwnedpasswords.com/range/"))
    )
    .is_ok());
}
