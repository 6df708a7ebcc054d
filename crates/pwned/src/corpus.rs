//! Reading a corpus file: open and validate, range queries, point lookups, full scans.

use std::fmt;
use std::fs::File;
use std::path::Path;

use crate::format::{prefix_index, suffix_ascii, Hash, Layout, HEADER_LEN};
use crate::source::{FileSource, Source};
use crate::{Error, Prefix};

/// One hash of the corpus and how often it was seen (at least 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entry {
    pub hash: Hash,
    pub count: u64,
}

impl Entry {
    /// The 35 upper-case hex characters a range answer carries for this hash.
    pub fn suffix(&self) -> String {
        String::from_utf8(suffix_ascii(&self.hash).to_vec()).expect("hex is ASCII")
    }
}

/// An opened, validated corpus. Cheap to query from many threads at once (`&self` only).
pub struct Corpus {
    source: Box<dyn Source>,
    layout: Layout,
    records: u64,
    /// The fan-out table, `2^N + 1` record indices.
    table: Vec<u64>,
}

impl fmt::Debug for Corpus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Corpus")
            .field("records", &self.records)
            .field("layout", &self.layout)
            .field("bytes", &self.source.size())
            .field("in_memory", &self.source.is_in_memory())
            .finish()
    }
}

impl Corpus {
    /// Opens a corpus file (any size: only the header and the fan-out table are read now).
    pub fn open(path: impl AsRef<Path>) -> Result<Self, Error> {
        let file = File::open(path)?;
        Self::from_source(FileSource::new(file)?)
    }

    /// The corpus built into this binary (the zxcvbn password list, see `corpus/README.md`).
    #[cfg(feature = "embedded-corpus")]
    pub fn embedded() -> Self {
        Self::from_static(crate::EMBEDDED_CORPUS).expect("the shipped corpus is valid (tested)")
    }

    /// A corpus in static memory, e.g. from `include_bytes!`.
    pub fn from_static(bytes: &'static [u8]) -> Result<Self, Error> {
        Self::from_source(bytes)
    }

    /// A corpus held in a vector (e.g. built with [`crate::encode`]).
    pub fn from_vec(bytes: Vec<u8>) -> Result<Self, Error> {
        Self::from_source(bytes)
    }

    /// A corpus read through any [`Source`]. Validates the header, the length and the fan-out
    /// table; refuses anything inconsistent with an [`Error`].
    pub fn from_source(source: impl Source) -> Result<Self, Error> {
        let size = source.size();
        if size < HEADER_LEN {
            return Err(if size >= 8 && !starts_with_magic(&source) {
                Error::NotACorpus
            } else {
                Error::Truncated {
                    expected: HEADER_LEN,
                    actual: size,
                }
            });
        }
        let mut header = [0u8; HEADER_LEN as usize];
        source.read_exact_at(&mut header, 0)?;
        let (layout, records) = Layout::decode_header(&header)?;
        let expected = layout.file_len(records).ok_or_else(|| {
            Error::BadHeader(format!("record count {records} is impossibly large"))
        })?;
        if size < expected {
            return Err(Error::Truncated {
                expected,
                actual: size,
            });
        }
        if size > expected {
            return Err(Error::Corrupt(format!(
                "{} bytes after the last record (header implies {expected} bytes, file has {size})",
                size - expected
            )));
        }

        let entries = (layout.buckets() + 1) as usize;
        let mut raw = vec![0u8; entries * 8];
        source.read_exact_at(&mut raw, HEADER_LEN)?;
        let mut table = Vec::with_capacity(entries);
        let mut previous = 0u64;
        for (bucket, chunk) in raw.chunks_exact(8).enumerate() {
            let v = u64::from_be_bytes(chunk.try_into().expect("8 bytes"));
            if (bucket == 0 && v != 0) || v < previous || v > records {
                return Err(Error::Corrupt(format!(
                    "fan-out table entry {bucket} is {v} (previous {previous}, {records} records)"
                )));
            }
            previous = v;
            table.push(v);
        }
        if previous != records {
            return Err(Error::Corrupt(format!(
                "fan-out table ends at {previous}, header says {records} records"
            )));
        }
        Ok(Self {
            source: Box::new(source),
            layout,
            records,
            table,
        })
    }

    /// Number of distinct hashes.
    pub fn len(&self) -> u64 {
        self.records
    }

    pub fn is_empty(&self) -> bool {
        self.records == 0
    }

    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// Size of the corpus file in bytes.
    pub fn size_bytes(&self) -> u64 {
        self.source.size()
    }

    /// True for the embedded corpus and other in-memory ones (no blocking reads).
    pub fn is_in_memory(&self) -> bool {
        self.source.is_in_memory()
    }

    /// Buckets `lo..hi` and the record interval they cover for a 20-bit prefix.
    fn buckets_for_prefix(&self, prefix: u32) -> (u64, u64) {
        let n = self.layout.fanout_bits() as u32;
        let p = prefix as u64;
        if n <= 20 {
            let b = p >> (20 - n);
            (b, b + 1)
        } else {
            (p << (n - 20), (p + 1) << (n - 20))
        }
    }

