//! Deterministic, streamable ZIP writer for evidence bundles.
//!
//! Why this shape:
//! - Re-downloading a bundle must give the same bytes, so nothing here depends on the clock,
//!   the host, hash-map order or the file system: the caller passes one timestamp and the
//!   entries in the order it wants them.
//! - Screenshots can be large and are already compressed, so entries are STORED. That makes
//!   every header and offset computable from (name, size, CRC) alone, which lets [`layout`]
//!   produce the exact archive length (for `Content-Length`) before a single data byte is read,
//!   and lets local headers carry the real CRC and sizes (no data descriptors, which some
//!   readers handle poorly for stored entries).
//! - No ZIP64: an archive that would need it is refused with [`ZipError::TooLarge`] rather than
//!   written in a form some readers reject.
//!
//! Dependency: `crc32fast`.

use std::collections::HashSet;
use std::fmt;

/// One file of the archive, described by what the server recorded when it stored the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub size: u64,
    pub crc32: u32,
}

/// The ZIP's bytes as a sequence of parts: header bytes the writer made, and the data of entry i,
/// which the caller streams from wherever it is (memory or disk), in this order.
///
/// For `Data(i)` the caller MUST send exactly `entries[i].size` bytes whose CRC-32 is
/// `entries[i].crc32`: the headers (and the `Content-Length`) were already computed from those
/// values, so a file that changed on disk yields a corrupt or truncated download, not an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    Bytes(Vec<u8>),
    Data(usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub parts: Vec<Part>,
    /// Total archive length: the sum of all `Bytes` lengths and all `Data` entry sizes.
    pub len: u64,
}

#[derive(Debug, PartialEq, Eq)]
pub enum ZipError {
    /// Would need ZIP64: an entry or the archive at/over `u32::MAX` bytes, or too many entries.
    TooLarge,
    /// Empty, absolute, `.`/`..`/empty path segment, backslash, control character, over
    /// 65,535 bytes, duplicate, or used both as a file and as a folder.
    BadName(String),
}

impl fmt::Display for ZipError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ZipError::TooLarge => {
                f.write_str("archive would need ZIP64 (too large or too many entries)")
            }
            ZipError::BadName(name) => write!(f, "bad entry name {name:?}"),
        }
    }
}

impl std::error::Error for ZipError {}

const LOCAL_SIG: u32 = 0x0403_4b50;
const CENTRAL_SIG: u32 = 0x0201_4b50;
const EOCD_SIG: u32 = 0x0605_4b50;
/// 2.0 is the lowest version that covers folders in names; nothing here needs more.
const VERSION_NEEDED: u16 = 20;
/// Unix host (3), spec 3.0 (30): Unix so that `unzip` honours `EXTERNAL_ATTR` below.
const VERSION_MADE_BY: u16 = (3 << 8) | 30;
/// Bit 11: names are UTF-8. Without it readers decode names as CP437 and mangle
/// Japanese/emoji names.
const FLAG_UTF8: u16 = 1 << 11;
const METHOD_STORED: u16 = 0;
/// Regular file, rw-r--r--. Fixed so output never depends on the source file's mode, and set at
/// all because a Unix "made by" with zero attributes extracts as mode 000 with some tools.
const EXTERNAL_ATTR: u32 = 0o100644 << 16;

const LOCAL_HEADER_LEN: usize = 30;
const CENTRAL_HEADER_LEN: usize = 46;
const EOCD_LEN: usize = 22;

/// Sizes and offsets must stay strictly below this: 0xFFFF_FFFF in a 32-bit field is the
/// ZIP64 sentinel, so readers would go looking for ZIP64 records we don't write.
const LIMIT_32: u64 = u32::MAX as u64;
/// Same reasoning for the 16-bit entry counts in the end record: 0xFFFF means "see ZIP64".
const MAX_ENTRIES: usize = u16::MAX as usize - 1;

/// The CRC-32 (IEEE, as used by ZIP) of `data`.
pub fn crc32(data: &[u8]) -> u32 {
    crc32fast::hash(data)
}

