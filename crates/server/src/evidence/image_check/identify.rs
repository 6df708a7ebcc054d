//! Which format a file is in, from its bytes alone: one of the three taken, or the name of
//! a known one refused, so the customer is told what they sent.

use super::{be32, contains, le32, Format, Refusal};

pub(super) fn identify(bytes: &[u8]) -> Result<Format, Refusal> {
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

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::*;

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
}
