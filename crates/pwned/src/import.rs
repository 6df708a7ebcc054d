//! Writing corpus files: the streaming [`CorpusWriter`], the in-memory [`build`], and the text
//! importer behind `portal-server pwned import --format plain|hibp INPUT OUTPUT`.

use std::collections::HashMap;
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, BufWriter, Cursor, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::format::{count_bytes_for, hash_from_hex, hash_to_hex, Hash, Layout, HEADER_LEN};
use crate::source::FileSource;
use crate::{sha1_hex, Corpus, Error};

/// Writes a corpus from hashes given in increasing order, in constant memory (the fan-out table,
/// at most 8 MiB for 20 bits, is the only thing kept). Equal consecutive hashes are merged by
/// adding their counts; zero counts (range-API padding) are dropped.
pub struct CorpusWriter<W: Write + Seek> {
    out: W,
    layout: Layout,
    table: Vec<u64>,
    next_bucket: u64,
    written: u64,
    pending: Option<(Hash, u64)>,
    record: Vec<u8>,
}

impl<W: Write + Seek> CorpusWriter<W> {
    /// Starts a corpus at the current start of `out` (which must be empty): reserves the header
    /// and the fan-out table, which [`finish`](Self::finish) fills in.
    pub fn new(mut out: W, layout: Layout) -> Result<Self, Error> {
        let zeros = [0u8; 64 * 1024];
        let mut left = layout.records_offset();
        while left > 0 {
            let n = left.min(zeros.len() as u64) as usize;
            out.write_all(&zeros[..n])?;
            left -= n as u64;
        }
        Ok(Self {
            out,
            layout,
            table: vec![0; layout.buckets() as usize + 1],
            next_bucket: 0,
            written: 0,
            pending: None,
            record: vec![0; layout.record_len()],
        })
    }

    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// Records accepted so far (after merging duplicates).
    pub fn records(&self) -> u64 {
        self.written + self.pending.is_some() as u64
    }

    /// Adds a hash. Hashes must come in increasing order; an equal hash adds to the count.
    pub fn push(&mut self, hash: Hash, count: u64) -> Result<(), Error> {
        if count == 0 {
            return Ok(());
        }
        match self.pending {
            Some((p, c)) if p == hash => {
                let merged = c.saturating_add(count);
                self.check_count(merged)?;
                self.pending = Some((p, merged));
                Ok(())
            }
            Some((p, _)) if hash < p => Err(Error::Unsorted {
                previous: hash_to_hex(&p),
                next: hash_to_hex(&hash),
            }),
            _ => {
                self.check_count(count)?;
                self.flush_pending()?;
                self.pending = Some((hash, count));
                Ok(())
            }
        }
    }

    fn check_count(&self, count: u64) -> Result<(), Error> {
        if count > self.layout.max_count() {
            return Err(Error::CountTooLarge {
                count,
                count_bytes: self.layout.count_bytes(),
            });
        }
        Ok(())
    }

    fn flush_pending(&mut self) -> Result<(), Error> {
        if let Some((hash, count)) = self.pending.take() {
            let bucket = self.layout.bucket_of(&hash);
            while self.next_bucket <= bucket {
                self.table[self.next_bucket as usize] = self.written;
                self.next_bucket += 1;
            }
            self.layout.encode_record(&hash, count, &mut self.record);
            self.out.write_all(&self.record)?;
            self.written += 1;
        }
        Ok(())
    }

    /// Writes the header and the fan-out table and returns the output and the record count.
    /// The output is flushed but not synced; [`build`] and [`import`] sync and rename.
    pub fn finish(mut self) -> Result<(W, u64), Error> {
        self.flush_pending()?;
        while self.next_bucket <= self.layout.buckets() {
            self.table[self.next_bucket as usize] = self.written;
            self.next_bucket += 1;
        }
        self.out.seek(SeekFrom::Start(0))?;
        self.out
            .write_all(&self.layout.encode_header(self.written))?;
        let mut raw = Vec::with_capacity(self.table.len() * 8);
        for v in &self.table {
            raw.extend_from_slice(&v.to_be_bytes());
        }
        self.out.write_all(&raw)?;
        debug_assert_eq!(HEADER_LEN + raw.len() as u64, self.layout.records_offset());
        self.out.seek(SeekFrom::End(0))?;
        self.out.flush()?;
        Ok((self.out, self.written))
    }
}

