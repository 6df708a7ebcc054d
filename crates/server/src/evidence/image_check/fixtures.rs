//! Images made in code for the tests of every format, and the checks they share.

use super::{check, contains, decoder_format, Checked, Format};

use image::codecs::{jpeg::JpegEncoder, png::PngEncoder, webp::WebPEncoder};
use image::{DynamicImage, ExtendedColorType, ImageEncoder, Rgb, RgbImage, Rgba, RgbaImage};

pub(super) fn rgba_sample() -> RgbaImage {
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

pub(super) fn png_fixture() -> Vec<u8> {
    let img = rgba_sample();
    let mut out = Vec::new();
    PngEncoder::new(&mut out)
        .write_image(img.as_raw(), 37, 23, ExtendedColorType::Rgba8)
        .unwrap();
    out
}

/// Large enough that cutting it in half lands inside the scan data, which
/// is where a lenient decoder stops complaining.
pub(super) fn jpeg_fixture() -> Vec<u8> {
    let img = RgbImage::from_fn(128, 96, |x, y| {
        Rgb([(x * 7) as u8, (y * 11) as u8, ((x * y) ^ (x + y)) as u8])
    });
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&img)
        .unwrap();
    out
}

pub(super) fn webp_fixture() -> Vec<u8> {
    let img = rgba_sample();
    let mut out = Vec::new();
    WebPEncoder::new_lossless(&mut out)
        .write_image(img.as_raw(), 37, 23, ExtendedColorType::Rgba8)
        .unwrap();
    out
}

pub(super) fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = (data.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32fast::hash(&out[4..]);
    out.extend_from_slice(&crc.to_be_bytes());
    out
}

pub(super) fn png_from_parts(width: u32, height: u32, color_type: u8, idat: &[u8]) -> Vec<u8> {
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, color_type, 0, 0, 0]);
    let mut out = super::png::SIGNATURE.to_vec();
    out.extend(png_chunk(b"IHDR", &ihdr));
    out.extend(png_chunk(b"IDAT", idat));
    out.extend(png_chunk(b"IEND", &[]));
    out
}

/// A zlib stream holding nothing: valid framing, far too little data.
pub(super) const EMPTY_ZLIB: [u8; 8] = [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01];

pub(super) const ZIP: &[u8] = b"PK\x03\x04\x14\x00\x00\x00\x08\x00secret.txt";

pub(super) fn decode(bytes: &[u8], format: Format) -> DynamicImage {
    image::load_from_memory_with_format(bytes, decoder_format(format)).unwrap()
}

pub(super) fn assert_same_pixels(before: &[u8], after: &[u8], format: Format) {
    let (before, after) = (decode(before, format), decode(after, format));
    assert_eq!(before.color(), after.color());
    assert_eq!(
        (before.width(), before.height()),
        (after.width(), after.height())
    );
    assert!(before.as_bytes() == after.as_bytes(), "pixels changed");
}

pub(super) fn assert_absent(haystack: &[u8], needle: &[u8]) {
    assert!(
        !contains(haystack, needle),
        "{:?} still present",
        String::from_utf8_lossy(needle)
    );
}

pub(super) fn assert_passes(bytes: &[u8], format: Format, width: u32, height: u32) -> Checked {
    let checked = check(bytes).unwrap();
    assert_eq!(checked.format, format);
    assert_eq!((checked.width, checked.height), (width, height));
    assert_same_pixels(bytes, &checked.bytes, format);
    checked
}

pub(super) struct XorShift(pub(super) u64);

impl XorShift {
    pub(super) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub(super) fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

pub(super) fn random_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut rng = XorShift(seed);
    (0..len).map(|_| rng.next() as u8).collect()
}
