//! A QR code drawn in the page as SVG: the TOTP secret never goes to a third-party image service.

use leptos::prelude::*;
use qrcodegen::{QrCode, QrCodeEcc};

/// Quiet zone the QR specification asks for, in modules.
const BORDER: i32 = 4;

/// The SVG path of the dark modules of `text`, and the side of the square in modules.
fn path_of(text: &str) -> Option<(String, i32)> {
    let qr = QrCode::encode_text(text, QrCodeEcc::Medium).ok()?;
    let mut d = String::new();
    for y in 0..qr.size() {
        for x in 0..qr.size() {
            if qr.get_module(x, y) {
                d.push_str(&format!("M{},{}h1v1h-1z", x + BORDER, y + BORDER));
            }
        }
    }
    Some((d, qr.size() + 2 * BORDER))
}

/// `label` names the image for screen readers (which cannot read the code itself; the page
/// shows the same secret as text beside it).
#[component]
pub fn Qr(text: String, label: Signal<&'static str>) -> impl IntoView {
    path_of(&text).map(|(d, side)| {
        view! {
            <svg class="qr" role="img" aria-label=label viewBox=format!("0 0 {side} {side}")
                shape-rendering="crispEdges">
                <rect width="100%" height="100%" fill="#fff" />
                <path d=d fill="#000" />
            </svg>
        }
    })
}

#[cfg(test)]
mod tests {
    use super::path_of;

    #[test]
    fn an_otpauth_uri_fits_a_small_code() {
        let uri = "otpauth://totp/Mamoru%20Wallet:someone%40example.test?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Mamoru%20Wallet&algorithm=SHA1&digits=6&period=30";
        let (d, side) = path_of(uri).expect("encodes");
        // Version 6-7 at medium correction: 41-45 modules plus the border.
        assert!((40 + 8..=50 + 8).contains(&side), "{side}");
        assert!(
            d.starts_with("M4,4h1v1h-1z"),
            "finder pattern corner is dark"
        );
    }
}
