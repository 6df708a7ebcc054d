//! Checks a customer's evidence screenshot before it is stored.
//!
//! The format is decided from the bytes alone, because file names and declared
//! types are chosen by the uploader. The container is walked by hand so that
//! metadata (EXIF location, comments, thumbnails) and trailing payloads are cut
//! out, and the stripped result is then fully decoded so that we only ever
//! store what an image viewer would actually show.

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
    let format = identify(bytes)?;
    let stripped = match format {
        Format::Png => strip_png(bytes)?,
        Format::Jpeg => strip_jpeg(bytes)?,
        Format::Webp => strip_webp(bytes)?,
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

// ---------------------------------------------------------------------------
// Identification

const PNG_SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";
const PNG_DAMAGED: Refusal = Refusal::Damaged(Format::Png);
const JPEG_DAMAGED: Refusal = Refusal::Damaged(Format::Jpeg);
const WEBP_DAMAGED: Refusal = Refusal::Damaged(Format::Webp);

fn identify(bytes: &[u8]) -> Result<Format, Refusal> {
    // Only the first four PNG signature bytes decide, so a signature mangled by
    // a text-mode transfer (its whole purpose) is reported as a damaged PNG.
    if bytes.starts_with(b"\x89PNG") {
        return Ok(Format::Png);
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(Format::Jpeg);
    }
    if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        return Ok(Format::Webp);
    }
    match other_format(bytes) {
        Some(name) => Err(Refusal::UnsupportedFormat(name)),
        None => Err(Refusal::NotAnImage),
    }
}

fn other_format(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        return Some("GIF");
    }
    if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        return Some("TIFF");
    }
    if bytes.starts_with(b"%PDF") {
        return Some("PDF");
    }
    if is_bmp(bytes) {
        return Some("BMP");
    }
    iso_media(bytes).or_else(|| markup(bytes))
}

/// "BM" alone is too common at the start of text, so the DIB header size must
/// also be one that BMP writers use.
fn is_bmp(bytes: &[u8]) -> bool {
    bytes.starts_with(b"BM")
        && matches!(
            le32(bytes, 14),
            Some(12 | 16 | 40 | 52 | 56 | 64 | 108 | 124)
        )
}

/// HEIC, AVIF and phone videos share the ISO-BMFF `ftyp` box; its brands tell
/// them apart.
fn iso_media(bytes: &[u8]) -> Option<&'static str> {
    if bytes.get(4..8)? != b"ftyp" {
        return None;
    }
    let box_end = usize::try_from(be32(bytes, 0)?).ok()?.min(bytes.len());
    let major = bytes.get(8..12)?;
    let compatible = bytes.get(16..box_end).unwrap_or(&[]).chunks_exact(4);
    let brands: Vec<&[u8]> = std::iter::once(major).chain(compatible).collect();
    let has = |wanted: &[&[u8]]| brands.iter().any(|brand| wanted.contains(brand));
    // AVIF files also list the generic HEIF brand "mif1", so AVIF is asked first.
    if has(&[b"avif", b"avis"]) {
        Some("AVIF")
    } else if has(&[
        b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1",
    ]) {
        Some("HEIC")
    } else if major == b"qt  " {
        Some("MOV")
    } else if [&b"iso"[..], b"mp4", b"3g", b"M4V", b"avc1"]
        .iter()
        .any(|prefix| major.starts_with(prefix))
    {
        // Screen recordings are the likeliest non-image "evidence".
        Some("MP4")
    } else {
        None
    }
}

/// SVG is refused as text: it can carry script, and it is the one "image" a
/// browser will execute.
fn markup(bytes: &[u8]) -> Option<&'static str> {
    let head = &bytes[..bytes.len().min(4096)];
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = head.iter().position(|c| !c.is_ascii_whitespace())?;
    let text = head[start..].to_ascii_lowercase();
    let openings: [&[u8]; 5] = [b"<?xml", b"<svg", b"<!doctype", b"<html", b"<!--"];
    if !openings.iter().any(|opening| text.starts_with(opening)) {
        return None;
    }
    if contains(&text, b"<svg") {
        Some("SVG")
    } else if contains(&text, b"<html") || text.starts_with(b"<!doctype html") {
        Some("HTML")
    } else {
        Some("XML")
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

// ---------------------------------------------------------------------------
// PNG

struct PngChunk<'a> {
    kind: [u8; 4],
    data: &'a [u8],
    /// Length, type, data and CRC, copied as they are when kept.
    raw: &'a [u8],
}

enum PngAction {
    Keep,
    Drop,
    End,
}