/// Computes every header byte and the exact archive length without touching entry data.
///
/// `modified`: the one timestamp every entry carries (UTC civil time: year, month, day, hour,
/// minute, second), so equal input gives equal bytes. ZIP stores it with 2-second resolution.
pub fn layout(
    entries: &[Entry],
    modified: (i32, u32, u32, u32, u32, u32),
) -> Result<Layout, ZipError> {
    if entries.len() > MAX_ENTRIES {
        return Err(ZipError::TooLarge);
    }
    check_names(entries)?;
    let (time, date) = dos_date_time(modified);

    let mut parts = Vec::with_capacity(entries.len() * 2 + 1);
    let mut central = Vec::new();
    let mut offset: u64 = 0;
    for (i, entry) in entries.iter().enumerate() {
        if entry.size >= LIMIT_32 {
            return Err(ZipError::TooLarge);
        }
        let header = Header {
            time,
            date,
            crc32: entry.crc32,
            size: entry.size as u32,
            name: entry.name.as_bytes(),
        };
        let local = header.local();
        let local_offset = offset;
        // Cannot overflow: both terms are below 2^33 and `offset` was below 2^32.
        offset += local.len() as u64 + entry.size;
        // The final `len` check alone would refuse the same inputs; stopping here as well means
        // `local_offset as u32` below never truncates and no headers are built for a refusal.
        if offset >= LIMIT_32 {
            return Err(ZipError::TooLarge);
        }
        header.central(&mut central, local_offset as u32);
        parts.push(Part::Bytes(local));
        parts.push(Part::Data(i));
    }

    let central_offset = offset;
    let central_size = central.len() as u64;
    let len = central_offset + central_size + EOCD_LEN as u64;
    // The end record stores the directory's offset and size in 32 bits; requiring the whole
    // archive to fit keeps both valid and keeps `len` meaningful to 32-bit readers.
    if len >= LIMIT_32 {
        return Err(ZipError::TooLarge);
    }
    let count = entries.len() as u16;
    put32(&mut central, EOCD_SIG);
    put16(&mut central, 0); // this disk
    put16(&mut central, 0); // disk holding the central directory
    put16(&mut central, count);
    put16(&mut central, count);
    put32(&mut central, central_size as u32);
    put32(&mut central, central_offset as u32);
    put16(&mut central, 0); // comment length
    parts.push(Part::Bytes(central));

    Ok(Layout { parts, len })
}

/// Convenience for small in-memory archives and tests: entries' data given.
pub fn write_all(
    files: &[(&str, &[u8])],
    modified: (i32, u32, u32, u32, u32, u32),
) -> Result<Vec<u8>, ZipError> {
    // Refuse before hashing: no point reading gigabytes only to reject them.
    if files.iter().any(|(_, data)| data.len() as u64 >= LIMIT_32) {
        return Err(ZipError::TooLarge);
    }
    let entries: Vec<Entry> = files
        .iter()
        .map(|(name, data)| Entry {
            name: (*name).to_owned(),
            size: data.len() as u64,
            crc32: crc32(data),
        })
        .collect();
    let layout = layout(&entries, modified)?;
    let mut out = Vec::with_capacity(layout.len as usize);
    for part in &layout.parts {
        match part {
            Part::Bytes(bytes) => out.extend_from_slice(bytes),
            Part::Data(i) => out.extend_from_slice(files[*i].1),
        }
    }
    debug_assert_eq!(out.len() as u64, layout.len);
    Ok(out)
}

struct Header<'a> {
    time: u16,
    date: u16,
    crc32: u32,
    size: u32,
    name: &'a [u8],
}

