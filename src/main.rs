//! The public bundle: what the sign-in page loads first.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(
    inline_js = "export function import_app(url) { return import(url).then((m) => m.default()); }"
)]
extern "C" {
    /// Imports a bundle's JS module and starts its wasm (see `portal_web::boot`).
    fn import_app(url: &str) -> js_sys::Promise;
}

fn main() {
    portal_web::start_public(import_app);
}
