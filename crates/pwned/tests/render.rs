//! The range-API wire format, with and without padding.

use std::collections::HashSet;

use portal_api::pwned::count_in_range;
use pwned::{render, Corpus, Prefix};

fn is_wire_line(line: &str) -> bool {
    let Some((s, c)) = line.split_once(':') else {
        return false;
    };
    s.len() == 35
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b))
        && !c.is_empty()
        && c.bytes().all(|b| b.is_ascii_digit())
}

fn real_entries() -> Vec<(String, u64)> {
    let corpus = Corpus::embedded();
    let mut v: Vec<(String, u64)> = corpus
        .range(Prefix::parse("5BAA6").unwrap())
        .unwrap()
        .into_iter()
        .map(|e| (e.suffix(), e.count))
        .collect();
    // Lower case in, upper case out; a large count survives.
    v.push(("ffffffffffffffffffffffffffffffffff0".into(), 3_861_493));
    v
}

#[test]
fn padded_answers_have_800_to_1000_well_formed_lines() {
    let real = real_entries();
    let real_suffixes: HashSet<String> = real.iter().map(|(s, _)| s.to_ascii_uppercase()).collect();
    let mut sizes = HashSet::new();
    for _ in 0..40 {
        let body = render(&real, true);
        assert!(!body.ends_with('\n'), "no line break after the last line");
        assert!(
            !body.replace("\r\n", "").contains(['\r', '\n']),
            "CRLF only"
        );
        let lines: Vec<&str> = body.split("\r\n").collect();
        assert!((800..=1000).contains(&lines.len()), "{} lines", lines.len());
        sizes.insert(lines.len());
        assert!(lines.iter().all(|l| is_wire_line(l)), "malformed line");
        let suffixes: Vec<&str> = lines.iter().map(|l| &l[..35]).collect();
        let mut sorted = suffixes.clone();
        sorted.sort();
        assert_eq!(suffixes, sorted, "sorted by suffix");
        assert_eq!(
            suffixes.iter().collect::<HashSet<_>>().len(),
            lines.len(),
            "no suffix twice"
        );
        let mut padding = 0;
        for l in &lines {
            let (s, c) = l.split_once(':').unwrap();
            if real_suffixes.contains(s) {
                assert_ne!(c, "0");
            } else {
                assert_eq!(c, "0", "padding has count 0");
                padding += 1;
            }
        }
        assert_eq!(padding, lines.len() - real.len());
        for (s, c) in &real {
            assert_eq!(count_in_range(&body, s), *c, "{s}");
        }
    }
    assert!(sizes.len() > 5, "the padded size must vary: {sizes:?}");
}

#[test]
fn unpadded_answer_is_exactly_the_entries() {
    let real = real_entries();
    let body = render(&real, false);
    let lines: Vec<&str> = body.split("\r\n").collect();
    assert_eq!(lines.len(), real.len());
    let mut want: Vec<String> = real
        .iter()
        .map(|(s, c)| format!("{}:{c}", s.to_ascii_uppercase()))
        .collect();
    want.sort();
    assert_eq!(lines, want);
    assert_eq!(render(&[], false), "");
    // Something that is not a suffix is left out rather than sent.
    let odd = vec![
        ("XYZ".to_string(), 1),
        ("1E4C9B93F3F0682250B6CF8331B7EE68FD8".to_string(), 2),
    ];
    assert_eq!(render(&odd, false), "1E4C9B93F3F0682250B6CF8331B7EE68FD8:2");
}

#[test]
fn a_long_answer_is_not_padded() {
    let many: Vec<(String, u64)> = (0..1200u32)
        .map(|i| (format!("{i:035X}"), 1 + i as u64))
        .collect();
    let body = render(&many, true);
    assert_eq!(body.split("\r\n").count(), 1200);
    assert!(!body.contains(":0\r\n"));
    let few = vec![("1E4C9B93F3F0682250B6CF8331B7EE68FD8".to_string(), 3)];
    let body = render(&few, true);
    assert!((800..=1000).contains(&body.split("\r\n").count()));
    assert_eq!(
        count_in_range(&body, "1E4C9B93F3F0682250B6CF8331B7EE68FD8"),
        3
    );
}