/// Layout overrides; by default the builder chooses (see [`Layout::auto`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BuildOptions {
    /// Fan-out bits, `0..=24`.
    pub fanout_bits: Option<u8>,
    /// Bytes per count, `1..=8`. When streaming, the default starts at 4 (the largest count in
    /// the public corpus is a few tens of millions) and widens if a larger count turns up.
    pub count_bytes: Option<u8>,
}

/// What a build wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuildReport {
    pub records: u64,
    pub layout: Layout,
    pub bytes: u64,
}

/// Sorts and merges entries in memory (equal hashes add their counts, zero counts are dropped)
/// and writes them to `output` atomically (temporary file in the same directory, fsync, rename).
pub fn build(
    entries: impl IntoIterator<Item = (Hash, u64)>,
    output: &Path,
    options: &BuildOptions,
) -> Result<BuildReport, Error> {
    let sorted = sort_and_merge(entries.into_iter().collect());
    let layout = layout_for(&sorted, options)?;
    let tmp = TempFile::create(output)?;
    let mut writer = CorpusWriter::new(BufWriter::with_capacity(1 << 20, tmp.file()?), layout)?;
    for (hash, count) in sorted {
        writer.push(hash, count)?;
    }
    let (w, records) = writer.finish()?;
    let file = w.into_inner().map_err(|e| Error::Io(e.into_error()))?;
    let bytes = file.metadata()?.len();
    tmp.commit(file)?;
    Ok(BuildReport {
        records,
        layout,
        bytes,
    })
}

/// Like [`build`], into memory (for tests and for corpora built at run time).
pub fn encode(
    entries: impl IntoIterator<Item = (Hash, u64)>,
    options: &BuildOptions,
) -> Result<Vec<u8>, Error> {
    let sorted = sort_and_merge(entries.into_iter().collect());
    let layout = layout_for(&sorted, options)?;
    let mut writer = CorpusWriter::new(Cursor::new(Vec::new()), layout)?;
    for (hash, count) in sorted {
        writer.push(hash, count)?;
    }
    Ok(writer.finish()?.0.into_inner())
}

fn sort_and_merge(mut entries: Vec<(Hash, u64)>) -> Vec<(Hash, u64)> {
    entries.sort_unstable_by_key(|e| e.0);
    let mut out: Vec<(Hash, u64)> = Vec::with_capacity(entries.len());
    for (hash, count) in entries {
        if count == 0 {
            continue;
        }
        match out.last_mut() {
            Some((h, c)) if *h == hash => *c = c.saturating_add(count),
            _ => out.push((hash, count)),
        }
    }
    out
}

fn layout_for(sorted: &[(Hash, u64)], options: &BuildOptions) -> Result<Layout, Error> {
    let max = sorted.iter().map(|e| e.1).max().unwrap_or(1);
    let auto = Layout::auto(sorted.len() as u64, max);
    Layout::new(
        options.fanout_bits.unwrap_or(auto.fanout_bits()),
        options.count_bytes.unwrap_or(auto.count_bytes()),
    )
}

/// Text input formats of [`import`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    /// One password per line (UTF-8, `\n` or `\r\n`); each is hashed with SHA-1 and every
    /// occurrence adds 1 to its count.
    Plain,
    /// The official download: `40-HEX-SHA1:COUNT` per line, either case, `\n` or `\r\n`.
    Hibp,
}

impl FromStr for InputFormat {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.to_ascii_lowercase().as_str() {
            "plain" => Ok(Self::Plain),
            "hibp" => Ok(Self::Hibp),
            other => Err(Error::Config(format!(
                "unknown input format {other:?} (plain or hibp)"
            ))),
        }
    }
}

impl fmt::Display for InputFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Plain => "plain",
            Self::Hibp => "hibp",
        })
    }
}

