//! The corpus file format: round trips, the shipped corpus, and refusing damaged files.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::*;
use pwned::{build, encode, hash_to_hex, sha1_hex, BuildOptions, Corpus, Error, Hash, Prefix};
use rand::{rngs::StdRng, Rng, SeedableRng};

fn opts(fanout_bits: Option<u8>, count_bytes: Option<u8>) -> BuildOptions {
    BuildOptions {
        fanout_bits,
        count_bytes,
    }
}

fn as_pairs(entries: Vec<pwned::Entry>) -> Vec<(Hash, u64)> {
    entries.into_iter().map(|e| (e.hash, e.count)).collect()
}

/// Queries every prefix that has entries and `empty_samples` random ones, against the reference.
fn check_against_reference(
    corpus: &Corpus,
    map: &BTreeMap<Hash, u64>,
    seed: u64,
    empty_samples: usize,
) {
    let prefixes: BTreeSet<u32> = map.keys().map(prefix_of).collect();
    for &p in &prefixes {
        let got = as_pairs(
            corpus
                .range(Prefix::parse(&prefix_str(p)).unwrap())
                .unwrap(),
        );
        assert_eq!(got, reference(map, p), "prefix {p:05X}");
        assert!(!got.is_empty());
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let mut empty_seen = 0;
    for _ in 0..empty_samples {
        let p = rng.gen_range(0..1u32 << 20);
        let got = as_pairs(
            corpus
                .range(Prefix::parse(&prefix_str(p)).unwrap())
                .unwrap(),
        );
        assert_eq!(got, reference(map, p), "prefix {p:05X}");
        empty_seen += got.is_empty() as usize;
    }
    assert!(
        empty_samples == 0 || empty_seen > 0,
        "no empty prefix was exercised"
    );
    for (h, c) in map {
        assert_eq!(corpus.count(h).unwrap(), *c, "{}", hash_to_hex(h));
        let mut other = *h;
        other[19] ^= 0x01;
        if !map.contains_key(&other) {
            assert_eq!(corpus.count(&other).unwrap(), 0, "{}", hash_to_hex(&other));
        }
    }
    let mut all = Vec::new();
    corpus.for_each(|e| all.push((e.hash, e.count))).unwrap();
    assert_eq!(all, map.iter().map(|(h, c)| (*h, *c)).collect::<Vec<_>>());
}

#[test]
fn round_trips_for_every_kind_of_layout() {
    let map = random_entries(3000, 1);
    for (bits, count_bytes) in [
        (None, None),
        (Some(0), None),
        (Some(3), Some(5)),
        (Some(8), None),
        (Some(12), None),
        (Some(13), Some(8)),
        (Some(20), None),
        (Some(21), None),
        (Some(24), Some(6)),
    ] {
        let bytes = encode(map.iter().map(|(h, c)| (*h, *c)), &opts(bits, count_bytes)).unwrap();
        let corpus = Corpus::from_vec(bytes).unwrap();
        if let Some(b) = bits {
            assert_eq!(corpus.layout().fanout_bits(), b);
        }
        assert_eq!(
            corpus.layout().count_bytes(),
            count_bytes.unwrap_or(5),
            "u32::MAX+1 needs 5 bytes"
        );
        assert_eq!(corpus.len(), map.len() as u64);
        corpus.verify().unwrap();
        check_against_reference(&corpus, &map, 2, 300);
    }
}

#[test]
fn every_prefix_of_a_small_corpus_matches_the_reference() {
    let map = random_entries(20_000, 3);
    let corpus = Corpus::from_vec(encode(map.clone(), &BuildOptions::default()).unwrap()).unwrap();
    assert_eq!(corpus.layout().fanout_bits(), 12);
    let mut by_prefix: BTreeMap<u32, Vec<(Hash, u64)>> = BTreeMap::new();
    for (h, c) in &map {
        by_prefix.entry(prefix_of(h)).or_default().push((*h, *c));
    }
    let mut non_empty = 0;
    for p in 0..1u32 << 20 {
        let got = as_pairs(
            corpus
                .range(Prefix::parse(&prefix_str(p)).unwrap())
                .unwrap(),
        );
        let want = by_prefix.get(&p).cloned().unwrap_or_default();
        assert_eq!(got, want, "prefix {p:05X}");
        non_empty += !got.is_empty() as usize;
    }
    assert_eq!(non_empty, by_prefix.len());
}

#[test]
fn files_and_memory_give_identical_bytes_and_answers() {
    let dir = TempDir::new("format");
    let map = random_entries(5000, 4);
    // Unsorted input with duplicates: counts add up.
    let mut input: Vec<(Hash, u64)> = map.iter().map(|(h, c)| (*h, *c)).collect();
    input.reverse();
    let (first, count) = input[0];
    input[0].1 = count - 1;
    input.push((first, 1));
    input.push(([7u8; 20], 0)); // zero counts are dropped
    let path = dir.path("c.bin");
    let report = build(input.clone(), &path, &BuildOptions::default()).unwrap();
    assert_eq!(report.records, map.len() as u64);
    let on_disk = std::fs::read(&path).unwrap();
    assert_eq!(report.bytes, on_disk.len() as u64);
    assert_eq!(
        on_disk,
        encode(input, &BuildOptions::default()).unwrap(),
        "deterministic"
    );
    assert_eq!(dir.files(), ["c.bin"], "no temporary file left behind");
    let corpus = Corpus::open(&path).unwrap();
    assert!(!corpus.is_in_memory());
    check_against_reference(&corpus, &map, 5, 100);
}

#[test]
fn empty_corpus_answers_nothing() {
    let corpus = Corpus::from_vec(encode(Vec::new(), &BuildOptions::default()).unwrap()).unwrap();
    assert!(corpus.is_empty());
    corpus.verify().unwrap();
    assert!(corpus
        .range(Prefix::parse("5BAA6").unwrap())
        .unwrap()
        .is_empty());
    assert_eq!(corpus.count(&hash_of("password")).unwrap(), 0);
}

#[test]
fn shipped_corpus_knows_password_and_not_a_strong_one() {
    let corpus = Corpus::embedded();
    corpus.verify().unwrap();
    assert_eq!(corpus.len(), 30_000);
    assert_eq!(
        (corpus.layout().fanout_bits(), corpus.layout().count_bytes()),
        (12, 1)
    );
    assert!(
        corpus.size_bytes() < 700_000,
        "{} bytes",
        corpus.size_bytes()
    );

    assert_eq!(
        sha1_hex("password"),
        "5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8"
    );
    let range = corpus.range(Prefix::parse("5BAA6").unwrap()).unwrap();
    let hit: Vec<_> = range
        .iter()
        .filter(|e| e.suffix() == "1E4C9B93F3F0682250B6CF8331B7EE68FD8")
        .collect();
    assert_eq!(hit.len(), 1);
    assert_eq!(
        hit[0].count, 1,
        "the shipped list carries no frequencies: count 1 each"
    );
    assert!(range
        .iter()
        .all(|e| hash_to_hex(&e.hash).starts_with("5BAA6")));

    // Passwords from the start, middle and end of the list, and one written with an escape.
    for p in ["123456", "qwerty", "oakland1", "pic's", "geekboy"] {
        assert_eq!(corpus.count(&hash_of(p)).unwrap(), 1, "{p}");
    }

    let mut rng = rand::thread_rng();
    let strong: String = (0..24)
        .map(|_| rng.sample(rand::distributions::Alphanumeric) as char)
        .collect();
    let hex = sha1_hex(&strong);
    assert_eq!(corpus.count(&hash_of(&strong)).unwrap(), 0, "{strong}");
    let range = corpus.range(Prefix::parse(&hex[..5]).unwrap()).unwrap();
    assert!(range.iter().all(|e| e.suffix() != hex[5..]));
    for p in ["correct horse battery staple 1923!", "Password", "PASSWORD"] {
        assert_eq!(
            corpus.count(&hash_of(p)).unwrap(),
            0,
            "{p} (the list is lower case)"
        );
    }
}

#[test]
fn shipped_file_is_the_embedded_one() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/zxcvbn-passwords.bin");
    assert_eq!(std::fs::read(path).unwrap(), pwned::EMBEDDED_CORPUS);
    let from_file = Corpus::open(path).unwrap();
    let embedded = Corpus::embedded();
    for p in ["5BAA6", "7C4A8", "00000", "FFFFF"] {
        let p = Prefix::parse(p).unwrap();
        assert_eq!(from_file.range(p).unwrap(), embedded.range(p).unwrap());
    }
}

