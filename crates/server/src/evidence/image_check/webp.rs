//! WebP: the RIFF chunks a decoder needs kept (VP8X with its EXIF and XMP flags cleared, the
//! bitstream, alpha, colour profile), metadata and anything past the RIFF size dropped.

use super::{le16, le24, le32, Format, Header, Refusal, Stripped};

const DAMAGED: Refusal = Refusal::Damaged(Format::Webp);

const VP8X_ANIMATION: u8 = 0x02;
const VP8X_XMP: u8 = 0x04;
const VP8X_EXIF: u8 = 0x08;

pub(super) fn strip(bytes: &[u8]) -> Result<Stripped, Refusal> {
    let riff_size = usize::try_from(le32(bytes, 4).ok_or(DAMAGED)?).map_err(|_| DAMAGED)?;
    // Bytes past the RIFF end (an appended archive, say) are never looked at.
    let mut rest = bytes.get(12..riff_size.saturating_add(8)).ok_or(DAMAGED)?;
    let mut out = b"RIFF\0\0\0\0WEBP".to_vec();
    let mut canvas = None;
    let mut bitstream = None;
    let mut first = true;
    while !rest.is_empty() {
        let (kind, data, after) = next_riff_chunk(rest).ok_or(DAMAGED)?;
        rest = after;
        match &kind {
            b"VP8X" if first => {
                let (flags, header) = parse_vp8x(data).ok_or(DAMAGED)?;
                if flags & VP8X_ANIMATION != 0 {
                    return Err(Refusal::Animated(Format::Webp));
                }
                canvas = Some(header);
                let mut cleared = data.to_vec();
                cleared[0] = flags & !(VP8X_EXIF | VP8X_XMP);
                push_riff_chunk(&mut out, &kind, &cleared);
            }
            b"VP8X" => return Err(DAMAGED),
            b"ANIM" | b"ANMF" => return Err(Refusal::Animated(Format::Webp)),
            b"VP8 " | b"VP8L" if bitstream.is_none() => {
                bitstream = Some(parse_bitstream(&kind, data).ok_or(DAMAGED)?);
                push_riff_chunk(&mut out, &kind, data);
            }
            b"VP8 " | b"VP8L" => return Err(DAMAGED),
            b"ALPH" | b"ICCP" => push_riff_chunk(&mut out, &kind, data),
            // EXIF, XMP and unknown chunks.
            _ => {}
        }
        first = false;
    }
    let bitstream = bitstream.ok_or(DAMAGED)?;
    let riff_len = u32::try_from(out.len() - 8).map_err(|_| DAMAGED)?;
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
    Some((flags, header(width, height)))
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
    Some(header(width, height))
}

fn header(width: u32, height: u32) -> Header {
    Header {
        width,
        height,
        bytes_per_pixel: 4,
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::*;
    use super::*;

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

    #[test]
    fn data_beyond_riff_is_dropped() {
        let clean = webp_fixture();
        let checked = check(&[clean.as_slice(), ZIP].concat()).unwrap();
        assert_absent(&checked.bytes, b"PK\x03\x04");
        assert_eq!(checked.bytes, clean);
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
    fn webp_bomb_is_refused_from_the_header() {
        let webp = riff(&[vp8x(0, 1 << 24, 1 << 24), vp8l_chunk(&webp_fixture())]);
        assert!(matches!(check(&webp), Err(Refusal::TooManyPixels { .. })));
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
}