fn strip_png(bytes: &[u8]) -> Result<Stripped, Refusal> {
    let body = bytes.strip_prefix(PNG_SIGNATURE).ok_or(PNG_DAMAGED)?;
    let (ihdr, mut rest) = next_png_chunk(body).ok_or(PNG_DAMAGED)?;
    let header = match &ihdr.kind {
        b"IHDR" => parse_ihdr(ihdr.data).ok_or(PNG_DAMAGED)?,
        _ => return Err(PNG_DAMAGED),
    };
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(PNG_SIGNATURE);
    out.extend_from_slice(ihdr.raw);
    loop {
        let (chunk, after) = next_png_chunk(rest).ok_or(PNG_DAMAGED)?;
        rest = after;
        match png_action(chunk.kind)? {
            PngAction::Keep => out.extend_from_slice(chunk.raw),
            PngAction::Drop => {}
            PngAction::End if chunk.data.is_empty() => {
                out.extend_from_slice(chunk.raw);
                // Whatever follows IEND (an appended archive, say) is dropped here.
                return Ok(Stripped { bytes: out, header });
            }
            PngAction::End => return Err(PNG_DAMAGED),
        }
    }
}

fn png_action(kind: [u8; 4]) -> Result<PngAction, Refusal> {
    match &kind {
        b"IEND" => Ok(PngAction::End),
        // Critical chunks, and ancillary ones that change how pixels look.
        b"PLTE" | b"IDAT" | b"tRNS" | b"gAMA" | b"cHRM" | b"sRGB" | b"iCCP" | b"sBIT" | b"bKGD"
        | b"cICP" => Ok(PngAction::Keep),
        b"acTL" | b"fcTL" | b"fdAT" => Err(Refusal::Animated(Format::Png)),
        b"IHDR" => Err(PNG_DAMAGED),
        _ if !kind.iter().all(u8::is_ascii_alphabetic) => Err(PNG_DAMAGED),
        // An unknown critical chunk means we cannot know what the image shows.
        _ if kind[0].is_ascii_uppercase() => Err(PNG_DAMAGED),
        // Text, EXIF, time and every private chunk: metadata, not pixels.
        _ => Ok(PngAction::Drop),
    }
}

/// Splits one CRC-checked chunk off the front of `bytes`.
fn next_png_chunk(bytes: &[u8]) -> Option<(PngChunk<'_>, &[u8])> {
    let len = be32(bytes, 0)?;
    if len > 0x7FFF_FFFF {
        return None;
    }
    let len = usize::try_from(len).ok()?;
    let total = len.checked_add(12)?;
    let raw = bytes.get(..total)?;
    let kind: [u8; 4] = raw.get(4..8)?.try_into().ok()?;
    let data = raw.get(8..8 + len)?;
    if crc32(raw.get(4..8 + len)?) != be32(raw, 8 + len)? {
        return None;
    }
    Some((PngChunk { kind, data, raw }, &bytes[total..]))
}

fn parse_ihdr(data: &[u8]) -> Option<Header> {
    if data.len() != 13 {
        return None;
    }
    let width = be32(data, 0)?;
    let height = be32(data, 4)?;
    if width == 0 || height == 0 || width > 0x7FFF_FFFF || height > 0x7FFF_FFFF {
        return None;
    }
    let bytes_per_pixel = if data[8] == 16 { 8 } else { 4 };
    Some(Header {
        width,
        height,
        bytes_per_pixel,
    })
}

const CRC_TABLE: [u32; 256] = crc_table();

const fn crc_table() -> [u32; 256] {
    let mut table = [0u32; 256];
    let mut n = 0;
    while n < 256 {
        let mut c = n as u32;
        let mut bit = 0;
        while bit < 8 {
            c = if c & 1 == 1 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            bit += 1;
        }
        table[n] = c;
        n += 1;
    }
    table
}

/// The CRC-32 that PNG chunks carry.
fn crc32(bytes: &[u8]) -> u32 {
    !bytes.iter().fold(!0u32, |c, &b| {
        CRC_TABLE[((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8)
    })
}

// ---------------------------------------------------------------------------
// JPEG

const EOI: u8 = 0xD9;
const SOS: u8 = 0xDA;

fn strip_jpeg(bytes: &[u8]) -> Result<Stripped, Refusal> {
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&[0xFF, 0xD8]);
    let mut pos = 2;
    let mut header = None;
    let mut scanned = false;
    loop {
        let marker = next_marker(bytes, &mut pos).ok_or(JPEG_DAMAGED)?;
        match marker {
            EOI => {
                let header = header.filter(|_| scanned).ok_or(JPEG_DAMAGED)?;
                out.extend_from_slice(&[0xFF, EOI]);
                // Anything after EOI (a second image, an archive) is dropped here.
                return Ok(Stripped { bytes: out, header });
            }
            // Restart and TEM markers stand alone, without a length.
            0xD0..=0xD7 | 0x01 => out.extend_from_slice(&[0xFF, marker]),
            0x00 | 0xD8 => return Err(JPEG_DAMAGED),
            _ => {
                let payload = segment_payload(bytes, pos).ok_or(JPEG_DAMAGED)?;
                pos += 2 + payload.len();
                if marker == SOS {
                    if header.is_none() {
                        return Err(JPEG_DAMAGED);
                    }
                    push_segment(&mut out, marker, payload);
                    let end = entropy_end(bytes, pos).ok_or(JPEG_DAMAGED)?;
                    out.extend_from_slice(&bytes[pos..end]);
                    pos = end;
                    scanned = true;
                } else if is_sof(marker) {
                    if header.is_some() {
                        return Err(JPEG_DAMAGED);
                    }
                    header = Some(parse_sof(payload).ok_or(JPEG_DAMAGED)?);
                    push_segment(&mut out, marker, payload);
                } else {
                    keep_jpeg_segment(&mut out, marker, payload);
                }
            }
        }
    }
}

/// Reads the marker at `pos`, skipping the 0xFF fill bytes allowed before it.
fn next_marker(bytes: &[u8], pos: &mut usize) -> Option<u8> {
    if *bytes.get(*pos)? != 0xFF {
        return None;
    }
    while *bytes.get(*pos)? == 0xFF {
        *pos += 1;
    }
    let marker = *bytes.get(*pos)?;
    *pos += 1;
    Some(marker)
}

fn segment_payload(bytes: &[u8], pos: usize) -> Option<&[u8]> {
    let len = usize::from(be16(bytes, pos)?);
    if len < 2 {
        return None;
    }
    bytes.get(pos + 2..pos + len)
}

/// Where entropy-coded data ends: at the first 0xFF that is neither a stuffed
/// zero nor a restart marker. None if the file ends first.
fn entropy_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut i = start;
    loop {
        i += bytes.get(i..)?.iter().position(|&b| b == 0xFF)?;
        match bytes.get(i + 1)? {
            0x00 | 0xD0..=0xD7 => i += 2,
            _ => return Some(i),
        }
    }
}