    /// Reads records `lo..hi` with one positioned read.
    fn read_records(&self, lo: u64, hi: u64) -> Result<Vec<u8>, Error> {
        let rl = self.layout.record_len() as u64;
        let mut buf = vec![0u8; ((hi - lo) * rl) as usize];
        if !buf.is_empty() {
            self.source
                .read_exact_at(&mut buf, self.layout.records_offset() + lo * rl)?;
        }
        Ok(buf)
    }

    /// Decodes a run of records that starts at record `first` in bucket `bucket`.
    fn decode_run(
        &self,
        mut bucket: u64,
        first: u64,
        buf: &[u8],
        mut f: impl FnMut(u64, Hash, u64),
    ) {
        let rl = self.layout.record_len();
        for (i, rec) in buf.chunks_exact(rl).enumerate() {
            let index = first + i as u64;
            while self.table[bucket as usize + 1] <= index {
                bucket += 1;
            }
            let (hash, count) = self.layout.decode_record(bucket, rec);
            f(bucket, hash, count);
        }
    }

    /// Every entry whose hash starts with `prefix`, sorted by hash. One disk read.
    pub fn range(&self, prefix: Prefix) -> Result<Vec<Entry>, Error> {
        let p = prefix.index();
        let (b_lo, b_hi) = self.buckets_for_prefix(p);
        let (lo, hi) = (self.table[b_lo as usize], self.table[b_hi as usize]);
        let buf = self.read_records(lo, hi)?;
        let mut out = Vec::with_capacity((hi - lo) as usize);
        let filter = self.layout.fanout_bits() < 20;
        self.decode_run(b_lo, lo, &buf, |_, hash, count| {
            if !filter || prefix_index(&hash) == p {
                out.push(Entry { hash, count });
            }
        });
        Ok(out)
    }

    /// How often `hash` was seen; 0 when it is not in the corpus. One disk read.
    pub fn count(&self, hash: &Hash) -> Result<u64, Error> {
        let bucket = self.layout.bucket_of(hash);
        let (lo, hi) = (self.table[bucket as usize], self.table[bucket as usize + 1]);
        let buf = self.read_records(lo, hi)?;
        let rl = self.layout.record_len();
        let key = &hash[self.layout.skip()..];
        let klen = key.len();
        // Records of one bucket share the skipped leading bytes, so the stored keys sort alike.
        let (mut a, mut b) = (0usize, (hi - lo) as usize);
        while a < b {
            let mid = (a + b) / 2;
            let rec = &buf[mid * rl..(mid + 1) * rl];
            match rec[..klen].cmp(key) {
                std::cmp::Ordering::Less => a = mid + 1,
                std::cmp::Ordering::Greater => b = mid,
                std::cmp::Ordering::Equal => return Ok(self.layout.decode_record(bucket, rec).1),
            }
        }
        Ok(0)
    }

    /// Calls `f` for every entry in hash order, reading the file sequentially in 1 MiB blocks.
    pub fn for_each(&self, mut f: impl FnMut(Entry)) -> Result<(), Error> {
        self.scan(|_, hash, count| f(Entry { hash, count }))
    }

    fn scan(&self, mut f: impl FnMut(u64, Hash, u64)) -> Result<(), Error> {
        let rl = self.layout.record_len() as u64;
        let step = (1 << 20) / rl.max(1);
        let mut bucket = 0u64;
        let mut lo = 0u64;
        while lo < self.records {
            let hi = (lo + step).min(self.records);
            let buf = self.read_records(lo, hi)?;
            let mut last_bucket = bucket;
            self.decode_run(bucket, lo, &buf, |b, hash, count| {
                last_bucket = b;
                f(b, hash, count)
            });
            bucket = last_bucket;
            lo = hi;
        }
        Ok(())
    }

    /// Checks every record: strictly increasing hashes, each in the bucket the table puts it in,
    /// no zero count. Linear in the file size (a minute or so for the full public corpus).
    pub fn verify(&self) -> Result<(), Error> {
        let mut previous: Option<Hash> = None;
        let mut index = 0u64;
        let mut problem: Option<String> = None;
        self.scan(|bucket, hash, count| {
            if problem.is_none() {
                if self.layout.bucket_of(&hash) != bucket {
                    problem = Some(format!(
                        "record {index} is filed under the wrong fan-out bucket"
                    ));
                } else if count == 0 {
                    problem = Some(format!("record {index} has a zero count"));
                } else if previous.is_some_and(|p| p >= hash) {
                    problem = Some(format!("record {index} is out of order or a duplicate"));
                }
            }
            previous = Some(hash);
            index += 1;
        })?;
        match problem {
            Some(m) => Err(Error::Corrupt(m)),
            None => Ok(()),
        }
    }
}

fn starts_with_magic(source: &impl Source) -> bool {
    let mut m = [0u8; 8];
    source.read_exact_at(&mut m, 0).is_ok() && m == crate::MAGIC
}