impl Header<'_> {
    /// Fields shared by local and central headers, from "version needed" through "extra length".
    fn common(&self, out: &mut Vec<u8>) {
        put16(out, VERSION_NEEDED);
        put16(out, FLAG_UTF8);
        put16(out, METHOD_STORED);
        put16(out, self.time);
        put16(out, self.date);
        put32(out, self.crc32);
        put32(out, self.size); // compressed size: stored, so the same
        put32(out, self.size);
        put16(out, self.name.len() as u16);
        put16(out, 0); // extra field length: none, so bytes never carry host-specific data
    }

    fn local(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(LOCAL_HEADER_LEN + self.name.len());
        put32(&mut out, LOCAL_SIG);
        self.common(&mut out);
        out.extend_from_slice(self.name);
        debug_assert_eq!(out.len(), LOCAL_HEADER_LEN + self.name.len());
        out
    }

    fn central(&self, out: &mut Vec<u8>, local_offset: u32) {
        let start = out.len();
        put32(out, CENTRAL_SIG);
        put16(out, VERSION_MADE_BY);
        self.common(out);
        put16(out, 0); // comment length
        put16(out, 0); // disk number start
        put16(out, 0); // internal attributes: 0 claims nothing about text vs binary
        put32(out, EXTERNAL_ATTR);
        put32(out, local_offset);
        out.extend_from_slice(self.name);
        debug_assert_eq!(out.len() - start, CENTRAL_HEADER_LEN + self.name.len());
    }
}

fn put16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// Refuses names that would extract outside the target folder, extract differently per OS,
/// or collide on extraction. Folders are implied by `/` in names; no folder entries are written.
fn check_names(entries: &[Entry]) -> Result<(), ZipError> {
    let bad = |name: &str| Err(ZipError::BadName(name.to_owned()));
    let mut files = HashSet::with_capacity(entries.len());
    let mut folders = HashSet::new();
    for entry in entries {
        let name = entry.name.as_str();
        let bytes = name.as_bytes();
        // The length field is 16 bits.
        if name.is_empty() || bytes.len() > u16::MAX as usize {
            return bad(name);
        }
        // "C:..." is absolute (or drive-relative) on Windows even with forward slashes.
        if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
            return bad(name);
        }
        // Backslash is a separator on Windows, so it would bypass the segment checks below;
        // control characters can't be created on some file systems and garble terminals/logs.
        if name.chars().any(|c| c == '\\' || c.is_control()) {
            return bad(name);
        }
        // An empty segment covers a leading '/' (absolute), "a//b", and a trailing '/' (which
        // readers treat as a folder entry, contradicting the regular-file attributes we write).
        // "." and ".." would let extraction escape or alias paths.
        if name
            .split('/')
            .any(|seg| seg.is_empty() || seg == "." || seg == "..")
        {
            return bad(name);
        }
        if !files.insert(name) {
            return bad(name);
        }
        folders.extend(name.match_indices('/').map(|(i, _)| &name[..i]));
    }
    // "a" and "a/b" can't both be extracted: "a" can't be a file and a folder at once.
    // Reported in entry order so the error is as deterministic as the output.
    match entries.iter().find(|e| folders.contains(e.name.as_str())) {
        Some(e) => bad(&e.name),
        None => Ok(()),
    }
}