/// How [`import`] built the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportMode {
    /// Sorted `hibp` input, written as it was read, in constant memory.
    Streamed,
    /// Everything was held in memory and sorted (`plain` input, or `hibp` input found unsorted).
    SortedInMemory,
}

/// What [`import`] did, for the CLI to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    pub format: InputFormat,
    pub mode: ImportMode,
    /// Lines read.
    pub lines: u64,
    /// Lines that contributed nothing: blank, zero-count (`hibp` padding) or, for `plain`, not
    /// UTF-8 (no password typed into the portal can hash like a non-UTF-8 byte string).
    pub skipped_lines: u64,
    pub records: u64,
    pub layout: Layout,
    pub bytes: u64,
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} lines ({} skipped) of {} input -> {} hashes, {} bytes, fan-out {} bits, {}-byte counts, {}",
            self.lines,
            self.skipped_lines,
            self.format,
            self.records,
            self.bytes,
            self.layout.fanout_bits(),
            self.layout.count_bytes(),
            match self.mode {
                ImportMode::Streamed => "streamed (input was sorted)",
                ImportMode::SortedInMemory => "sorted in memory",
            }
        )
    }
}

/// Imports `input` (a path, or `-` for standard input) into the corpus file `output`, atomically.
///
/// `plain` input is hashed and counted in memory. `hibp` input is streamed in constant memory as
/// long as it is sorted by hash (the official "ordered by hash" download is); at the first
/// out-of-order line the importer logs a warning, reads back what it wrote and continues in
/// memory, which needs about 32 bytes per line. [`ImportReport::mode`] says which.
pub fn import(
    format: InputFormat,
    input: &Path,
    output: &Path,
    options: &BuildOptions,
) -> Result<ImportReport, Error> {
    if input == Path::new("-") {
        let stdin = io::stdin();
        import_reader(format, stdin.lock(), None, output, options)
    } else {
        let file = File::open(input)?;
        let size = file.metadata().ok().map(|m| m.len());
        import_reader(
            format,
            BufReader::with_capacity(1 << 20, file),
            size,
            output,
            options,
        )
    }
}

/// [`import`] from any reader; `size_hint` (input bytes) sizes the fan-out when streaming.
pub fn import_reader(
    format: InputFormat,
    reader: impl BufRead,
    size_hint: Option<u64>,
    output: &Path,
    options: &BuildOptions,
) -> Result<ImportReport, Error> {
    let mut lines = Lines::new(reader);
    match format {
        InputFormat::Plain => import_plain(&mut lines, output, options),
        InputFormat::Hibp => import_hibp(&mut lines, size_hint, output, options),
    }
}

/// Average bytes of a `hibp` line (`40 hex : count CR LF`), to guess the record count.
const HIBP_LINE_BYTES: u64 = 45;

fn import_plain(
    lines: &mut Lines<impl BufRead>,
    output: &Path,
    options: &BuildOptions,
) -> Result<ImportReport, Error> {
    let mut counts: HashMap<Hash, u64> = HashMap::new();
    let mut skipped = 0u64;
    let mut non_utf8 = 0u64;
    while let Some((number, line)) = lines.next_line()? {
        if line.is_empty() {
            skipped += 1;
            continue;
        }
        let Ok(password) = std::str::from_utf8(line) else {
            if non_utf8 == 0 {
                tracing::warn!(line = number, "skipping a line that is not UTF-8");
            }
            non_utf8 += 1;
            skipped += 1;
            continue;
        };
        let hash = hash_from_hex(&sha1_hex(password)).expect("sha1_hex is 40 hex digits");
        let c = counts.entry(hash).or_insert(0);
        *c = c.saturating_add(1);
    }
    if non_utf8 > 0 {
        tracing::warn!(lines = non_utf8, "skipped lines that are not UTF-8");
    }
    let report = build(counts, output, options)?;
    Ok(ImportReport {
        format: InputFormat::Plain,
        mode: ImportMode::SortedInMemory,
        lines: lines.number,
        skipped_lines: skipped,
        records: report.records,
        layout: report.layout,
        bytes: report.bytes,
    })
}