fn small_file() -> Vec<u8> {
    encode(random_entries(500, 6), &opts(Some(8), None)).unwrap()
}

fn refused(bytes: Vec<u8>) -> Error {
    match Corpus::from_vec(bytes) {
        Ok(c) => panic!("accepted a damaged file: {c:?}"),
        Err(e) => {
            assert!(!e.to_string().is_empty());
            e
        }
    }
}

#[test]
fn damaged_files_are_refused_with_a_clear_error() {
    let good = small_file();
    let len = good.len() as u64;
    Corpus::from_vec(good.clone()).unwrap().verify().unwrap();

    assert!(matches!(
        refused(Vec::new()),
        Error::Truncated {
            expected: 24,
            actual: 0
        }
    ));
    assert!(matches!(
        refused(good[..10].to_vec()),
        Error::Truncated { .. }
    ));
    assert!(matches!(
        refused(b"hello, world".to_vec()),
        Error::NotACorpus
    ));
    assert!(matches!(
        refused(good[..23].to_vec()),
        Error::Truncated { .. }
    ));
    for cut in [24, 100, 24 + 8 * 257, len as usize - 1] {
        let e = refused(good[..cut].to_vec());
        assert!(
            matches!(e, Error::Truncated { expected, actual } if expected == len && actual == cut as u64),
            "{e}"
        );
        assert!(e.to_string().contains("truncated"), "{e}");
    }
    let mut longer = good.clone();
    longer.push(0);
    assert!(matches!(refused(longer), Error::Corrupt(_)));

    let patch = |at: usize, bytes: &[u8]| {
        let mut b = good.clone();
        b[at..at + bytes.len()].copy_from_slice(bytes);
        b
    };
    let e = refused(patch(0, b"PWNRANGF"));
    assert!(
        matches!(e, Error::NotACorpus) && e.to_string().contains("not a pwned corpus"),
        "{e}"
    );
    assert!(matches!(
        refused(patch(8, &[0, 2])),
        Error::UnsupportedVersion(2)
    ));
    assert!(matches!(refused(patch(10, &[30])), Error::BadHeader(_)));
    assert!(matches!(refused(patch(11, &[0])), Error::BadHeader(_)));
    assert!(matches!(refused(patch(11, &[9])), Error::BadHeader(_)));
    assert!(matches!(
        refused(patch(12, &[0, 0, 0, 1])),
        Error::BadHeader(_)
    ));
    assert!(matches!(
        refused(patch(16, &u64::MAX.to_be_bytes())),
        Error::BadHeader(_)
    ));
    let records = u64::from_be_bytes(good[16..24].try_into().unwrap());
    assert!(matches!(
        refused(patch(16, &(records + 1).to_be_bytes())),
        Error::Truncated { .. }
    ));
    // A different fan-out changes the expected length too.
    assert!(matches!(refused(patch(10, &[9])), Error::Truncated { .. }));

    // Fan-out table: must start at 0, never decrease, end at the record count.
    let entry = |i: usize| 24 + 8 * i;
    let e = refused(patch(entry(0), &1u64.to_be_bytes()));
    assert!(
        matches!(e, Error::Corrupt(_)) && e.to_string().contains("fan-out"),
        "{e}"
    );
    let v = u64::from_be_bytes(good[entry(100)..entry(100) + 8].try_into().unwrap());
    assert!(matches!(
        refused(patch(entry(101), &(v - 1).to_be_bytes())),
        Error::Corrupt(_)
    ));
    assert!(matches!(
        refused(patch(entry(256), &(records - 1).to_be_bytes())),
        Error::Corrupt(_)
    ));
    assert!(matches!(
        refused(patch(entry(50), &(records + 5).to_be_bytes())),
        Error::Corrupt(_)
    ));
}

