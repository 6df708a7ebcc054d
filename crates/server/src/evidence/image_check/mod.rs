//! Checks a customer's evidence screenshot before it is stored.
//!
//! The format is decided from the bytes alone, because file names and declared
//! types are chosen by the uploader. The container is walked by hand so that
//! metadata (EXIF location, comments, thumbnails) and trailing payloads are cut
//! out, and the stripped result is then fully decoded so that we only ever
//! store what an image viewer would actually show.
//!
//! One module per format taken (`png`, `jpeg`, `webp`) walks and strips its container;
//! `identify` tells them apart, and names the formats refused. This module is the entry point,
//! [`check`], and what every format shares: the limits, the refusals and the full decode.

mod identify;
mod jpeg;
mod png;
mod webp;

#[cfg(test)]
mod fixtures;

use std::fmt;
use std::io::Cursor;
use std::panic::{catch_unwind, AssertUnwindSafe};

use image::{ImageFormat, ImageReader, Limits};

pub const MAX_BYTES: usize = 10 * 1024 * 1024; // 10 MiB per file
pub const MAX_PIXELS: u64 = 40_000_000; // width * height
pub const MAX_SIDE: u32 = 32_000;

/// Decoders need working memory besides the output buffer (row buffers,
/// Huffman tables, ICC profiles); this is what they may use on top of it.
const DECODE_MARGIN: u64 = 16 * 1024 * 1024;

/// The formats taken are the API's: one list of them, one set of names and types.
pub use portal_api::evidence::ImageFormat as Format;

/// The name a customer knows the format by.
fn label(format: Format) -> &'static str {
    match format {
        Format::Png => "PNG",
        Format::Jpeg => "JPEG",
        Format::Webp => "WebP",
    }
}

fn decoder_format(format: Format) -> ImageFormat {
    match format {
        Format::Png => ImageFormat::Png,
        Format::Jpeg => ImageFormat::Jpeg,
        Format::Webp => ImageFormat::WebP,
    }
}

#[derive(Debug)]
pub struct Checked {
    pub format: Format,
    pub width: u32,
    pub height: u32,
    /// The file with metadata removed.
    pub bytes: Vec<u8>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    Empty,
    /// More than MAX_BYTES.
    TooLarge,
    /// A known image or document format we do not take: "GIF", "SVG", "BMP", "TIFF", "HEIC", "PDF", "AVIF", ...
    UnsupportedFormat(&'static str),
    /// Nothing we recognise.
    NotAnImage,
    /// Starts like PNG/JPEG/WebP but is damaged or truncated.
    Damaged(Format),
    /// Header declares more than MAX_PIXELS or a side over MAX_SIDE; refused
    /// from the header, before any pixel buffer is allocated.
    TooManyPixels {
        width: u32,
        height: u32,
    },
    /// Animated PNG/WebP: a screenshot is one frame.
    Animated(Format),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const ASK: &str = "attach a PNG, JPEG or WebP screenshot";
        match self {
            Refusal::Empty => write!(f, "The file is empty; {ASK}."),
            Refusal::TooLarge => write!(
                f,
                "The file is larger than {} MB; attach a smaller screenshot.",
                MAX_BYTES / (1024 * 1024)
            ),
            Refusal::UnsupportedFormat(name) => write!(
                f,
                "This file is in {name} format, which we do not accept; {ASK} instead."
            ),
            Refusal::NotAnImage => write!(f, "This file is not an image we can read; {ASK}."),
            Refusal::Damaged(format) => write!(
                f,
                "This {} file is damaged or incomplete; save the screenshot again and attach the new file.",
                label(*format)
            ),
            Refusal::TooManyPixels { width, height } => write!(
                f,
                "This image is {width} × {height} pixels, which is too large; attach a screenshot of at most {} million pixels and {MAX_SIDE} pixels on each side.",
                MAX_PIXELS / 1_000_000
            ),
            Refusal::Animated(format) => write!(
                f,
                "This {} file is animated; attach a still screenshot.",
                label(*format)
            ),
        }
    }
}