fn is_sof(marker: u8) -> bool {
    matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC)
}

fn parse_sof(payload: &[u8]) -> Option<Header> {
    let height = u32::from(be16(payload, 1)?);
    let width = u32::from(be16(payload, 3)?);
    if width == 0 || height == 0 {
        return None;
    }
    Some(Header {
        width,
        height,
        bytes_per_pixel: 4,
    })
}

/// Keeps only segments the decoder needs; every APPn, COM and reserved marker
/// not named here is dropped.
fn keep_jpeg_segment(out: &mut Vec<u8>, marker: u8, payload: &[u8]) {
    match marker {
        // JFIF is rebuilt from the fields decoders read, because its optional
        // thumbnail can still show the picture as it was before cropping.
        0xE0 if payload.starts_with(b"JFIF\0") && payload.len() >= 14 => {
            let mut jfif = payload[..12].to_vec();
            jfif.extend_from_slice(&[0, 0]);
            push_segment(out, marker, &jfif);
        }
        0xE2 if payload.starts_with(b"ICC_PROFILE\0") => push_segment(out, marker, payload),
        // Adobe's transform flag decides how the colours are read.
        0xEE if payload.starts_with(b"Adobe") && payload.len() >= 12 => {
            push_segment(out, marker, &payload[..12]);
        }
        // DHT, DAC, DQT, DNL, DRI, EXP.
        0xC4 | 0xCC | 0xDB | 0xDC | 0xDD | 0xDF => push_segment(out, marker, payload),
        _ => {}
    }
}

/// `payload` always comes from a segment that fitted a 16-bit length.
fn push_segment(out: &mut Vec<u8>, marker: u8, payload: &[u8]) {
    let len = u16::try_from(payload.len() + 2).unwrap_or(u16::MAX);
    out.extend_from_slice(&[0xFF, marker]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(payload);
}

// ---------------------------------------------------------------------------
// WebP

const VP8X_ANIMATION: u8 = 0x02;
const VP8X_XMP: u8 = 0x04;
const VP8X_EXIF: u8 = 0x08;

fn strip_webp(bytes: &[u8]) -> Result<Stripped, Refusal> {
    let riff_size =
        usize::try_from(le32(bytes, 4).ok_or(WEBP_DAMAGED)?).map_err(|_| WEBP_DAMAGED)?;
    // Bytes past the RIFF end (an appended archive, say) are never looked at.
    let mut rest = bytes
        .get(12..riff_size.saturating_add(8))
        .ok_or(WEBP_DAMAGED)?;
    let mut out = b"RIFF\0\0\0\0WEBP".to_vec();
    let mut canvas = None;
    let mut bitstream = None;
    let mut first = true;
    while !rest.is_empty() {
        let (kind, data, after) = next_riff_chunk(rest).ok_or(WEBP_DAMAGED)?;
        rest = after;
        match &kind {
            b"VP8X" if first => {
                let (flags, header) = parse_vp8x(data).ok_or(WEBP_DAMAGED)?;
                if flags & VP8X_ANIMATION != 0 {
                    return Err(Refusal::Animated(Format::Webp));
                }
                canvas = Some(header);
                let mut cleared = data.to_vec();
                cleared[0] = flags & !(VP8X_EXIF | VP8X_XMP);
                push_riff_chunk(&mut out, &kind, &cleared);
            }
            b"VP8X" => return Err(WEBP_DAMAGED),
            b"ANIM" | b"ANMF" => return Err(Refusal::Animated(Format::Webp)),
            b"VP8 " | b"VP8L" if bitstream.is_none() => {
                bitstream = Some(parse_bitstream(&kind, data).ok_or(WEBP_DAMAGED)?);
                push_riff_chunk(&mut out, &kind, data);
            }
            b"VP8 " | b"VP8L" => return Err(WEBP_DAMAGED),
            b"ALPH" | b"ICCP" => push_riff_chunk(&mut out, &kind, data),
            // EXIF, XMP and unknown chunks.
            _ => {}
        }
        first = false;
    }
    let bitstream = bitstream.ok_or(WEBP_DAMAGED)?;
    let riff_len = u32::try_from(out.len() - 8).map_err(|_| WEBP_DAMAGED)?;
    out[4..8].copy_from_slice(&riff_len.to_le_bytes());
    Ok(Stripped {
        bytes: out,
        header: canvas.unwrap_or(bitstream),
    })
}

/// Splits one chunk and its pad byte off the front of the RIFF body.
fn next_riff_chunk(bytes: &[u8]) -> Option<([u8; 4], &[u8], &[u8])> {
    let kind: [u8; 4] = bytes.get(..4)?.try_into().ok()?;
    let size = usize::try_from(le32(bytes, 4)?).ok()?;
    let data = bytes.get(8..8usize.checked_add(size)?)?;
    let rest = bytes.get(8 + size + size % 2..)?;
    Some((kind, data, rest))
}

fn push_riff_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(kind);
    // `data` came from a chunk whose size fitted in 32 bits.
    let size = u32::try_from(data.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&size.to_le_bytes());
    out.extend_from_slice(data);
    if data.len() % 2 == 1 {
        out.push(0);
    }
}

