//! PNG: every chunk CRC-checked, the ones that change how pixels look kept, the rest
//! (text, EXIF, time, private chunks) and anything after IEND dropped.

use super::{be32, Format, Header, Refusal, Stripped};

pub(super) const SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";
const DAMAGED: Refusal = Refusal::Damaged(Format::Png);

struct Chunk<'a> {
    kind: [u8; 4],
    data: &'a [u8],
    /// Length, type, data and CRC, copied as they are when kept.
    raw: &'a [u8],
}

enum Action {
    Keep,
    Drop,
    End,
}

pub(super) fn strip(bytes: &[u8]) -> Result<Stripped, Refusal> {
    let body = bytes.strip_prefix(SIGNATURE).ok_or(DAMAGED)?;
    let (ihdr, mut rest) = next_chunk(body).ok_or(DAMAGED)?;
    let header = match &ihdr.kind {
        b"IHDR" => parse_ihdr(ihdr.data).ok_or(DAMAGED)?,
        _ => return Err(DAMAGED),
    };
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(SIGNATURE);
    out.extend_from_slice(ihdr.raw);
    loop {
        let (chunk, after) = next_chunk(rest).ok_or(DAMAGED)?;
        rest = after;
        match action(chunk.kind)? {
            Action::Keep => out.extend_from_slice(chunk.raw),
            Action::Drop => {}
            Action::End if chunk.data.is_empty() => {
                out.extend_from_slice(chunk.raw);
                // Whatever follows IEND (an appended archive, say) is dropped here.
                return Ok(Stripped { bytes: out, header });
            }
            Action::End => return Err(DAMAGED),
        }
    }
}

fn action(kind: [u8; 4]) -> Result<Action, Refusal> {
    match &kind {
        b"IEND" => Ok(Action::End),
        // Critical chunks, and ancillary ones that change how pixels look.
        b"PLTE" | b"IDAT" | b"tRNS" | b"gAMA" | b"cHRM" | b"sRGB" | b"iCCP" | b"sBIT" | b"bKGD"
        | b"cICP" => Ok(Action::Keep),
        b"acTL" | b"fcTL" | b"fdAT" => Err(Refusal::Animated(Format::Png)),
        b"IHDR" => Err(DAMAGED),
        _ if !kind.iter().all(u8::is_ascii_alphabetic) => Err(DAMAGED),
        // An unknown critical chunk means we cannot know what the image shows.
        _ if kind[0].is_ascii_uppercase() => Err(DAMAGED),
        // Text, EXIF, time and every private chunk: metadata, not pixels.
        _ => Ok(Action::Drop),
    }
}

/// Splits one CRC-checked chunk off the front of `bytes`.
fn next_chunk(bytes: &[u8]) -> Option<(Chunk<'_>, &[u8])> {
    let len = be32(bytes, 0)?;
    if len > 0x7FFF_FFFF {
        return None;
    }
    let len = usize::try_from(len).ok()?;
    let total = len.checked_add(12)?;
    let raw = bytes.get(..total)?;
    let kind: [u8; 4] = raw.get(4..8)?.try_into().ok()?;
    let data = raw.get(8..8 + len)?;
    if crc32fast::hash(raw.get(4..8 + len)?) != be32(raw, 8 + len)? {
        return None;
    }
    Some((Chunk { kind, data, raw }, &bytes[total..]))
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

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::*;
    use super::*;
    use image::codecs::png::PngEncoder;
    use image::{ExtendedColorType, ImageEncoder, Rgba};

    /// Signature and IHDR end at byte 33 in every PNG.
    fn png_with_after_ihdr(png: &[u8], extra: &[u8]) -> Vec<u8> {
        let mut out = png[..33].to_vec();
        out.extend_from_slice(extra);
        out.extend_from_slice(&png[33..]);
        out
    }

    /// The PNG encoder wants native-endian 16-bit samples as bytes.
    fn ne_bytes(samples: &[u16]) -> Vec<u8> {
        samples.iter().flat_map(|s| s.to_ne_bytes()).collect()
    }

    #[test]
    fn valid_png_passes_with_same_pixels() {
        assert_passes(&png_fixture(), Format::Png, 37, 23);
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
    fn data_after_png_iend_is_dropped() {
        let clean = png_fixture();
        let checked = check(&[clean.as_slice(), ZIP].concat()).unwrap();
        assert_absent(&checked.bytes, b"PK\x03\x04");
        assert_eq!(checked.bytes, clean);
    }

    #[test]
    fn png_signature_then_random_bytes_is_damaged() {
        let mut bytes = SIGNATURE.to_vec();
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
}