fn parse_hibp_line(line: &[u8], number: u64) -> Result<(Hash, u64), Error> {
    let bad = |message: &str| Error::Parse {
        line: number,
        message: message.to_owned(),
    };
    let text = std::str::from_utf8(line).map_err(|_| bad("not text"))?;
    let (hex, count) = text
        .split_once(':')
        .ok_or_else(|| bad("expected HASH:COUNT"))?;
    let hash = hash_from_hex(hex.trim()).ok_or_else(|| {
        bad(&format!(
            "expected a 40-hex-digit SHA-1 before ':', found {} characters",
            hex.trim().len()
        ))
    })?;
    let count = count
        .trim()
        .parse::<u64>()
        .map_err(|_| bad("count is not a whole number"))?;
    Ok((hash, count))
}

fn import_hibp(
    lines: &mut Lines<impl BufRead>,
    size_hint: Option<u64>,
    output: &Path,
    options: &BuildOptions,
) -> Result<ImportReport, Error> {
    let estimate = size_hint.map(|s| s / HIBP_LINE_BYTES).unwrap_or(1 << 30);
    let layout = Layout::new(
        options
            .fanout_bits
            .unwrap_or(Layout::auto(estimate, 1).fanout_bits()),
        options.count_bytes.unwrap_or(4),
    )?;
    let mut layout = layout;
    let mut tmp = TempFile::create(output)?;
    let file = tmp.file()?;
    let mut writer = CorpusWriter::new(BufWriter::with_capacity(1 << 20, file), layout)?;
    let mut skipped = 0u64;
    let mut previous: Option<Hash> = None;
    let mut out_of_order: Option<(Hash, u64)> = None;

    while let Some((number, line)) = lines.next_line()? {
        if line.is_empty() {
            skipped += 1;
            continue;
        }
        let (hash, count) = parse_hibp_line(line, number)?;
        if count == 0 {
            skipped += 1;
            continue;
        }
        if previous.is_some_and(|p| hash < p) {
            out_of_order = Some((hash, count));
            break;
        }
        previous = Some(hash);
        match writer.push(hash, count) {
            Ok(()) => {}
            Err(Error::CountTooLarge { count: big, .. }) if options.count_bytes.is_none() => {
                // Rare (no public count comes near 2^32): copy what was written so far into a
                // file with wider counts, sequentially, and go on streaming.
                let wider = Layout::new(layout.fanout_bits(), count_bytes_for(big))?;
                tracing::info!(
                    line = number,
                    count_bytes = wider.count_bytes(),
                    "widening counts"
                );
                (writer, tmp) = rewrite(writer, tmp, output, wider)?;
                layout = wider;
                writer.push(hash, count)?;
            }
            Err(Error::CountTooLarge { count, count_bytes }) => {
                return Err(Error::Parse {
                    line: number,
                    message: format!(
                        "count {count} does not fit the {count_bytes}-byte count width set in \
                         BuildOptions::count_bytes"
                    ),
                });
            }
            Err(other) => return Err(other),
        }
    }

    let Some(first_unsorted) = out_of_order else {
        let (w, records) = writer.finish()?;
        let file = w.into_inner().map_err(|e| Error::Io(e.into_error()))?;
        let bytes = file.metadata()?.len();
        tmp.commit(file)?;
        return Ok(ImportReport {
            format: InputFormat::Hibp,
            mode: ImportMode::Streamed,
            lines: lines.number,
            skipped_lines: skipped,
            records,
            layout,
            bytes,
        });
    };

    tracing::warn!(
        line = lines.number,
        "hibp input is not sorted by hash; continuing in memory (about 32 bytes per line)"
    );
    // Read back what was streamed so far (a valid corpus once finished), then go on in memory.
    let (w, records) = writer.finish()?;
    let file = w.into_inner().map_err(|e| Error::Io(e.into_error()))?;
    let mut entries: Vec<(Hash, u64)> = Vec::with_capacity(records as usize * 2 + 1024);
    Corpus::from_source(FileSource::new(file)?)?.for_each(|e| entries.push((e.hash, e.count)))?;
    drop(tmp);
    entries.push(first_unsorted);
    while let Some((number, line)) = lines.next_line()? {
        if line.is_empty() {
            skipped += 1;
            continue;
        }
        let (hash, count) = parse_hibp_line(line, number)?;
        if count == 0 {
            skipped += 1;
            continue;
        }
        entries.push((hash, count));
    }
    let report = build(entries, output, options)?;
    Ok(ImportReport {
        format: InputFormat::Hibp,
        mode: ImportMode::SortedInMemory,
        lines: lines.number,
        skipped_lines: skipped,
        records: report.records,
        layout: report.layout,
        bytes: report.bytes,
    })
}

