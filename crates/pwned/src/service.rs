//! The range service: the local corpus merged with an optional upstream range API, and the
//! range-API wire format.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::Rng;

use crate::format::{hash_from_hex, suffix_ascii};
use crate::{split_hash, Corpus, Entry, Error, Prefix, SUFFIX_LEN};

/// Environment variable naming the upstream range API, e.g. `https://api.pwnedpasswords.com/range/`.
pub const UPSTREAM_ENV: &str = "PORTAL_PWNED_UPSTREAM";

/// A suffix as 35 upper-case hex ASCII bytes.
type Suffix = [u8; SUFFIX_LEN];
/// An upstream answer without its padding.
type Answer = Arc<Vec<(Suffix, u64)>>;

/// An upstream range API and how to treat it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamConfig {
    /// Base URL; the request is `GET {url}{PREFIX}` with `Add-Padding: true`.
    pub url: String,
    /// Whole-request timeout (connect, TLS, answer). Default 2 s.
    pub timeout: Duration,
    /// How long an upstream answer is reused. Default 1 hour.
    pub cache_ttl: Duration,
    /// Prefixes whose upstream answer is kept (about 40 KB each for the public corpus).
    /// Default 1024; 0 disables the cache.
    pub cache_capacity: usize,
    /// After a failure, how long to answer from the local corpus without asking upstream again,
    /// so that an upstream outage does not add `timeout` to every sign-up. Default 10 s.
    pub failure_backoff: Duration,
    /// Largest answer accepted. Default 1 MiB (a padded public answer is about 40 KB).
    pub max_body_bytes: u64,
}

impl UpstreamConfig {
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            timeout: Duration::from_secs(2),
            cache_ttl: Duration::from_secs(3600),
            cache_capacity: 1024,
            failure_backoff: Duration::from_secs(10),
            max_body_bytes: 1 << 20,
        }
    }

    /// From `PORTAL_PWNED_UPSTREAM`; `None` when unset or empty.
    pub fn from_env() -> Option<Self> {
        std::env::var(UPSTREAM_ENV)
            .ok()
            .filter(|v| !v.trim().is_empty())
            .map(|v| Self::new(v.trim()))
    }
}

/// The range service. Cheap to clone (shared state behind an `Arc`).
#[derive(Clone, Debug)]
pub struct Pwned {
    corpus: Arc<Corpus>,
    upstream: Option<Arc<Upstream>>,
}

impl Pwned {
    /// A service over `corpus`, merging answers from `upstream` when given. Fails only on an
    /// upstream URL that is not `http://` or `https://`.
    pub fn new(corpus: Corpus, upstream: Option<UpstreamConfig>) -> Result<Self, Error> {
        let upstream = upstream.map(Upstream::new).transpose()?.map(Arc::new);
        Ok(Self {
            corpus: Arc::new(corpus),
            upstream,
        })
    }

    /// The shipped corpus, no upstream.
    #[cfg(feature = "embedded-corpus")]
    pub fn embedded() -> Self {
        Self {
            corpus: Arc::new(Corpus::embedded()),
            upstream: None,
        }
    }

    pub fn corpus(&self) -> &Corpus {
        &self.corpus
    }

    pub fn has_upstream(&self) -> bool {
        self.upstream.is_some()
    }

    /// Every known suffix under `prefix` with its count, sorted by suffix: the local corpus merged
    /// with the upstream's answer (same suffix: the larger count; upstream padding dropped).
    /// Never fails: upstream trouble is logged and the local answer returned; a local read error
    /// (a disk failing under an opened file) is logged as an error and yields no local entries.
    pub async fn range(&self, prefix: Prefix) -> Vec<(String, u64)> {
        let local = self.local_range(prefix).await;
        let remote = match &self.upstream {
            Some(u) => u.range(prefix).await,
            None => None,
        };
        merge(&local, remote.as_deref().map(Vec::as_slice).unwrap_or(&[]))
    }

