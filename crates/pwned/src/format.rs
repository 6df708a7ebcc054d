//! Byte layout of a corpus file (see the crate docs for the table).

use crate::Error;

/// File magic.
pub const MAGIC: [u8; 8] = *b"PWNRANGE";
/// Format version this build reads and writes.
pub const VERSION: u16 = 1;
/// Size of the fixed header.
pub(crate) const HEADER_LEN: u64 = 24;
/// Largest fan-out: 2^24 + 1 table entries, 128 MiB of table.
pub(crate) const MAX_FANOUT_BITS: u8 = 24;
/// The builder's automatic choice never exceeds this (one bucket per range-API prefix).
pub(crate) const AUTO_MAX_FANOUT_BITS: u8 = 20;
pub(crate) const AUTO_MIN_FANOUT_BITS: u8 = 4;
/// The builder aims at about this many records per bucket.
pub(crate) const AUTO_RECORDS_PER_BUCKET: u64 = 8;

/// A binary SHA-1 digest.
pub type Hash = [u8; 20];

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Upper-case hex of a digest (40 characters).
pub fn hash_to_hex(hash: &Hash) -> String {
    let mut s = String::with_capacity(40);
    for b in hash {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 15) as usize] as char);
    }
    s
}

fn nibble(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Parses 40 hex characters (either case) into a digest.
pub fn hash_from_hex(hex: &str) -> Option<Hash> {
    let bytes = hex.as_bytes();
    if bytes.len() != 40 {
        return None;
    }
    let mut out = [0u8; 20];
    for (i, o) in out.iter_mut().enumerate() {
        *o = (nibble(bytes[2 * i])? << 4) | nibble(bytes[2 * i + 1])?;
    }
    Some(out)
}

/// The 35 upper-case hex characters after the 5-character prefix, as ASCII bytes.
pub(crate) fn suffix_ascii(hash: &Hash) -> [u8; 35] {
    let mut out = [0u8; 35];
    for (i, o) in out.iter_mut().enumerate() {
        let n = i + 5; // nibble index in the digest
        let byte = hash[n / 2];
        let v = if n % 2 == 0 { byte >> 4 } else { byte & 15 };
        *o = HEX[v as usize];
    }
    out
}

/// The top 20 bits of a digest: the range-API prefix as a number.
pub(crate) fn prefix_index(hash: &Hash) -> u32 {
    ((hash[0] as u32) << 12) | ((hash[1] as u32) << 4) | ((hash[2] as u32) >> 4)
}

/// The two per-file parameters of the record layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    fanout_bits: u8,
    count_bytes: u8,
}

impl Layout {
    pub fn new(fanout_bits: u8, count_bytes: u8) -> Result<Self, Error> {
        if fanout_bits > MAX_FANOUT_BITS {
            return Err(Error::BadHeader(format!(
                "fan-out bits {fanout_bits} out of range 0..={MAX_FANOUT_BITS}"
            )));
        }
        if !(1..=8).contains(&count_bytes) {
            return Err(Error::BadHeader(format!(
                "count width {count_bytes} out of range 1..=8"
            )));
        }
        Ok(Self {
            fanout_bits,
            count_bytes,
        })
    }

    /// The layout the builder picks for `records` hashes whose largest count is `max_count`:
    /// about 8 records a bucket (12 bits for the shipped 30 000), at most 20 bits; the narrowest
    /// count that holds `max_count`.
    pub fn auto(records: u64, max_count: u64) -> Self {
        Self {
            fanout_bits: auto_fanout_bits(records),
            count_bytes: count_bytes_for(max_count),
        }
    }

    pub fn fanout_bits(&self) -> u8 {
        self.fanout_bits
    }

    pub fn count_bytes(&self) -> u8 {
        self.count_bytes
    }

    /// Leading digest bytes not stored in a record (implied by the bucket).
    pub(crate) fn skip(&self) -> usize {
        self.fanout_bits as usize / 8
    }

    /// Stored digest bytes per record.
    pub(crate) fn key_len(&self) -> usize {
        20 - self.skip()
    }

    /// Bytes per record.
    pub fn record_len(&self) -> usize {
        self.key_len() + self.count_bytes as usize
    }

    pub fn buckets(&self) -> u64 {
        1u64 << self.fanout_bits
    }

    /// Offset of the first record.
    pub fn records_offset(&self) -> u64 {
        HEADER_LEN + 8 * (self.buckets() + 1)
    }

    /// Total file size for `records` records, if it fits in a u64.
    pub fn file_len(&self, records: u64) -> Option<u64> {
        records
            .checked_mul(self.record_len() as u64)?
            .checked_add(self.records_offset())
    }

    pub fn max_count(&self) -> u64 {
        if self.count_bytes == 8 {
            u64::MAX
        } else {
            (1u64 << (8 * self.count_bytes as u32)) - 1
        }
    }

    /// The fan-out bucket of a digest: its top `N` bits.
    pub(crate) fn bucket_of(&self, hash: &Hash) -> u64 {
        if self.fanout_bits == 0 {
            return 0;
        }
        let top = u32::from_be_bytes([hash[0], hash[1], hash[2], hash[3]]);
        (top >> (32 - self.fanout_bits as u32)) as u64
    }