/// Finishes a streaming writer and copies its records, in order and in constant memory, into a
/// new temporary file with `layout`; the old temporary file is removed.
fn rewrite(
    writer: CorpusWriter<BufWriter<File>>,
    tmp: TempFile,
    output: &Path,
    layout: Layout,
) -> Result<(CorpusWriter<BufWriter<File>>, TempFile), Error> {
    let (w, _) = writer.finish()?;
    let old = Corpus::from_source(FileSource::new(
        w.into_inner().map_err(|e| Error::Io(e.into_error()))?,
    )?)?;
    let new_tmp = TempFile::create(output)?;
    let mut new_writer =
        CorpusWriter::new(BufWriter::with_capacity(1 << 20, new_tmp.file()?), layout)?;
    let mut failure = None;
    old.for_each(|e| {
        if failure.is_none() {
            failure = new_writer.push(e.hash, e.count).err();
        }
    })?;
    if let Some(e) = failure {
        return Err(e);
    }
    drop(tmp);
    Ok((new_writer, new_tmp))
}

/// Line reader over bytes: strips `\n` and one `\r` before it, counts lines.
struct Lines<R> {
    reader: R,
    buf: Vec<u8>,
    number: u64,
}

impl<R: BufRead> Lines<R> {
    fn new(reader: R) -> Self {
        Self {
            reader,
            buf: Vec::with_capacity(256),
            number: 0,
        }
    }

    /// The next line (without its terminator) and its 1-based number.
    fn next_line(&mut self) -> io::Result<Option<(u64, &[u8])>> {
        self.buf.clear();
        if self.reader.read_until(b'\n', &mut self.buf)? == 0 {
            return Ok(None);
        }
        self.number += 1;
        let mut end = self.buf.len();
        if end > 0 && self.buf[end - 1] == b'\n' {
            end -= 1;
        }
        if end > 0 && self.buf[end - 1] == b'\r' {
            end -= 1;
        }
        Ok(Some((self.number, &self.buf[..end])))
    }
}

/// A temporary file next to the destination, removed unless committed.
struct TempFile {
    path: PathBuf,
    dest: PathBuf,
    committed: bool,
}

impl TempFile {
    fn create(dest: &Path) -> Result<Self, Error> {
        let name = dest.file_name().ok_or_else(|| {
            Error::Config(format!("output {} is not a file path", dest.display()))
        })?;
        let nonce: u64 = rand::random();
        let path = dest.with_file_name(format!(
            ".{}.{}-{:016x}.tmp",
            name.to_string_lossy(),
            std::process::id(),
            nonce
        ));
        OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)?;
        Ok(Self {
            path,
            dest: dest.to_owned(),
            committed: false,
        })
    }

    fn file(&self) -> io::Result<File> {
        OpenOptions::new().read(true).write(true).open(&self.path)
    }

    /// fsync, rename over the destination, fsync the directory.
    fn commit(mut self, file: File) -> Result<(), Error> {
        file.sync_all()?;
        drop(file);
        fs::rename(&self.path, &self.dest)?;
        self.committed = true;
        #[cfg(unix)]
        {
            let dir = match self.dest.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
                _ => PathBuf::from("."),
            };
            if let Ok(d) = File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_file(&self.path);
        }
    }
}