    /// How often the password with this SHA-1 (40 hex digits, either case) was seen; 0 when never
    /// (or when the argument is not a SHA-1 hex digest, which is logged).
    pub async fn count(&self, sha1_hex: &str) -> u64 {
        let Some(hash) = hash_from_hex(sha1_hex) else {
            tracing::warn!("pwned count asked for something that is not a SHA-1 hex digest");
            return 0;
        };
        if self.upstream.is_none() {
            let corpus = self.corpus.clone();
            return self.local(move || corpus.count(&hash)).await.unwrap_or(0);
        }
        let upper = sha1_hex.to_ascii_uppercase();
        let (prefix, suffix) = split_hash(&upper);
        self.range(prefix)
            .await
            .into_iter()
            .find(|(s, _)| s == suffix)
            .map_or(0, |(_, count)| count)
    }

    async fn local_range(&self, prefix: Prefix) -> Vec<Entry> {
        let corpus = self.corpus.clone();
        self.local(move || corpus.range(prefix))
            .await
            .unwrap_or_default()
    }

    /// Runs a corpus read: inline for an in-memory corpus, on the blocking pool for a file.
    async fn local<T: Send + 'static>(
        &self,
        read: impl FnOnce() -> Result<T, Error> + Send + 'static,
    ) -> Option<T> {
        let result = if self.corpus.is_in_memory() {
            read()
        } else {
            match tokio::task::spawn_blocking(read).await {
                Ok(r) => r,
                Err(e) => {
                    tracing::error!(error = %e, "pwned corpus read task failed");
                    return None;
                }
            }
        };
        result
            .map_err(|e| tracing::error!(error = %e, "pwned corpus read failed"))
            .ok()
    }
}

fn merge(local: &[Entry], upstream: &[(Suffix, u64)]) -> Vec<(String, u64)> {
    let mut all: BTreeMap<Suffix, u64> = BTreeMap::new();
    for e in local {
        all.insert(suffix_ascii(&e.hash), e.count);
    }
    for (s, c) in upstream {
        let slot = all.entry(*s).or_insert(0);
        *slot = (*slot).max(*c);
    }
    all.into_iter()
        .map(|(s, c)| (String::from_utf8(s.to_vec()).expect("hex is ASCII"), c))
        .collect()
}

/// The range-API wire format: `SUFFIX:COUNT` lines, upper-case hex, sorted by suffix, separated
/// by CRLF with no line break after the last line (as the public API answers).
///
/// With `padded` (the request carried `Add-Padding: true`), random zero-count suffixes that
/// collide with no real one are added until the answer has a random total between 800 and
/// 1 000 lines (an answer already that long gets none), so its size says little about the prefix.
/// An entry that is not a 35-hex-digit suffix is left out (and logged).
pub fn render(entries: &[(String, u64)], padded: bool) -> String {
    let mut lines: Vec<(Suffix, u64)> =
        Vec::with_capacity(if padded { 1000 } else { entries.len() });
    for (s, c) in entries {
        match <Suffix>::try_from(s.as_bytes()) {
            Ok(mut suffix) if suffix.iter().all(u8::is_ascii_hexdigit) => {
                suffix.make_ascii_uppercase();
                lines.push((suffix, *c));
            }
            _ => tracing::warn!("render: skipping an entry that is not a 35-hex-digit suffix"),
        }
    }
    lines.sort_unstable();
    if padded {
        let mut rng = rand::thread_rng();
        let target = rng.gen_range(800..=1000usize);
        pad(&mut lines, target, |buf| rng.fill(buf));
    }
    let mut out = String::with_capacity(lines.len() * (SUFFIX_LEN + 10));
    for (i, (s, c)) in lines.iter().enumerate() {
        if i > 0 {
            out.push_str("\r\n");
        }
        out.push_str(std::str::from_utf8(s).expect("hex is ASCII"));
        out.push(':');
        out.push_str(&c.to_string());
    }
    out
}