impl std::error::Error for Refusal {}

pub fn check(bytes: &[u8]) -> Result<Checked, Refusal> {
    if bytes.is_empty() {
        return Err(Refusal::Empty);
    }
    if bytes.len() > MAX_BYTES {
        return Err(Refusal::TooLarge);
    }
    let format = identify::identify(bytes)?;
    let stripped = match format {
        Format::Png => png::strip(bytes)?,
        Format::Jpeg => jpeg::strip(bytes)?,
        Format::Webp => webp::strip(bytes)?,
    };
    let header = stripped.header;
    refuse_too_many_pixels(header)?;
    decode_fully(format, &stripped.bytes, header)?;
    Ok(Checked {
        format,
        width: header.width,
        height: header.height,
        bytes: stripped.bytes,
    })
}

/// What the container header promises, read before any pixel is decoded.
#[derive(Debug, Clone, Copy)]
struct Header {
    width: u32,
    height: u32,
    /// Widest pixel the decoder may hand back, to size its memory limit.
    bytes_per_pixel: u64,
}

struct Stripped {
    bytes: Vec<u8>,
    header: Header,
}

fn refuse_too_many_pixels(header: Header) -> Result<(), Refusal> {
    let Header { width, height, .. } = header;
    let pixels = u64::from(width) * u64::from(height);
    if width > MAX_SIDE || height > MAX_SIDE || pixels > MAX_PIXELS {
        return Err(Refusal::TooManyPixels { width, height });
    }
    Ok(())
}

fn decode_fully(format: Format, bytes: &[u8], header: Header) -> Result<(), Refusal> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), decoder_format(format));
    reader.limits(decode_limits(header));
    // The decoders are third-party parsers fed hostile input; a bug in one must
    // turn into a refusal rather than take the request down with it.
    let decoded = catch_unwind(AssertUnwindSafe(|| reader.decode()));
    match decoded {
        // A decoder that disagrees with our header read has parsed something
        // other than what we walked, so neither can be trusted.
        Ok(Ok(image)) if image.width() == header.width && image.height() == header.height => Ok(()),
        _ => Err(Refusal::Damaged(format)),
    }
}

/// Sized from this file's own header, so a decoder that reads bigger
/// dimensions than we did runs out of budget instead of allocating them; and
/// capped at MAX_PIXELS so the budget holds even if the header check is
/// bypassed. 16-bit PNGs get the 8 bytes per pixel they decode to.
fn decode_limits(header: Header) -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    let pixels = (u64::from(header.width) * u64::from(header.height)).min(MAX_PIXELS);
    limits.max_alloc = Some(pixels * header.bytes_per_pixel + DECODE_MARGIN);
    limits
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

// ---------------------------------------------------------------------------
// Bounds-checked integer reads: every header value passes through these, so a
// short file is a None, never a panic.

