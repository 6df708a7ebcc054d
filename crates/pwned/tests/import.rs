//! The text importer: `hibp` (`HASH:COUNT`) and `plain` (one password a line).

mod common;

use std::collections::BTreeMap;
use std::io::Cursor;

use common::*;
use pwned::{
    hash_to_hex, import, import_reader, BuildOptions, Corpus, Error, Hash, ImportMode, InputFormat,
};
use rand::{rngs::StdRng, seq::SliceRandom, SeedableRng};

fn contents(path: &std::path::Path) -> BTreeMap<Hash, u64> {
    let corpus = Corpus::open(path).unwrap();
    corpus.verify().unwrap();
    let mut m = BTreeMap::new();
    corpus
        .for_each(|e| {
            m.insert(e.hash, e.count);
        })
        .unwrap();
    m
}

/// `HASH:COUNT` lines for `map`, alternating case and line endings, with padding, blank lines and
/// a split duplicate thrown in.
fn hibp_lines(map: &BTreeMap<Hash, u64>) -> Vec<String> {
    let mut lines = Vec::new();
    for (i, (h, c)) in map.iter().enumerate() {
        let hex = if i % 3 == 0 {
            hash_to_hex(h).to_ascii_lowercase()
        } else {
            hash_to_hex(h)
        };
        if i % 7 == 0 && *c > 1 {
            // The same hash twice in a row: the counts add up.
            lines.push(format!("{hex}:{}", c - 1));
            lines.push(format!("{hex}:1"));
        } else {
            lines.push(format!("{hex}:{c}"));
        }
        if i % 50 == 0 {
            let mut padding = *h;
            padding[19] ^= 0x5A;
            if !map.contains_key(&padding) {
                lines.push(format!("{}:0", hash_to_hex(&padding)));
            }
        }
    }
    lines
}

fn join(lines: &[String]) -> String {
    let mut s = String::new();
    for (i, l) in lines.iter().enumerate() {
        s.push_str(l);
        s.push_str(if i % 2 == 0 { "\r\n" } else { "\n" });
        if i % 97 == 0 {
            s.push_str("\r\n");
        }
    }
    s
}

#[test]
fn sorted_hibp_input_is_streamed() {
    let dir = TempDir::new("hibp-sorted");
    let mut map = random_entries(4000, 10);
    map.retain(|_, c| *c <= u32::MAX as u64);
    let input = dir.path("in.txt");
    std::fs::write(&input, join(&hibp_lines(&map))).unwrap();
    let out = dir.path("out.bin");
    let report = import(InputFormat::Hibp, &input, &out, &BuildOptions::default()).unwrap();
    assert_eq!(report.mode, ImportMode::Streamed);
    assert_eq!(report.records, map.len() as u64);
    assert_eq!(report.layout.count_bytes(), 4);
    assert!(
        report.skipped_lines > 0,
        "padding and blank lines are skipped"
    );
    assert_eq!(contents(&out), map);
    assert_eq!(dir.files(), ["in.txt", "out.bin"]);
    assert!(report.to_string().contains("streamed"), "{report}");
}

#[test]
fn unsorted_hibp_input_is_sorted_in_memory_with_the_same_result() {
    let dir = TempDir::new("hibp-unsorted");
    let map = random_entries(4000, 11); // includes a count above u32::MAX
    let mut lines = hibp_lines(&map);
    // Mostly sorted, then out of order late: what was streamed must be read back.
    let tail = lines.split_off(3000);
    let mut tail_shuffled = tail.clone();
    tail_shuffled.shuffle(&mut StdRng::seed_from_u64(12));
    lines.extend(tail_shuffled);
    let out = dir.path("out.bin");
    let report = import_reader(
        InputFormat::Hibp,
        Cursor::new(join(&lines)),
        None,
        &out,
        &BuildOptions::default(),
    )
    .unwrap();
    assert_eq!(report.mode, ImportMode::SortedInMemory);
    assert_eq!(report.records, map.len() as u64);
    assert_eq!(contents(&out), map);

    // Fully shuffled, with a fixed layout: byte-identical to the sorted import.
    let fixed = BuildOptions {
        fanout_bits: Some(12),
        count_bytes: Some(5),
    };
    let mut shuffled = hibp_lines(&map);
    let sorted_text = join(&shuffled);
    shuffled.shuffle(&mut StdRng::seed_from_u64(13));
    let a = dir.path("a.bin");
    let b = dir.path("b.bin");
    let ra = import_reader(
        InputFormat::Hibp,
        Cursor::new(sorted_text),
        None,
        &a,
        &fixed,
    )
    .unwrap();
    let rb = import_reader(
        InputFormat::Hibp,
        Cursor::new(join(&shuffled)),
        None,
        &b,
        &fixed,
    )
    .unwrap();
    assert_eq!(
        (ra.mode, rb.mode),
        (ImportMode::Streamed, ImportMode::SortedInMemory)
    );
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    assert_eq!(dir.files(), ["a.bin", "b.bin", "out.bin"]);
}

