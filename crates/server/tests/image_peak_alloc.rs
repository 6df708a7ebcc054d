//! Proves the decompression-bomb refusal happens before any pixel buffer is
//! allocated. It needs its own global allocator, hence its own test binary,
//! and a single test so no other test allocates while it measures.

#[path = "alloc/counting.rs"]
mod counting;
#[path = "api/common/evidence.rs"]
mod fixtures;

use counting::peak_during;
use image::codecs::png::PngEncoder;
use image::ImageEncoder;
use portal_server::evidence::image_check::{check, Refusal};

fn real_png(side: u32) -> Vec<u8> {
    let pixels = vec![0x80u8; (side * side * 4) as usize];
    let mut out = Vec::new();
    PngEncoder::new(&mut out)
        .write_image(&pixels, side, side, image::ExtendedColorType::Rgba8)
        .unwrap();
    out
}

#[test]
fn bomb_is_refused_without_allocating_pixels() {
    let bomb = fixtures::png_bomb(30_000, 30_000);
    let mut result = None;
    let peak = peak_during(|| result = Some(check(&bomb)));
    assert_eq!(
        result.unwrap().unwrap_err(),
        Refusal::TooManyPixels {
            width: 30_000,
            height: 30_000
        }
    );
    // 30000 × 30000 RGBA would be 3.6 GB; the refusal itself needs only a
    // copy of the tiny file.
    assert!(peak < 64 * 1024, "peak allocation {peak} bytes");

    // The counter does see a real decode, so the bound above means something.
    let png = real_png(256);
    let peak = peak_during(|| {
        check(&png).unwrap();
    });
    assert!(peak >= 256 * 256 * 4, "peak allocation {peak} bytes");
}
