//! JPEG: the segments a decoder needs kept (JFIF without its thumbnail, the colour profile,
//! Adobe's transform flag, tables and scans), every other APPn and COM, and anything after
//! EOI, dropped.

use super::{be16, Format, Header, Refusal, Stripped};

const DAMAGED: Refusal = Refusal::Damaged(Format::Jpeg);

const EOI: u8 = 0xD9;
const SOS: u8 = 0xDA;

pub(super) fn strip(bytes: &[u8]) -> Result<Stripped, Refusal> {
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&[0xFF, 0xD8]);
    let mut pos = 2;
    let mut header = None;
    let mut scanned = false;
    loop {
        let marker = next_marker(bytes, &mut pos).ok_or(DAMAGED)?;
        match marker {
            EOI => {
                let header = header.filter(|_| scanned).ok_or(DAMAGED)?;
                out.extend_from_slice(&[0xFF, EOI]);
                // Anything after EOI (a second image, an archive) is dropped here.
                return Ok(Stripped { bytes: out, header });
            }
            // Restart and TEM markers stand alone, without a length.
            0xD0..=0xD7 | 0x01 => out.extend_from_slice(&[0xFF, marker]),
            0x00 | 0xD8 => return Err(DAMAGED),
            _ => {
                let payload = segment_payload(bytes, pos).ok_or(DAMAGED)?;
                pos += 2 + payload.len();
                if marker == SOS {
                    if header.is_none() {
                        return Err(DAMAGED);
                    }
                    push_segment(&mut out, marker, payload);
                    let end = entropy_end(bytes, pos).ok_or(DAMAGED)?;
                    out.extend_from_slice(&bytes[pos..end]);
                    pos = end;
                    scanned = true;
                } else if is_sof(marker) {
                    if header.is_some() {
                        return Err(DAMAGED);
                    }
                    header = Some(parse_sof(payload).ok_or(DAMAGED)?);
                    push_segment(&mut out, marker, payload);
                } else {
                    keep_segment(&mut out, marker, payload);
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
fn keep_segment(out: &mut Vec<u8>, marker: u8, payload: &[u8]) {
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

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::*;

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

    #[test]
    fn valid_jpeg_passes_with_same_pixels() {
        assert_passes(&jpeg_fixture(), Format::Jpeg, 128, 96);
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
    fn data_after_jpeg_eoi_is_dropped() {
        let clean = jpeg_fixture();
        let checked = check(&[clean.as_slice(), ZIP].concat()).unwrap();
        assert_absent(&checked.bytes, b"PK\x03\x04");
        assert_eq!(checked.bytes, check(&clean).unwrap().bytes);
        assert!(checked.bytes.ends_with(&[0xFF, 0xD9]));
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
    fn jpeg_bomb_is_refused_from_the_header() {
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
    }
}