fn be16(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn be32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn le16(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn le24(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at + 3)?;
    Some(u32::from(b[0]) | u32::from(b[1]) << 8 | u32::from(b[2]) << 16)
}

fn le32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;

    #[test]
    fn empty_is_refused() {
        assert_eq!(check(&[]).unwrap_err(), Refusal::Empty);
    }

    #[test]
    fn one_byte_over_the_limit_is_refused() {
        let mut big = png_fixture();
        big.resize(MAX_BYTES + 1, 0);
        assert_eq!(check(&big).unwrap_err(), Refusal::TooLarge);
        // Exactly at the limit is read, and here the zeros are just trailing data.
        big.truncate(MAX_BYTES);
        assert_eq!(check(&big).unwrap().bytes, png_fixture());
    }

    #[test]
    fn pixel_and_side_limits_are_exact() {
        // At the limits the header is fine and only the missing pixel data is wrong.
        let at_limit = png_from_parts(8_000, 5_000, 0, &EMPTY_ZLIB);
        assert_eq!(check(&at_limit).unwrap_err(), Refusal::Damaged(Format::Png));
        let over = png_from_parts(8_000, 5_001, 0, &EMPTY_ZLIB);
        assert!(matches!(check(&over), Err(Refusal::TooManyPixels { .. })));
        let long_side = png_from_parts(MAX_SIDE + 1, 1, 0, &EMPTY_ZLIB);
        assert!(matches!(
            check(&long_side),
            Err(Refusal::TooManyPixels { .. })
        ));
    }

    #[test]
    fn format_names() {
        assert_eq!(
            [Format::Png, Format::Jpeg, Format::Webp].map(|f| crate::db::codec::enum_str(&f)),
            ["png", "jpeg", "webp"]
        );
        assert_eq!(Format::Jpeg.mime(), "image/jpeg");
        assert_eq!(Format::Webp.mime(), "image/webp");
        assert_eq!(Format::Png.extension(), "png");
        assert_eq!(Format::Jpeg.extension(), "jpg");
    }

    #[test]
    fn every_refusal_reads_as_one_sentence() {
        let all = [
            Refusal::Empty,
            Refusal::TooLarge,
            Refusal::UnsupportedFormat("GIF"),
            Refusal::NotAnImage,
            Refusal::Damaged(Format::Jpeg),
            Refusal::TooManyPixels {
                width: 30_000,
                height: 30_000,
            },
            Refusal::Animated(Format::Webp),
        ];
        for refusal in &all {
            let text = refusal.to_string();
            assert!(
                text.ends_with('.') && text.matches(". ").count() == 0,
                "{text}"
            );
        }
        assert_eq!(
            Refusal::UnsupportedFormat("GIF").to_string(),
            "This file is in GIF format, which we do not accept; attach a PNG, JPEG or WebP screenshot instead."
        );
        assert!(Refusal::TooLarge.to_string().contains("10 MB"));
        assert!(all[5].to_string().contains("30000 × 30000"));
        assert!(all[6].to_string().contains("WebP file is animated"));
    }

    // -- robustness ----------------------------------------------------------

    fn mutate(original: &[u8], rng: &mut XorShift) -> Vec<u8> {
        let mut bytes = original.to_vec();
        match rng.below(4) {
            0 => {
                for _ in 0..=rng.below(4) {
                    let at = rng.below(bytes.len());
                    bytes[at] ^= 1 << rng.below(8);
                }
            }
            1 => {
                let at = rng.below(bytes.len());
                bytes[at] = rng.next() as u8;
            }
            2 => bytes.truncate(rng.below(bytes.len())),
            _ => {
                let extra = rng.below(64);
                bytes.extend((0..extra).map(|_| rng.next() as u8));
            }
        }
        bytes
    }

    /// Recomputes every CRC so that mutations reach the PNG decoder instead of
    /// stopping at our CRC check.
    fn fix_png_crcs(bytes: &mut [u8]) {
        let mut at = 8;
        while let Some(len) = be32(bytes, at) {
            let end = at + 8 + len as usize;
            if end + 4 > bytes.len() {
                return;
            }
            let crc = crc32fast::hash(&bytes[at + 4..end]);
            bytes[end..end + 4].copy_from_slice(&crc.to_be_bytes());
            at = end + 4;
        }
    }

    #[test]
    fn mutated_files_never_panic() {
        let fixtures = [
            (png_fixture(), Format::Png),
            (jpeg_fixture(), Format::Jpeg),
            (webp_fixture(), Format::Webp),
        ];
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        let mut accepted = 0;
        for (original, format) in &fixtures {
            for round in 0..1500 {
                let mut bytes = mutate(original, &mut rng);
                if *format == Format::Png && round % 2 == 0 {
                    fix_png_crcs(&mut bytes);
                }
                if let Ok(checked) = check(&bytes) {
                    accepted += 1;
                    assert_eq!(checked.format, *format);
                    // Stripping must be idempotent, or the stored file was not clean.
                    assert_eq!(check(&checked.bytes).unwrap().bytes, checked.bytes);
                }
            }
        }
        // Trailing-data mutations alone guarantee some survivors.
        assert!(accepted > 0);
    }
}
