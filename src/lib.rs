//! The portal's single-page app: Leptos, client-side rendered, built by Trunk as two bundles.
//!
//! The sign-in page's first load has a budget (150 KB brotli, DESIGN.md), and the signed-in area
//! grows with every feature. So the public pages (sign-in, sign-up, links from mails) are one
//! bundle, `portal-web`, which index.html loads; the whole app, `portal-account`, is a second
//! bundle that the first fetches only when an address needs a signed-in page (see [`boot`]).
//! Crossing from the public bundle into the signed-in area is a full page load; the whole app
//! serves every page, so it never hands back.

mod account;
mod api;
mod app;
mod boot;
mod breach;
mod components;
mod form;
mod i18n;
mod locale;
mod pages;
mod pointer;
mod router;
mod strength;
mod wallet;

use router::Page;

/// Entry point of the public bundle: shows a public page, or fetches the whole app for any
/// other address.
pub fn start_public() {
    if Page::current().is_public() {
        app::mount(router::Bundle::Public, pages::public_page);
    } else {
        boot::load_whole_app();
    }
}

/// Entry point of the whole app.
pub fn start_whole() {
    boot::clear_status();
    app::mount(router::Bundle::Whole, |page| {
        account::page(page)
            .or_else(|| wallet::page(page))
            .unwrap_or_else(|| pages::public_page(page))
    });
}