#[test]
fn plain_input_hashes_and_counts_duplicates() {
    let dir = TempDir::new("plain");
    let input = dir.path("passwords.txt");
    let mut text = b"password\r\npassword\nhunter2\r\n\r\n  spaced out  \n".to_vec();
    text.extend_from_slice(b"\xff\xfe latin-1?\n");
    text.extend_from_slice("パスワード\r\npassword".as_bytes()); // no final newline
    std::fs::write(&input, text).unwrap();
    let out = dir.path("plain.bin");
    let report = import(InputFormat::Plain, &input, &out, &BuildOptions::default()).unwrap();
    assert_eq!(report.mode, ImportMode::SortedInMemory);
    assert_eq!(report.lines, 8);
    assert_eq!(
        report.skipped_lines, 2,
        "the blank line and the non-UTF-8 one"
    );
    let got = contents(&out);
    let want: BTreeMap<Hash, u64> = [
        (hash_of("password"), 3),
        (hash_of("hunter2"), 1),
        (hash_of("  spaced out  "), 1),
        (hash_of("パスワード"), 1),
    ]
    .into_iter()
    .collect();
    assert_eq!(got, want);
    assert_eq!(report.layout.count_bytes(), 1);
}

#[test]
fn bad_input_fails_cleanly_and_leaves_the_old_output() {
    let dir = TempDir::new("bad");
    let out = dir.path("out.bin");
    std::fs::write(&out, b"previous corpus").unwrap();
    let cases: [(&str, u64, &str); 4] = [
        ("5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8:1\nnot a line\n", 2, "HASH:COUNT"),
        ("5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8:1\r\n\r\n1E4C9B93F3F0682250B6CF8331B7EE68FD8:3\r\n", 3, "40-hex"),
        ("5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8:-4\n", 1, "whole number"),
        ("5BAA61E4C9B93F3F0682250B6CF8331B7EE68FZ8:4\n", 1, "40-hex"),
    ];
    for (input, line, words) in cases {
        let e = import_reader(
            InputFormat::Hibp,
            Cursor::new(input),
            None,
            &out,
            &BuildOptions::default(),
        )
        .unwrap_err();
        assert!(
            matches!(e, Error::Parse { line: l, .. } if l == line),
            "{e}"
        );
        assert!(e.to_string().contains(words), "{e}");
        assert_eq!(std::fs::read(&out).unwrap(), b"previous corpus");
        assert_eq!(dir.files(), ["out.bin"], "temporary file removed");
    }
    // A count wider than the streaming width is reported with its line.
    let narrow = BuildOptions {
        fanout_bits: None,
        count_bytes: Some(1),
    };
    let e = import_reader(
        InputFormat::Hibp,
        Cursor::new("5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8:256\n"),
        None,
        &out,
        &narrow,
    )
    .unwrap_err();
    assert!(
        matches!(e, Error::Parse { line: 1, ref message } if message.contains("count_bytes")),
        "{e}"
    );
    assert_eq!(dir.files(), ["out.bin"]);
}

#[test]
fn streaming_widens_counts_when_a_huge_one_turns_up() {
    let dir = TempDir::new("widen");
    let map = random_entries(3000, 14); // one count is u32::MAX + 1, in the middle of the order
    let out = dir.path("wide.bin");
    let lines = hibp_lines(&map);
    let report = import_reader(
        InputFormat::Hibp,
        Cursor::new(join(&lines)),
        None,
        &out,
        &BuildOptions::default(),
    )
    .unwrap();
    assert_eq!(report.mode, ImportMode::Streamed);
    assert_eq!(report.layout.count_bytes(), 5);
    assert_eq!(contents(&out), map);
    assert_eq!(
        dir.files(),
        ["wide.bin"],
        "the narrower temporary file is gone"
    );
}

#[test]
fn input_formats_parse_by_name() {
    assert_eq!("plain".parse::<InputFormat>().unwrap(), InputFormat::Plain);
    assert_eq!("HIBP".parse::<InputFormat>().unwrap(), InputFormat::Hibp);
    assert!("csv".parse::<InputFormat>().is_err());
    assert_eq!(InputFormat::Hibp.to_string(), "hibp");
}
