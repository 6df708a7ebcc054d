//! Builds the shipped corpus from the zxcvbn crate's password list. Run by `scripts/build-corpus`:
//!
//! ```text
//! cargo run -p pwned --no-default-features --example build-corpus -- \
//!     path/to/zxcvbn-3.1.1/src/frequency_lists.rs crates/pwned/corpus/zxcvbn-passwords.bin
//! ```
//!
//! Every password gets count 1: the list ranks passwords by frequency but carries no counts, and
//! the corpus must not invent any. The output depends only on the list, so it is byte-identical
//! on every run.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [source, output] = args.as_slice() else {
        eprintln!("usage: build-corpus FREQUENCY_LISTS_RS OUTPUT");
        return ExitCode::from(2);
    };
    match run(Path::new(source), Path::new(output)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("build-corpus: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(source: &Path, output: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(source)?;
    let passwords = pwned::zxcvbn_list::passwords(&text)?;
    let mut hashes: BTreeMap<pwned::Hash, u64> = BTreeMap::new();
    for p in &passwords {
        let hash = pwned::hash_from_hex(&pwned::sha1_hex(p)).expect("40 hex digits");
        hashes.insert(hash, 1); // presence, not frequency: see above
    }
    let duplicates = passwords.len() - hashes.len();
    let report = pwned::build(hashes, output, &pwned::BuildOptions::default())?;
    let check = pwned::Corpus::open(output)?;
    check.verify()?;
    println!(
        "{} passwords ({} duplicates) -> {}: {} hashes, {} bytes, fan-out {} bits, {}-byte counts",
        passwords.len(),
        duplicates,
        output.display(),
        report.records,
        report.bytes,
        report.layout.fanout_bits(),
        report.layout.count_bytes(),
    );
    Ok(())
}