/// MS-DOS (time, date). Out-of-range input is clamped rather than refused because a bad
/// timestamp should not block a download, and clamping keeps the result a real date that
/// extractors can apply.
fn dos_date_time(
    (year, month, day, hour, minute, second): (i32, u32, u32, u32, u32, u32),
) -> (u16, u16) {
    // DOS dates start at 1980 and the 7-bit year field ends at 2107.
    if year < 1980 {
        return (0, (1 << 5) | 1);
    }
    if year > 2107 {
        return ((23 << 11) | (59 << 5) | 29, (127 << 9) | (12 << 5) | 31);
    }
    let month = month.clamp(1, 12);
    let day = day.clamp(1, days_in_month(year, month));
    let hour = hour.min(23);
    let minute = minute.min(59);
    // 59 also absorbs a leap second (60).
    let second = second.min(59);
    let time = (hour << 11) | (minute << 5) | (second / 2);
    let date = (((year - 1980) as u32) << 9) | (month << 5) | day;
    (time as u16, date as u16)
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: (i32, u32, u32, u32, u32, u32) = (2024, 5, 17, 13, 45, 31);

    fn entry(name: &str, size: u64) -> Entry {
        Entry {
            name: name.to_owned(),
            size,
            crc32: 0,
        }
    }

    fn u16_at(b: &[u8], at: usize) -> u16 {
        u16::from_le_bytes([b[at], b[at + 1]])
    }

    /// Streams a layout the way the server would, with data looked up per entry.
    fn stream(layout: &Layout, data: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        for part in &layout.parts {
            match part {
                Part::Bytes(b) => out.extend_from_slice(b),
                Part::Data(i) => out.extend_from_slice(data[*i]),
            }
        }
        out
    }

    /// Reads `zip` back with the `zip` crate, a reader that shares nothing with this writer
    /// (not its constants, not its CRC): the archive must be consistent as a whole, every
    /// entry STORED, a regular rw-r--r-- file from a Unix host with no extra field, entries
    /// back to back in order with the directory right after them, and every CRC-32 right (the
    /// crate checks it as each entry is read to its end).
    fn parse(zip: &[u8]) -> Vec<(String, Vec<u8>)> {
        use std::io::Read;
        let mut archive = ::zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
        archive.validate_header_consistency().unwrap();
        assert!(archive.comment().is_empty(), "no comment");
        let mut out = Vec::new();
        let mut expected_local = 0;
        for i in 0..archive.len() {
            let mut entry = archive.by_index(i).unwrap();
            let name = entry.name().unwrap().into_owned();
            assert_eq!(entry.compression(), ::zip::CompressionMethod::Stored);
            assert_eq!(entry.system(), ::zip::System::Unix);
            assert_eq!(entry.unix_mode(), Some(0o100644));
            assert!(entry.is_file());
            assert_eq!(entry.extra_data(), None);
            assert_eq!(entry.header_start(), expected_local, "entries in order");
            let mut data = Vec::new();
            entry.read_to_end(&mut data).unwrap();
            assert_eq!(data.len() as u64, entry.size());
            assert_eq!(entry.compressed_size(), entry.size());
            expected_local = entry.data_start().unwrap() + entry.size();
            out.push((name, data));
        }
        assert_eq!(archive.central_directory_start(), expected_local);
        out
    }

    /// The reader above catches a damaged archive, so the tests built on it can fail.
    #[test]
    fn a_changed_byte_fails_the_reader() {
        let zip = write_all(&[("a.txt", b"hello"), ("b.txt", b"world")], T).unwrap();
        let data = zip.windows(5).position(|w| w == b"world").unwrap();
        let mut damaged = zip.clone();
        damaged[data] ^= 0x01;
        let read = std::panic::catch_unwind(|| parse(&damaged));
        assert!(read.is_err(), "a wrong CRC went unnoticed");
        let mut truncated = zip.clone();
        truncated.truncate(zip.len() - 1);
        assert!(std::panic::catch_unwind(|| parse(&truncated)).is_err());
    }

    #[test]
    fn crc32_known_vector() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn round_trips_through_the_zip_crate() {
        let files: &[(&str, &[u8])] = &[
            ("manifest.json", b"{\"v\":1}"),
            ("data/payments.csv", b"id,amount\n1,100\n"),
            ("証拠/スクリーンショット.png", b"\x89PNG\r\n\x1a\n..."),
            ("screenshots/🧾-01.png", b"emoji"),
            ("empty.txt", b""),
        ];
        let zip = write_all(files, T).unwrap();
        let got = parse(&zip);
        let want: Vec<(String, Vec<u8>)> = files
            .iter()
            .map(|(n, d)| (n.to_string(), d.to_vec()))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn same_input_same_bytes_and_modified_changes_bytes() {
        let files: &[(&str, &[u8])] = &[("a.txt", b"hello"), ("b/c.txt", b"world")];
        let a = write_all(files, T).unwrap();
        let b = write_all(files, T).unwrap();
        assert_eq!(a, b);
        let c = write_all(files, (2024, 5, 17, 13, 47, 31)).unwrap();
        assert_ne!(a, c);
        assert_eq!(a.len(), c.len());
    }

    #[test]
    fn layout_len_and_streaming_match_write_all() {
        let files: &[(&str, &[u8])] = &[
            ("manifest.json", b"{}"),
            ("empty", b""),
            ("screenshots/01-3f2a.png", &[7u8; 1000]),
        ];
        let entries: Vec<Entry> = files
            .iter()
            .map(|(n, d)| Entry {
                name: n.to_string(),
                size: d.len() as u64,
                crc32: crc32(d),
            })
            .collect();
        let layout = layout(&entries, T).unwrap();
        let data: Vec<&[u8]> = files.iter().map(|(_, d)| *d).collect();
        let streamed = stream(&layout, &data);
        let all = write_all(files, T).unwrap();
        assert_eq!(layout.len, all.len() as u64);
        assert_eq!(streamed, all);
        // Each entry's data appears exactly once, in entry order, so a server can open
        // files lazily one after another.
        let order: Vec<usize> = layout
            .parts
            .iter()
            .filter_map(|p| match p {
                Part::Data(i) => Some(*i),
                Part::Bytes(_) => None,
            })
            .collect();
        assert_eq!(order, vec![0, 1, 2]);
    }

    #[test]
    fn empty_archive_is_just_an_end_record() {
        let zip = write_all(&[], T).unwrap();
        let mut want = vec![0x50, 0x4b, 0x05, 0x06];
        want.extend_from_slice(&[0; 18]);
        assert_eq!(zip, want);
        assert_eq!(layout(&[], T).unwrap().len, 22);
        assert!(parse(&zip).is_empty());
    }

    #[test]
    fn empty_file_entry() {
        let zip = write_all(&[("empty", b"")], T).unwrap();
        assert_eq!(parse(&zip), vec![("empty".to_string(), vec![])]);
        assert_eq!(zip.len(), 30 + 5 + 46 + 5 + 22);
    }

    #[test]
    fn dos_date_time_encoding() {
        // 2024-05-17 13:45:31 -> seconds halved (31 -> 15).
        assert_eq!(
            dos_date_time(T),
            ((13 << 11) | (45 << 5) | 15, (44 << 9) | (5 << 5) | 17)
        );
        // Written into both headers, as a reader sees them.
        let zip = write_all(&[("a", b"x")], T).unwrap();
        let want = ::zip::DateTime::from_date_and_time(2024, 5, 17, 13, 45, 30).unwrap();
        let mut archive = ::zip::ZipArchive::new(std::io::Cursor::new(&zip)).unwrap();
        assert_eq!(archive.by_index(0).unwrap().last_modified(), Some(want));
        let mut stream = std::io::Cursor::new(&zip);
        let local = ::zip::read::read_zipfile_from_stream(&mut stream)
            .unwrap()
            .unwrap();
        assert_eq!(local.last_modified(), Some(want));
        // Before 1980 -> 1980-01-01 00:00:00, whatever the other fields say.
        assert_eq!(dos_date_time((1979, 12, 31, 23, 59, 59)), (0, (1 << 5) | 1));
        assert_eq!(dos_date_time((1970, 1, 1, 0, 0, 0)), (0, (1 << 5) | 1));
        assert_eq!(dos_date_time((1980, 1, 1, 0, 0, 0)), (0, (1 << 5) | 1));
        // After 2107 -> the last representable moment.
        assert_eq!(
            dos_date_time((3000, 1, 1, 0, 0, 0)),
            dos_date_time((2107, 12, 31, 23, 59, 59))
        );
        // Impossible fields clamp to a real date.
        assert_eq!(
            dos_date_time((2023, 2, 30, 25, 61, 60)),
            dos_date_time((2023, 2, 28, 23, 59, 59))
        );
        assert_eq!(
            dos_date_time((2024, 2, 30, 0, 0, 0)),
            dos_date_time((2024, 2, 29, 0, 0, 0))
        );
        assert_eq!(
            dos_date_time((2024, 0, 0, 0, 0, 0)),
            dos_date_time((2024, 1, 1, 0, 0, 0))
        );
    }

    #[test]
    fn bad_names_refused() {
        let long = "a".repeat(65_536);
        let cases = [
            "",
            "/etc/passwd",
            "/",
            "C:/x",
            "c:x",
            "..",
            "../x",
            "a/../b",
            "a/..",
            ".",
            "./a",
            "a/./b",
            "a//b",
            "folder/",
            "a\\b",
            "..\\x",
            "nul\0byte",
            "tab\tname",
            "new\nline",
            "del\x7f",
            "c1\u{85}",
            long.as_str(),
        ];
        for name in cases {
            assert_eq!(
                layout(&[entry("ok.txt", 1), entry(name, 1)], T),
                Err(ZipError::BadName(name.to_owned())),
                "{name:?}"
            );
            assert_eq!(
                write_all(&[(name, b"x")], T),
                Err(ZipError::BadName(name.to_owned())),
                "{name:?}"
            );
        }
    }

    #[test]
    fn good_names_accepted() {
        let max = "a".repeat(65_535);
        for name in [
            "a",
            "a..b",
            "..a",
            ".hidden",
            "dir/file.csv",
            "C/x",
            "at 12:30.txt",
            "日本語/ファイル.json",
            "🧾.png",
            max.as_str(),
        ] {
            assert!(layout(&[entry(name, 0)], T).is_ok(), "{name:?}");
        }
    }

    #[test]
    fn duplicate_and_file_folder_conflicts_refused() {
        let dup = [entry("a.txt", 1), entry("b.txt", 1), entry("a.txt", 2)];
        assert_eq!(layout(&dup, T), Err(ZipError::BadName("a.txt".into())));
        let file_then_folder = [entry("a", 1), entry("a/b", 1)];
        assert_eq!(
            layout(&file_then_folder, T),
            Err(ZipError::BadName("a".into()))
        );
        let folder_then_file = [entry("x/y/z", 1), entry("x/y", 1)];
        assert_eq!(
            layout(&folder_then_file, T),
            Err(ZipError::BadName("x/y".into()))
        );
        // Siblings sharing a folder, and prefixes that aren't whole segments, are fine.
        let ok = [
            entry("a/b", 1),
            entry("a/c", 1),
            entry("ab", 1),
            entry("a/bc", 1),
        ];
        assert!(layout(&ok, T).is_ok());
    }

    #[test]
    fn too_large_refused_without_allocating_data() {
        let max = u32::MAX as u64;
        assert_eq!(layout(&[entry("a", max)], T), Err(ZipError::TooLarge));
        assert_eq!(layout(&[entry("a", u64::MAX)], T), Err(ZipError::TooLarge));
        // Fits alone but not with its headers.
        assert_eq!(layout(&[entry("a", max - 1)], T), Err(ZipError::TooLarge));
        // Each fits, the sum doesn't.
        let half = [entry("a", 1 << 31), entry("b", 1 << 31)];
        assert_eq!(layout(&half, T), Err(ZipError::TooLarge));
        // Largest archive that fits: exactly u32::MAX - 1 bytes.
        let overhead = (30 + 1) + (46 + 1) + 22;
        let l = layout(&[entry("a", max - 1 - overhead)], T).unwrap();
        assert_eq!(l.len, max - 1);
        assert_eq!(
            layout(&[entry("a", max - overhead)], T),
            Err(ZipError::TooLarge)
        );
    }

    #[test]
    fn too_many_entries_refused() {
        let names: Vec<Entry> = (0..65_535).map(|i| entry(&format!("{i}"), 0)).collect();
        assert_eq!(layout(&names, T), Err(ZipError::TooLarge));
        let l = layout(&names[..65_534], T).unwrap();
        let Some(Part::Bytes(tail)) = l.parts.last() else {
            panic!("last part is the directory")
        };
        assert_eq!(u16_at(tail, tail.len() - 22 + 10), 65_534);
    }
}
