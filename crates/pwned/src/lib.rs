//! The portal's local breach corpus and the Pwned-Passwords-compatible range service in front of
//! it (threat T1: refuse passwords found in breach corpora, by a k-anonymity range check).
//!
//! * [`Corpus`]: a sorted file of SHA-1 hashes with breach counts, answering one range query (all
//!   hashes that start with a 5-hex-digit [`Prefix`]) with one positioned read. The same code
//!   serves the small corpus built into the binary ([`Corpus::embedded`]) and a 20+ GB import of
//!   the full public corpus ([`Corpus::open`]).
//! * [`build`], [`import`], [`CorpusWriter`]: write such a file, atomically, from (hash, count)
//!   pairs or from text (`plain` passwords or the official `HASH:COUNT` download).
//! * [`Pwned`]: the range service: local entries merged with an optional upstream range API
//!   (cached, short timeout, never an error to the caller), and [`render`] for the wire format.
//!
//! # File format (version 1)
//!
//! All integers are big-endian. `N` is the fan-out bit count, `C` the count width in bytes.
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | magic `PWNRANGE` |
//! | 8 | 2 | format version, `1` |
//! | 10 | 1 | `N`, fan-out bits, `0..=24` (the builder picks 12 for ~30 k hashes, 20 for ≥ 8 M) |
//! | 11 | 1 | `C`, bytes per count, `1..=8` (smallest that holds the largest count; 4 when streaming, widened if a larger count turns up) |
//! | 12 | 4 | reserved, zero |
//! | 16 | 8 | `R`, number of records |
//! | 24 | 8 × (2^N + 1) | fan-out table: entry `b` is the index of the first record whose hash starts with the `N`-bit value `b`; entry `2^N` is `R` |
//! | 24 + 8 × (2^N + 1) | R × (20 − ⌊N/8⌋ + C) | records, sorted by hash, no duplicates |
//!
//! A record is the SHA-1 digest without its first `⌊N/8⌋` bytes (those bytes are fully determined
//! by the record's fan-out bucket, so storing them again would be waste) followed by the count in
//! `C` bytes. Counts are at least 1: a hash is either in the corpus or absent. For the full public
//! corpus (about 10^9 hashes, N = 20, C = 4) that is 22 bytes a record instead of 24, about 2 GB
//! less; the 8 MiB fan-out table is read into memory once at open and validated. For the shipped
//! corpus (30 000 hashes, N = 12, C = 1) it is 20 bytes a record and a 32 KiB table.
//!
//! A range query for a 20-bit prefix `P` reads, from the in-memory table, the record interval of
//! the bucket(s) covering `P` (`N ≤ 20`: bucket `P >> (20 − N)`, filtered to `P`; `N > 20`: the
//! `2^(N−20)` buckets under `P`) and then fetches that interval with **one** positioned read
//! (`pread`), whatever the file size. A hash lookup is the same read plus a binary search.
//!
//! [`Corpus::open`] refuses, with an [`Error`] and never a panic, a file whose magic, version or
//! header is wrong, whose length differs from what the header implies, or whose fan-out table is
//! not monotonic from 0 to `R`. [`Corpus::verify`] additionally scans every record (order, bucket,
//! non-zero count); it is linear in the file size, so run it after an import, not at every start.
//!
//! Nothing in the file depends on time or machine, so building from the same input gives the same
//! bytes (`scripts/build-corpus` relies on that).

mod corpus;
mod error;
mod format;
mod import;
mod service;
pub mod source;
pub mod zxcvbn_list;

pub use corpus::{Corpus, Entry};
pub use error::Error;
pub use format::{hash_from_hex, hash_to_hex, Hash, Layout, MAGIC, VERSION};
pub use import::{
    build, encode, import, import_reader, BuildOptions, BuildReport, CorpusWriter, ImportMode,
    ImportReport, InputFormat,
};
pub use portal_api::pwned::{sha1_hex, split_hash, Prefix, PREFIX_LEN, SUFFIX_LEN};
pub use service::{render, Pwned, UpstreamConfig, UPSTREAM_ENV};
pub use source::{FileSource, Source};

/// The shipped corpus file: the zxcvbn crate's 30 000 most common leaked passwords, each with
/// count 1 (see `corpus/README.md` and `scripts/build-corpus`).
#[cfg(feature = "embedded-corpus")]
pub static EMBEDDED_CORPUS: &[u8] = include_bytes!("../corpus/zxcvbn-passwords.bin");
