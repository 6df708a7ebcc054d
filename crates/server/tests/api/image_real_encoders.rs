//! Files from encoders other than the `image` crate's, which cannot write
//! progressive JPEG or lossy WebP: made once with libjpeg-turbo's
//! `cjpeg -progressive`, libwebp's `cwebp -q 80` and `exiftool` (GPS position,
//! orientation and a comment), 16 × 12 pixels, under 1 KB each.

use crate::common::evidence::contains;
use portal_server::evidence::image_check::{check, Format, Refusal};

const PROGRESSIVE: &[u8] = include_bytes!("../fixtures/progressive.jpg");
const PROGRESSIVE_GPS: &[u8] = include_bytes!("../fixtures/progressive_gps.jpg");
const LOSSY_ALPHA: &[u8] = include_bytes!("../fixtures/lossy_alpha.webp");
const LOSSY_GPS: &[u8] = include_bytes!("../fixtures/lossy_gps.webp");

fn assert_same_pixels(before: &[u8], after: &[u8]) {
    let before = image::load_from_memory(before).unwrap();
    let after = image::load_from_memory(after).unwrap();
    assert_eq!(before.color(), after.color());
    assert!(before.as_bytes() == after.as_bytes(), "pixels changed");
}

#[test]
fn progressive_jpeg_passes_unchanged() {
    let scans = PROGRESSIVE
        .windows(2)
        .filter(|w| *w == [0xFF, 0xDA])
        .count();
    assert!(scans > 1, "fixture is progressive");
    let checked = check(PROGRESSIVE).unwrap();
    assert_eq!(
        (checked.format, checked.width, checked.height),
        (Format::Jpeg, 16, 12)
    );
    assert_eq!(checked.bytes, PROGRESSIVE);
}

#[test]
fn exiftool_gps_is_stripped_from_progressive_jpeg() {
    assert!(contains(PROGRESSIVE_GPS, b"Exif\0\0"));
    let checked = check(PROGRESSIVE_GPS).unwrap();
    assert!(!contains(&checked.bytes, b"Exif"));
    assert!(!contains(&checked.bytes, b"home sweet home"));
    // Everything exiftool added is gone, and nothing else is.
    assert_eq!(checked.bytes, PROGRESSIVE);
    assert_same_pixels(PROGRESSIVE_GPS, &checked.bytes);
}

#[test]
fn truncated_progressive_jpeg_is_damaged() {
    let cut = &PROGRESSIVE[..PROGRESSIVE.len() * 3 / 4];
    assert_eq!(check(cut).unwrap_err(), Refusal::Damaged(Format::Jpeg));
}

#[test]
fn lossy_webp_with_alpha_passes_unchanged() {
    let checked = check(LOSSY_ALPHA).unwrap();
    assert_eq!(
        (checked.format, checked.width, checked.height),
        (Format::Webp, 16, 12)
    );
    assert_eq!(checked.bytes, LOSSY_ALPHA);
}

#[test]
fn exif_is_stripped_from_lossy_webp() {
    assert!(contains(LOSSY_GPS, b"EXIF"));
    let checked = check(LOSSY_GPS).unwrap();
    assert_eq!((checked.width, checked.height), (16, 12));
    assert!(!contains(&checked.bytes, b"EXIF"));
    assert!(!contains(&checked.bytes, b"Exif"));
    assert_eq!(checked.bytes[20] & 0x0C, 0, "EXIF and XMP flags cleared");
    let riff_size = u32::from_le_bytes(checked.bytes[4..8].try_into().unwrap());
    assert_eq!(riff_size as usize, checked.bytes.len() - 8);
    assert_same_pixels(LOSSY_GPS, &checked.bytes);
}

#[test]
fn mutated_real_files_never_panic() {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for original in [PROGRESSIVE, PROGRESSIVE_GPS, LOSSY_ALPHA, LOSSY_GPS] {
        for _ in 0..1000 {
            let mut bytes = original.to_vec();
            let at = next() as usize % bytes.len();
            match next() % 3 {
                0 => bytes[at] ^= 1 << (next() % 8),
                1 => bytes.truncate(at),
                _ => bytes[at] = next() as u8,
            }
            if let Ok(checked) = check(&bytes) {
                assert_eq!(check(&checked.bytes).unwrap().bytes, checked.bytes);
            }
        }
    }
}