/// Adds zero-count lines made from `random` bytes until `lines` (sorted) has `target` lines.
fn pad(lines: &mut Vec<(Suffix, u64)>, target: usize, mut random: impl FnMut(&mut [u8])) {
    while lines.len() < target {
        let mut bytes = vec![0u8; (target - lines.len()) * 18];
        random(&mut bytes);
        lines.extend(bytes.chunks_exact(18).map(|r| (hex_suffix(r), 0)));
        // Sorting puts equal suffixes side by side, a real one (count > 0) first; a padding line
        // that collides (odds about 2^-120 a line) is dropped and the loop draws another.
        lines.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        lines.dedup_by(|later, earlier| later.0 == earlier.0 && later.1 == 0);
    }
}

/// 35 upper-case hex digits from (the first 140 bits of) 18 random bytes.
fn hex_suffix(random: &[u8]) -> Suffix {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = [0u8; SUFFIX_LEN];
    for (i, o) in out.iter_mut().enumerate() {
        let b = random[i / 2];
        *o = HEX[if i % 2 == 0 { b >> 4 } else { b & 15 } as usize];
    }
    out
}

#[derive(Debug)]
struct Upstream {
    config: UpstreamConfig,
    agent: ureq::Agent,
    cache: Mutex<RangeCache>,
    /// No upstream requests before this instant (after a failure).
    quiet_until: Mutex<Option<Instant>>,
}