    /// Writes one record into `out` (exactly `record_len` bytes).
    pub(crate) fn encode_record(&self, hash: &Hash, count: u64, out: &mut [u8]) {
        let key = self.key_len();
        out[..key].copy_from_slice(&hash[self.skip()..]);
        let be = count.to_be_bytes();
        out[key..].copy_from_slice(&be[8 - self.count_bytes as usize..]);
    }

    /// Reads one record stored in `bucket`.
    pub(crate) fn decode_record(&self, bucket: u64, rec: &[u8]) -> (Hash, u64) {
        let skip = self.skip();
        let mut hash = [0u8; 20];
        if skip > 0 {
            // The skipped bytes are the bucket's top 8*skip bits.
            let v = bucket >> (self.fanout_bits as usize - 8 * skip);
            for (i, h) in hash[..skip].iter_mut().enumerate() {
                *h = (v >> (8 * (skip - 1 - i))) as u8;
            }
        }
        let key = self.key_len();
        hash[skip..].copy_from_slice(&rec[..key]);
        let mut be = [0u8; 8];
        be[8 - self.count_bytes as usize..]
            .copy_from_slice(&rec[key..key + self.count_bytes as usize]);
        (hash, u64::from_be_bytes(be))
    }

    pub(crate) fn encode_header(&self, records: u64) -> [u8; HEADER_LEN as usize] {
        let mut h = [0u8; HEADER_LEN as usize];
        h[..8].copy_from_slice(&MAGIC);
        h[8..10].copy_from_slice(&VERSION.to_be_bytes());
        h[10] = self.fanout_bits;
        h[11] = self.count_bytes;
        h[16..24].copy_from_slice(&records.to_be_bytes());
        h
    }

    /// Parses a header: the layout and the record count.
    pub(crate) fn decode_header(h: &[u8; HEADER_LEN as usize]) -> Result<(Self, u64), Error> {
        if h[..8] != MAGIC {
            return Err(Error::NotACorpus);
        }
        let version = u16::from_be_bytes([h[8], h[9]]);
        if version != VERSION {
            return Err(Error::UnsupportedVersion(version));
        }
        let layout = Layout::new(h[10], h[11])?;
        if h[12..16] != [0; 4] {
            return Err(Error::BadHeader("reserved bytes are not zero".into()));
        }
        let records = u64::from_be_bytes(h[16..24].try_into().expect("8 bytes"));
        Ok((layout, records))
    }
}

/// About [`AUTO_RECORDS_PER_BUCKET`] records a bucket, clamped to 4..=20 bits.
pub(crate) fn auto_fanout_bits(records: u64) -> u8 {
    let target = (records / AUTO_RECORDS_PER_BUCKET).max(1);
    let bits = 64 - (target - 1).leading_zeros(); // ceil(log2(target))
    (bits as u8).clamp(AUTO_MIN_FANOUT_BITS, AUTO_MAX_FANOUT_BITS)
}

/// The narrowest count width (at least 1 byte) that holds `max_count`.
pub(crate) fn count_bytes_for(max_count: u64) -> u8 {
    let bits = 64 - max_count.leading_zeros();
    (bits.div_ceil(8) as u8).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip_and_suffix() {
        let hex = "5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8";
        let h = hash_from_hex(&hex.to_ascii_lowercase()).unwrap();
        assert_eq!(hash_to_hex(&h), hex);
        assert_eq!(&suffix_ascii(&h), &hex.as_bytes()[5..]);
        assert_eq!(prefix_index(&h), 0x5BAA6);
        assert!(hash_from_hex(&hex[1..]).is_none());
        assert!(hash_from_hex("5BAA61E4C9B93F3F0682250B6CF8331B7EE68FDG").is_none());
    }

    #[test]
    fn auto_layout_matches_the_documented_choices() {
        assert_eq!(auto_fanout_bits(30_000), 12);
        assert_eq!(auto_fanout_bits(10_000_000), 20);
        assert_eq!(auto_fanout_bits(1_000_000_000), 20);
        assert_eq!(auto_fanout_bits(0), AUTO_MIN_FANOUT_BITS);
        assert_eq!(count_bytes_for(0), 1);
        assert_eq!(count_bytes_for(1), 1);
        assert_eq!(count_bytes_for(255), 1);
        assert_eq!(count_bytes_for(256), 2);
        assert_eq!(count_bytes_for(52_000_000), 4);
        assert_eq!(count_bytes_for(u64::MAX), 8);
    }

    #[test]
    fn records_round_trip_for_every_layout() {
        let hash = hash_from_hex("5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8").unwrap();
        for bits in 0..=MAX_FANOUT_BITS {
            for cb in 1..=8u8 {
                let l = Layout::new(bits, cb).unwrap();
                let count = l.max_count().min(3_861_493);
                let mut rec = vec![0u8; l.record_len()];
                l.encode_record(&hash, count, &mut rec);
                assert_eq!(
                    l.decode_record(l.bucket_of(&hash), &rec),
                    (hash, count),
                    "{l:?}"
                );
            }
        }
        assert!(Layout::new(25, 4).is_err());
        assert!(Layout::new(12, 0).is_err());
        assert!(Layout::new(12, 9).is_err());
    }
}