fn parse_vp8x(data: &[u8]) -> Option<(u8, Header)> {
    let flags = *data.first()?;
    let width = le24(data, 4)? + 1;
    let height = le24(data, 7)? + 1;
    Some((flags, webp_header(width, height)))
}

fn parse_bitstream(kind: &[u8; 4], data: &[u8]) -> Option<Header> {
    let (width, height) = if kind == b"VP8L" {
        if *data.first()? != 0x2F {
            return None;
        }
        let bits = le32(data, 1)?;
        ((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
    } else {
        if data.get(3..6)? != [0x9D, 0x01, 0x2A] {
            return None;
        }
        let width = u32::from(le16(data, 6)? & 0x3FFF);
        let height = u32::from(le16(data, 8)? & 0x3FFF);
        if width == 0 || height == 0 {
            return None;
        }
        (width, height)
    };
    Some(webp_header(width, height))
}

fn webp_header(width: u32, height: u32) -> Header {
    Header {
        width,
        height,
        bytes_per_pixel: 4,
    }
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
    use super::*;
    use image::codecs::{jpeg::JpegEncoder, png::PngEncoder, webp::WebPEncoder};
    use image::{DynamicImage, ExtendedColorType, ImageEncoder, Rgb, RgbImage, Rgba, RgbaImage};

    // -- fixtures -----------------------------------------------------------

    fn rgba_sample() -> RgbaImage {
        // Odd sizes so that row padding, MCU edges and RIFF padding all matter.
        RgbaImage::from_fn(37, 23, |x, y| {
            Rgba([
                (x * 7) as u8,
                (y * 11) as u8,
                (x ^ y) as u8,
                255 - (x * 3) as u8,
            ])
        })
    }

    fn png_fixture() -> Vec<u8> {
        let img = rgba_sample();
        let mut out = Vec::new();
        PngEncoder::new(&mut out)
            .write_image(img.as_raw(), 37, 23, ExtendedColorType::Rgba8)
            .unwrap();
        out
    }

    /// Large enough that cutting it in half lands inside the scan data, which
    /// is where a lenient decoder stops complaining.
    fn jpeg_fixture() -> Vec<u8> {
        let img = RgbImage::from_fn(128, 96, |x, y| {
            Rgb([(x * 7) as u8, (y * 11) as u8, ((x * y) ^ (x + y)) as u8])
        });
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(&mut out, 90)
            .encode_image(&img)
            .unwrap();
        out
    }

    fn webp_fixture() -> Vec<u8> {
        let img = rgba_sample();
        let mut out = Vec::new();
        WebPEncoder::new_lossless(&mut out)
            .write_image(img.as_raw(), 37, 23, ExtendedColorType::Rgba8)
            .unwrap();
        out
    }

    fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut out = (data.len() as u32).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let crc = crc32(&out[4..]);
        out.extend_from_slice(&crc.to_be_bytes());
        out
    }

    /// Signature and IHDR end at byte 33 in every PNG.
    fn png_with_after_ihdr(png: &[u8], extra: &[u8]) -> Vec<u8> {
        let mut out = png[..33].to_vec();
        out.extend_from_slice(extra);
        out.extend_from_slice(&png[33..]);
        out
    }

    fn png_from_parts(width: u32, height: u32, color_type: u8, idat: &[u8]) -> Vec<u8> {
        let mut ihdr = width.to_be_bytes().to_vec();
        ihdr.extend_from_slice(&height.to_be_bytes());
        ihdr.extend_from_slice(&[8, color_type, 0, 0, 0]);
        let mut out = PNG_SIGNATURE.to_vec();
        out.extend(png_chunk(b"IHDR", &ihdr));
        out.extend(png_chunk(b"IDAT", idat));
        out.extend(png_chunk(b"IEND", &[]));
        out
    }

    /// A zlib stream holding nothing: valid framing, far too little data.
    const EMPTY_ZLIB: [u8; 8] = [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01];

    fn jpeg_segment(marker: u8, payload: &[u8]) -> Vec<u8> {
        let mut out = vec![0xFF, marker];
        out.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(payload);
        out
    }

    fn jpeg_with_after_soi(jpeg: &[u8], extra: &[u8]) -> Vec<u8> {
        let mut out = jpeg[..2].to_vec();
        out.extend_from_slice(extra);
        out.extend_from_slice(&jpeg[2..]);
        out
    }

    fn riff_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut out = kind.to_vec();
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(data);
        if data.len() % 2 == 1 {
            out.push(0);
        }
        out
    }

    fn riff(chunks: &[Vec<u8>]) -> Vec<u8> {
        let body: Vec<u8> = chunks.concat();
        let mut out = b"RIFF".to_vec();
        out.extend_from_slice(&(body.len() as u32 + 4).to_le_bytes());
        out.extend_from_slice(b"WEBP");
        out.extend(body);
        out
    }

    fn vp8x(flags: u8, width: u32, height: u32) -> Vec<u8> {
        let mut data = vec![flags, 0, 0, 0];
        data.extend_from_slice(&(width - 1).to_le_bytes()[..3]);
        data.extend_from_slice(&(height - 1).to_le_bytes()[..3]);
        riff_chunk(b"VP8X", &data)
    }

    /// The encoder writes a simple file whose only chunk is VP8L.
    fn vp8l_chunk(webp: &[u8]) -> Vec<u8> {
        assert_eq!(&webp[12..16], b"VP8L");
        webp[12..].to_vec()
    }

    const ZIP: &[u8] = b"PK\x03\x04\x14\x00\x00\x00\x08\x00secret.txt";

    fn decode(bytes: &[u8], format: Format) -> DynamicImage {
        image::load_from_memory_with_format(bytes, decoder_format(format)).unwrap()
    }

    fn assert_same_pixels(before: &[u8], after: &[u8], format: Format) {
        let (before, after) = (decode(before, format), decode(after, format));
        assert_eq!(before.color(), after.color());
        assert_eq!(
            (before.width(), before.height()),
            (after.width(), after.height())
        );
        assert!(before.as_bytes() == after.as_bytes(), "pixels changed");
    }

    fn assert_absent(haystack: &[u8], needle: &[u8]) {
        assert!(
            !contains(haystack, needle),
            "{:?} still present",
            String::from_utf8_lossy(needle)
        );
    }

    // -- valid files ---------------------------------------------------------

    fn assert_passes(bytes: &[u8], format: Format, width: u32, height: u32) -> Checked {
        let checked = check(bytes).unwrap();
        assert_eq!(checked.format, format);
        assert_eq!((checked.width, checked.height), (width, height));
        assert_same_pixels(bytes, &checked.bytes, format);
        checked
    }

    #[test]
    fn valid_png_passes_with_same_pixels() {
        assert_passes(&png_fixture(), Format::Png, 37, 23);
    }

    #[test]
    fn valid_jpeg_passes_with_same_pixels() {
        assert_passes(&jpeg_fixture(), Format::Jpeg, 128, 96);
    }

    #[test]
    fn valid_webp_passes_with_same_pixels() {
        let checked = assert_passes(&webp_fixture(), Format::Webp, 37, 23);
        assert_eq!(
            checked.bytes,
            webp_fixture(),
            "a clean simple WebP is unchanged"
        );
    }

    #[test]
    fn sixteen_bit_png_passes() {
        let img = image::ImageBuffer::<Rgba<u16>, _>::from_fn(9, 5, |x, y| {
            Rgba([x as u16 * 7000, y as u16 * 9000, 1, 65535])
        });
        let mut png = Vec::new();
        PngEncoder::new(&mut png)
            .write_image(
                ne_bytes(img.as_raw()).as_slice(),
                9,
                5,
                ExtendedColorType::Rgba16,
            )
            .unwrap();
        assert_passes(&png, Format::Png, 9, 5);
    }

    /// The PNG encoder wants native-endian 16-bit samples as bytes.
    fn ne_bytes(samples: &[u16]) -> Vec<u8> {
        samples.iter().flat_map(|s| s.to_ne_bytes()).collect()
    }

    // -- metadata ------------------------------------------------------------

    #[test]
    fn png_metadata_is_removed() {
        let clean = png_fixture();
        let mut extra = png_chunk(b"tEXt", b"Comment\0taken at 51.5007N 0.1246W");
        extra.extend(png_chunk(b"iTXt", b"Location\0\0\0en\0\0home address"));
        extra.extend(png_chunk(b"eXIf", b"MM\0*\0\0\0\x08GPSLatitude 48.8584"));
        extra.extend(png_chunk(b"tIME", &[0x07, 0xE9, 1, 2, 3, 4, 5]));
        extra.extend(png_chunk(b"pHYs", &[0, 0, 0x0B, 0x13, 0, 0, 0x0B, 0x13, 1]));
        extra.extend(png_chunk(b"prVt", b"private tracking id"));
        let dirty = png_with_after_ihdr(&clean, &extra);

        let checked = check(&dirty).unwrap();
        for marker in [
            &b"tEXt"[..],
            b"iTXt",
            b"eXIf",
            b"tIME",
            b"pHYs",
            b"prVt",
            b"51.5007N",
            b"GPSLatitude",
            b"home address",
        ] {
            assert_absent(&checked.bytes, marker);
        }
        assert_eq!(checked.bytes, check(&clean).unwrap().bytes);
        assert_same_pixels(&dirty, &checked.bytes, Format::Png);
    }

    #[test]
    fn png_rendering_chunks_are_kept() {
        let gama = png_chunk(b"gAMA", &45455u32.to_be_bytes());
        let srgb = png_chunk(b"sRGB", &[0]);
        let dirty = png_with_after_ihdr(&png_fixture(), &[gama.clone(), srgb.clone()].concat());
        let checked = check(&dirty).unwrap();
        assert!(contains(&checked.bytes, &gama));
        assert!(contains(&checked.bytes, &srgb));
    }

    #[test]
    fn jpeg_metadata_is_removed() {
        let clean = jpeg_fixture();
        let mut exif = b"Exif\0\0MM\0*\0\0\0\x08".to_vec();
        exif.extend_from_slice(b"GPSLatitude 48.8584 N GPSLongitude 2.2945 E");
        let mut extra = jpeg_segment(0xE1, &exif);
        extra.extend(jpeg_segment(
            0xE1,
            b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta/>",
        ));
        extra.extend(jpeg_segment(0xED, b"Photoshop 3.0\08BIM iptc byline"));
        extra.extend(jpeg_segment(0xFE, b"sent from my flat at 12 Baker St"));
        let dirty = jpeg_with_after_soi(&clean, &extra);

        let checked = check(&dirty).unwrap();
        for marker in [
            &b"Exif"[..],
            b"GPSLatitude",
            b"xmpmeta",
            b"Photoshop",
            b"Baker St",
        ] {
            assert_absent(&checked.bytes, marker);
        }
        assert_eq!(checked.bytes, check(&clean).unwrap().bytes);
        assert_same_pixels(&dirty, &checked.bytes, Format::Jpeg);
    }

    #[test]
    fn jpeg_colour_profile_is_kept_and_mpf_dropped() {
        let icc = jpeg_segment(0xE2, b"ICC_PROFILE\0\x01\x01profile bytes");
        let mpf = jpeg_segment(0xE2, b"MPF\0II*\0second image index");
        let dirty = jpeg_with_after_soi(&jpeg_fixture(), &[icc.clone(), mpf].concat());
        let checked = check(&dirty).unwrap();
        assert!(contains(&checked.bytes, &icc));
        assert_absent(&checked.bytes, b"MPF");
    }

    #[test]
    fn jfif_thumbnail_is_removed() {
        let clean = jpeg_fixture();
        assert_eq!(&clean[2..4], [0xFF, 0xE0], "encoder writes JFIF first");
        let jfif_len = usize::from(u16::from_be_bytes([clean[4], clean[5]]));
        let mut jfif = clean[6..6 + 12].to_vec();
        jfif.extend_from_slice(&[2, 1]);
        jfif.extend_from_slice(b"THUMBTHUMBTHUMB!!!!!");
        jfif.truncate(14 + 2 * 3);
        let mut dirty = clean[..2].to_vec();
        dirty.extend(jpeg_segment(0xE0, &jfif));
        dirty.extend_from_slice(&clean[4 + jfif_len..]);

        let checked = check(&dirty).unwrap();
        assert_absent(&checked.bytes, b"THUMB");
        assert_eq!(checked.bytes, check(&clean).unwrap().bytes);
    }

    #[test]
    fn webp_metadata_is_removed_and_flags_cleared() {
        let plain = webp_fixture();
        let extended = riff(&[vp8x(0x10, 37, 23), vp8l_chunk(&plain)]);
        let dirty = riff(&[
            vp8x(0x10 | VP8X_EXIF | VP8X_XMP, 37, 23),
            vp8l_chunk(&plain),
            // Odd length, so the pad byte has to be honoured on the way out.
            riff_chunk(b"EXIF", b"MM\0*\0\0\0\x08GPSLatitude 48.8584N"),
            riff_chunk(b"XMP ", b"<x:xmpmeta>photographer</x:xmpmeta>"),
        ]);

        let checked = check(&dirty).unwrap();
        for marker in [&b"EXIF"[..], b"XMP ", b"GPSLatitude", b"xmpmeta"] {
            assert_absent(&checked.bytes, marker);
        }
        assert_eq!(
            checked.bytes[20], 0x10,
            "EXIF and XMP flags cleared, alpha kept"
        );
        let riff_size = u32::from_le_bytes(checked.bytes[4..8].try_into().unwrap());
        assert_eq!(riff_size as usize, checked.bytes.len() - 8);
        assert_eq!(checked.bytes, extended);
        assert_same_pixels(&plain, &checked.bytes, Format::Webp);
    }

    // -- trailing data -------------------------------------------------------

    #[test]
    fn data_after_png_iend_is_dropped() {
        let clean = png_fixture();
        let checked = check(&[clean.as_slice(), ZIP].concat()).unwrap();
        assert_absent(&checked.bytes, b"PK\x03\x04");
        assert_eq!(checked.bytes, clean);
    }

    #[test]
    fn data_after_jpeg_eoi_is_dropped() {
        let clean = jpeg_fixture();
        let checked = check(&[clean.as_slice(), ZIP].concat()).unwrap();
        assert_absent(&checked.bytes, b"PK\x03\x04");
        assert_eq!(checked.bytes, check(&clean).unwrap().bytes);
        assert!(checked.bytes.ends_with(&[0xFF, 0xD9]));
    }

    #[test]
    fn data_beyond_riff_is_dropped() {
        let clean = webp_fixture();
        let checked = check(&[clean.as_slice(), ZIP].concat()).unwrap();
        assert_absent(&checked.bytes, b"PK\x03\x04");
        assert_eq!(checked.bytes, clean);
    }

    // -- refusals ------------------------------------------------------------

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
    fn png_signature_then_random_bytes_is_damaged() {
        let mut bytes = PNG_SIGNATURE.to_vec();
        bytes.extend(random_bytes(1, 4000));
        assert_eq!(check(&bytes).unwrap_err(), Refusal::Damaged(Format::Png));
    }

    #[test]
    fn png_signature_mangled_by_text_transfer_is_damaged() {
        let mut bytes = png_fixture();
        bytes.remove(4); // "\r\n" became "\n"
        assert_eq!(check(&bytes).unwrap_err(), Refusal::Damaged(Format::Png));
    }

    #[test]
    fn half_a_jpeg_is_damaged() {
        // The decoder alone accepts this: it fills the missing scan data in.
        let jpeg = jpeg_fixture();
        let half = &jpeg[..jpeg.len() / 2];
        assert!(image::load_from_memory_with_format(half, ImageFormat::Jpeg).is_ok());
        assert_eq!(check(half).unwrap_err(), Refusal::Damaged(Format::Jpeg));
    }

    #[test]
    fn jpeg_missing_only_eoi_is_damaged() {
        let jpeg = jpeg_fixture();
        let cut = &jpeg[..jpeg.len() - 2];
        assert_eq!(check(cut).unwrap_err(), Refusal::Damaged(Format::Jpeg));
    }

    #[test]
    fn renamed_gif_is_unsupported() {
        let mut gif = b"GIF89a".to_vec();
        gif.extend_from_slice(&[
            1, 0, 1, 0, 0, 0, 0, b',', 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x4C, 1, 0, b';',
        ]);
        assert_eq!(check(&gif).unwrap_err(), Refusal::UnsupportedFormat("GIF"));
        assert_eq!(
            check(b"GIF87a....").unwrap_err(),
            Refusal::UnsupportedFormat("GIF")
        );
    }

    #[test]
    fn svg_with_script_is_unsupported() {
        let svg = b"\xEF\xBB\xBF\n  <?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"><script>fetch('/api/transfer')</script></svg>";
        assert_eq!(check(svg).unwrap_err(), Refusal::UnsupportedFormat("SVG"));
        assert_eq!(
            check(b"<SVG onload=\"alert(1)\"/>").unwrap_err(),
            Refusal::UnsupportedFormat("SVG")
        );
    }

    #[test]
    fn other_known_formats_are_named() {
        let bmp = [&b"BM"[..], &[0; 12], &40u32.to_le_bytes(), &[0; 40]].concat();
        let heic = [&24u32.to_be_bytes()[..], b"ftypheic\0\0\0\0mif1heic"].concat();
        let avif = [&28u32.to_be_bytes()[..], b"ftypmif1\0\0\0\0mif1avifmiaf"].concat();
        let mp4 = [&20u32.to_be_bytes()[..], b"ftypisom\0\0\x02\0isom"].concat();
        let mov = [&20u32.to_be_bytes()[..], b"ftypqt  \0\0\x02\0qt  "].concat();
        let cases: [(&[u8], &str); 11] = [
            (&bmp, "BMP"),
            (b"II*\0\x08\0\0\0", "TIFF"),
            (b"MM\0*\0\0\0\x08", "TIFF"),
            (&heic, "HEIC"),
            (&avif, "AVIF"),
            (&mp4, "MP4"),
            (&mov, "MOV"),
            (b"%PDF-1.7\n%\xE2\xE3", "PDF"),
            (b"<!DOCTYPE html><html><body>", "HTML"),
            (b"<?xml version=\"1.0\"?><note/>", "XML"),
            (b"<!-- drawn by hand -->\n<svg/>", "SVG"),
        ];
        for (bytes, name) in cases {
            assert_eq!(check(bytes).unwrap_err(), Refusal::UnsupportedFormat(name));
        }
    }

    #[test]
    fn random_bytes_are_not_an_image() {
        assert_eq!(
            check(&random_bytes(7, 5000)).unwrap_err(),
            Refusal::NotAnImage
        );
        assert_eq!(check(b"BMW invoice.txt").unwrap_err(), Refusal::NotAnImage);
        assert_eq!(check(b"PK\x03\x04").unwrap_err(), Refusal::NotAnImage);
        let raw_photo = [&16u32.to_be_bytes()[..], b"ftypcrx \0\0\0\x01"].concat();
        assert_eq!(check(&raw_photo).unwrap_err(), Refusal::NotAnImage);
    }

    #[test]
    fn png_bomb_is_refused_from_the_header() {
        let bomb = png_from_parts(30_000, 30_000, 6, &EMPTY_ZLIB);
        assert_eq!(
            check(&bomb).unwrap_err(),
            Refusal::TooManyPixels {
                width: 30_000,
                height: 30_000
            }
        );
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
    fn jpeg_and_webp_bombs_are_refused() {
        let mut jpeg = jpeg_fixture();
        let sof = jpeg.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
        jpeg[sof + 5..sof + 9].copy_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF]);
        assert_eq!(
            check(&jpeg).unwrap_err(),
            Refusal::TooManyPixels {
                width: 65535,
                height: 65535
            }
        );
        let webp = riff(&[vp8x(0, 1 << 24, 1 << 24), vp8l_chunk(&webp_fixture())]);
        assert!(matches!(check(&webp), Err(Refusal::TooManyPixels { .. })));
    }

    #[test]
    fn webp_with_wrong_riff_size_is_damaged() {
        for delta in [100i64, -3, -1] {
            let mut webp = webp_fixture();
            let size = u32::from_le_bytes(webp[4..8].try_into().unwrap());
            webp[4..8].copy_from_slice(&((size as i64 + delta) as u32).to_le_bytes());
            assert_eq!(
                check(&webp).unwrap_err(),
                Refusal::Damaged(Format::Webp),
                "size off by {delta}"
            );
        }
    }

    #[test]
    fn png_with_bad_crc_is_damaged() {
        let mut png = png_fixture();
        let last_idat_crc = png.len() - 12 - 1;
        png[last_idat_crc] ^= 0x01;
        assert_eq!(check(&png).unwrap_err(), Refusal::Damaged(Format::Png));

        // A chunk we would drop anyway is still evidence the file was damaged,
        // and the decoder never gets to see its CRC.
        let mut text = png_chunk(b"tEXt", b"Comment\0hello");
        let last = text.len() - 1;
        text[last] ^= 0x01;
        let png = png_with_after_ihdr(&png_fixture(), &text);
        assert_eq!(check(&png).unwrap_err(), Refusal::Damaged(Format::Png));
    }

    #[test]
    fn png_without_iend_is_damaged() {
        let png = png_fixture();
        assert_eq!(
            check(&png[..png.len() - 12]).unwrap_err(),
            Refusal::Damaged(Format::Png)
        );
    }

    #[test]
    fn png_with_unknown_critical_chunk_is_damaged() {
        let png = png_with_after_ihdr(&png_fixture(), &png_chunk(b"HIDE", b"x"));
        assert_eq!(check(&png).unwrap_err(), Refusal::Damaged(Format::Png));
    }

    #[test]
    fn png_with_broken_pixel_data_is_damaged() {
        let png = png_from_parts(4, 4, 6, b"\x78\x9Cnot deflate at all");
        assert_eq!(check(&png).unwrap_err(), Refusal::Damaged(Format::Png));
    }

    #[test]
    fn animated_png_is_refused() {
        let actl = png_chunk(b"acTL", &[0, 0, 0, 2, 0, 0, 0, 0]);
        let png = png_with_after_ihdr(&png_fixture(), &actl);
        assert_eq!(check(&png).unwrap_err(), Refusal::Animated(Format::Png));
    }

    #[test]
    fn animated_webp_is_refused() {
        let plain = webp_fixture();
        let flagged = riff(&[vp8x(VP8X_ANIMATION, 37, 23), vp8l_chunk(&plain)]);
        assert_eq!(
            check(&flagged).unwrap_err(),
            Refusal::Animated(Format::Webp)
        );
        let anim = riff_chunk(b"ANIM", &[0; 6]);
        let chunked = riff(&[vp8x(0, 37, 23), anim, vp8l_chunk(&plain)]);
        assert_eq!(
            check(&chunked).unwrap_err(),
            Refusal::Animated(Format::Webp)
        );
    }

    // -- small parts ---------------------------------------------------------

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn format_names() {
        assert_eq!(
            [Format::Png, Format::Jpeg, Format::Webp].map(|f| crate::wallet::enum_str(&f)),
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

    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n.max(1) as u64) as usize
        }
    }

    fn random_bytes(seed: u64, len: usize) -> Vec<u8> {
        let mut rng = XorShift(seed);
        (0..len).map(|_| rng.next() as u8).collect()
    }

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
            let crc = crc32(&bytes[at + 4..end]);
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