impl Upstream {
    fn new(config: UpstreamConfig) -> Result<Self, Error> {
        let url = config.url.to_ascii_lowercase();
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(Error::Config(format!(
                "{UPSTREAM_ENV} must be an http(s) URL, got {:?}",
                config.url
            )));
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(config.timeout))
            .http_status_as_error(false)
            .user_agent(concat!("portal-pwned/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        let cache = Mutex::new(RangeCache::new(config.cache_ttl, config.cache_capacity));
        Ok(Self {
            config,
            agent,
            cache,
            quiet_until: Mutex::new(None),
        })
    }

    /// The upstream's non-zero entries under `prefix`, or `None` (failure, logged).
    async fn range(&self, prefix: Prefix) -> Option<Answer> {
        let key = prefix.index();
        let now = Instant::now();
        if let Some(hit) = lock(&self.cache).get(key, now) {
            return Some(hit);
        }
        if lock(&self.quiet_until).is_some_and(|t| now < t) {
            tracing::debug!("upstream range API recently failed; answering from the local corpus");
            return None;
        }
        // The prefix is not logged: with a timestamp it narrows down a customer's password.
        let url = format!("{}{}", self.config.url, prefix.as_str());
        let agent = self.agent.clone();
        let limit = self.config.max_body_bytes;
        let task = tokio::task::spawn_blocking(move || fetch(&agent, &url, limit));
        // ureq's own timeout ends the blocking call; this bounds the caller's wait regardless.
        let outcome = match tokio::time::timeout(
            self.config.timeout + Duration::from_millis(250),
            task,
        )
        .await
        {
            Ok(Ok(result)) => result,
            Ok(Err(join)) => Err(format!("request task failed: {join}")),
            Err(_) => Err(format!("no answer within {:?}", self.config.timeout)),
        };
        match outcome {
            Ok(entries) => {
                let entries = Arc::new(entries);
                lock(&self.cache).insert(key, entries.clone(), Instant::now());
                *lock(&self.quiet_until) = None;
                Some(entries)
            }
            Err(error) => {
                tracing::warn!(
                    %error,
                    retry_in = ?self.config.failure_backoff,
                    "upstream range API failed; answering from the local corpus"
                );
                *lock(&self.quiet_until) = Some(Instant::now() + self.config.failure_backoff);
                None
            }
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// One blocking upstream request.
fn fetch(agent: &ureq::Agent, url: &str, limit: u64) -> Result<Vec<(Suffix, u64)>, String> {
    let mut response = agent
        .get(url)
        .header("Add-Padding", "true")
        .call()
        .map_err(|e| e.to_string())?;
    let status = response.status();
    if status != 200 {
        return Err(format!("HTTP status {}", status.as_u16()));
    }
    let body = response
        .body_mut()
        .with_config()
        .limit(limit)
        .read_to_string()
        .map_err(|e| e.to_string())?;
    parse_range_body(&body)
}

/// Parses a range answer, dropping zero-count padding. Any malformed line rejects the whole
/// answer (a truncated or non-API body must not pass for "nothing breached").
fn parse_range_body(body: &str) -> Result<Vec<(Suffix, u64)>, String> {
    let mut out = Vec::new();
    for (i, line) in body.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let malformed = || format!("malformed line {} in the upstream answer", i + 1);
        let (s, c) = line.split_once(':').ok_or_else(malformed)?;
        let s = s.trim().as_bytes();
        if s.len() != SUFFIX_LEN || !s.iter().all(u8::is_ascii_hexdigit) {
            return Err(malformed());
        }
        let count: u64 = c.trim().parse().map_err(|_| malformed())?;
        if count > 0 {
            let mut suffix = [0u8; SUFFIX_LEN];
            for (o, b) in suffix.iter_mut().zip(s) {
                *o = b.to_ascii_uppercase();
            }
            out.push((suffix, count));
        }
    }
    Ok(out)
}

/// Upstream answers per prefix, each kept for `ttl`, at most `capacity` of them. All entries live
/// equally long, so the oldest insertion is always the first to expire: a FIFO suffices.
#[derive(Debug)]
struct RangeCache {
    ttl: Duration,
    capacity: usize,
    map: HashMap<u32, (Instant, Answer)>,
    order: VecDeque<(u32, Instant)>,
}

impl RangeCache {
    fn new(ttl: Duration, capacity: usize) -> Self {
        Self {
            ttl,
            capacity,
            map: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    fn get(&self, key: u32, now: Instant) -> Option<Answer> {
        self.map
            .get(&key)
            .filter(|(at, _)| now.saturating_duration_since(*at) < self.ttl)
            .map(|(_, v)| v.clone())
    }

    fn insert(&mut self, key: u32, value: Answer, now: Instant) {
        if self.capacity == 0 {
            return;
        }
        self.map.insert(key, (now, value));
        self.order.push_back((key, now));
        // Drop from the front: superseded insertions, expired entries, and the oldest live ones
        // while over capacity.
        while let Some(&(k, at)) = self.order.front() {
            let live = self.map.get(&k).is_some_and(|(t, _)| *t == at);
            let expired = now.saturating_duration_since(at) >= self.ttl;
            if live && !expired && self.map.len() <= self.capacity {
                break;
            }
            self.order.pop_front();
            if live {
                self.map.remove(&k);
            }
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.map.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: u8) -> Answer {
        Arc::new(vec![([b'A' + n % 6; SUFFIX_LEN], n as u64 + 1)])
    }

    #[test]
    fn cache_expires_and_stays_bounded() {
        let t0 = Instant::now();
        let ttl = Duration::from_secs(10);
        let mut c = RangeCache::new(ttl, 3);
        for k in 0..3 {
            c.insert(k, entry(k as u8), t0);
        }
        assert!(c.get(0, t0).is_some());
        c.insert(3, entry(3), t0 + Duration::from_secs(1));
        assert_eq!(c.len(), 3);
        assert!(
            c.get(0, t0 + Duration::from_secs(1)).is_none(),
            "oldest evicted"
        );
        assert!(c.get(3, t0 + Duration::from_secs(1)).is_some());
        assert!(c.get(1, t0 + ttl).is_none(), "expired");
        // Re-inserting many times keeps the bookkeeping bounded.
        for i in 0..1000u64 {
            c.insert((i % 5) as u32, entry(i as u8), t0 + ttl * (i as u32 + 2));
        }
        assert!(c.len() <= 3);
        assert!(c.order.len() <= 4, "order queue grew to {}", c.order.len());
        let mut off = RangeCache::new(ttl, 0);
        off.insert(1, entry(1), t0);
        assert!(off.get(1, t0).is_none());
    }

    #[test]
    fn upstream_bodies_parse_strictly() {
        let body = "0018A45C4D1DEF81644B54AB7F969B88D65:0\r\n1e4c9b93f3f0682250b6cf8331b7ee68fd8:3861493\r\n\r\n";
        let parsed = parse_range_body(body).unwrap();
        assert_eq!(parsed.len(), 1, "padding dropped");
        assert_eq!(&parsed[0].0, b"1E4C9B93F3F0682250B6CF8331B7EE68FD8");
        assert_eq!(parsed[0].1, 3_861_493);
        assert!(parse_range_body("<html>oops</html>").is_err());
        assert!(parse_range_body("1E4C9B93F3F0682250B6CF8331B7EE68FD:1").is_err());
        assert!(parse_range_body("1E4C9B93F3F0682250B6CF8331B7EE68FD8:x").is_err());
        assert_eq!(parse_range_body("").unwrap(), vec![]);
    }

    #[test]
    fn padding_that_collides_is_replaced() {
        let real: Suffix = *b"1E4C9B93F3F0682250B6CF8331B7EE68FD8";
        let mut lines = vec![(real, 7)];
        // The first draw repeats the real suffix twice (1E4C9B... from bytes 1E 4C 9B ...), the
        // next ones are all distinct.
        let mut colliding = [0u8; 18];
        for (i, b) in colliding.iter_mut().enumerate() {
            *b = u8::from_str_radix(
                std::str::from_utf8(&real[2 * i..(2 * i + 2).min(35)]).unwrap(),
                16,
            )
            .unwrap();
        }
        colliding[17] = 0x80; // last half-byte is dropped: "8" followed by anything
        let mut draws = 0u8;
        pad(&mut lines, 5, |buf| {
            for chunk in buf.chunks_exact_mut(18) {
                if draws < 2 {
                    chunk.copy_from_slice(&colliding);
                } else {
                    chunk.fill(draws);
                }
                draws += 1;
            }
        });
        assert_eq!(lines.len(), 5, "{lines:?}");
        assert_eq!(lines.iter().filter(|(s, _)| *s == real).count(), 1);
        assert!(
            lines.iter().any(|(s, c)| *s == real && *c == 7),
            "the real line survives"
        );
        assert_eq!(lines.iter().filter(|(_, c)| *c == 0).count(), 4);
        assert!(draws > 5, "colliding draws were replaced");
        let mut sorted = lines.clone();
        sorted.sort();
        assert_eq!(lines, sorted);
    }

    #[test]
    fn merge_takes_the_larger_count() {
        let h = |s: &str| Entry {
            hash: hash_from_hex(s).unwrap(),
            count: 5,
        };
        let local = [
            h("5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8"),
            h("5BAA60000000000000000000000000000000000A"),
        ];
        let mut up1 = [0u8; 35];
        up1.copy_from_slice(b"1E4C9B93F3F0682250B6CF8331B7EE68FD8");
        let mut up2 = [0u8; 35];
        up2.copy_from_slice(b"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF");
        let merged = merge(&local, &[(up1, 100), (up2, 2)]);
        assert_eq!(
            merged,
            vec![
                ("0000000000000000000000000000000000A".to_string(), 5),
                ("1E4C9B93F3F0682250B6CF8331B7EE68FD8".to_string(), 100),
                ("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF".to_string(), 2),
            ]
        );
        let merged = merge(&local, &[(up1, 1)]);
        assert_eq!(merged[1].1, 5);
    }
}