#[test]
fn open_refuses_a_truncated_file_on_disk() {
    let dir = TempDir::new("truncated");
    let path = dir.path("t.bin");
    let good = small_file();
    std::fs::write(&path, &good[..good.len() - 7]).unwrap();
    let e = Corpus::open(&path).unwrap_err();
    assert!(matches!(e, Error::Truncated { .. }), "{e}");
    let e = Corpus::open(dir.path("missing.bin")).unwrap_err();
    assert!(
        matches!(e, Error::Io(ref io) if io.kind() == std::io::ErrorKind::NotFound),
        "{e}"
    );
}

#[test]
fn verify_finds_what_open_cannot_see() {
    let good = small_file();
    let records_at = 24 + 8 * 257;
    let record_len = 20 - 1 + 5;
    // Swap two adjacent records of the same bucket: order broken, structure intact.
    let c = Corpus::from_vec(good.clone()).unwrap();
    let mut by_bucket: BTreeMap<u8, Vec<usize>> = BTreeMap::new();
    let mut i = 0;
    c.for_each(|e| {
        by_bucket.entry(e.hash[0]).or_default().push(i);
        i += 1;
    })
    .unwrap();
    let pair = by_bucket.values().find(|v| v.len() >= 2).unwrap();
    let (a, b) = (
        records_at + pair[0] * record_len,
        records_at + pair[1] * record_len,
    );
    let mut swapped = good.clone();
    for k in 0..record_len {
        swapped.swap(a + k, b + k);
    }
    let e = Corpus::from_vec(swapped).unwrap().verify().unwrap_err();
    assert!(
        matches!(e, Error::Corrupt(ref m) if m.contains("order")),
        "{e}"
    );

    let mut zero = good.clone();
    zero[a + 19..a + record_len].fill(0);
    let e = Corpus::from_vec(zero).unwrap().verify().unwrap_err();
    assert!(
        matches!(e, Error::Corrupt(ref m) if m.contains("zero")),
        "{e}"
    );
}

#[test]
fn random_damage_never_panics() {
    let good = small_file();
    let mut rng = StdRng::seed_from_u64(7);
    let (mut refused_count, mut caught_by_verify) = (0, 0);
    for _ in 0..400 {
        let mut b = good.clone();
        for _ in 0..rng.gen_range(1..4) {
            let at = rng.gen_range(0..b.len());
            b[at] = rng.gen();
        }
        if rng.gen_bool(0.2) {
            b.truncate(rng.gen_range(0..b.len()));
        }
        match Corpus::from_vec(b) {
            Err(_) => refused_count += 1,
            Ok(c) => {
                for _ in 0..20 {
                    let p = rng.gen_range(0..1u32 << 20);
                    let _ = c.range(Prefix::parse(&prefix_str(p)).unwrap()).unwrap();
                }
                caught_by_verify += c.verify().is_err() as usize;
            }
        }
    }
    assert!(
        refused_count > 50 && caught_by_verify > 0,
        "{refused_count} {caught_by_verify}"
    );
}
