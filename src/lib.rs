//! The portal's single-page app: Leptos, client-side rendered, built by Trunk as three bundles.
//!
//! The sign-in page's first load has a budget (150 KB brotli, docs/architecture.md#budgets), and
//! the signed-in area grows with every feature. So the public pages (sign-in, sign-up, links from
//! mails) are one bundle, `portal-web`, which index.html loads; the whole app, `portal-account`, is
//! a second bundle that the first fetches only when an address needs a signed-in page (see
//! [`boot`]). The support console, `portal-agent`, is a third: customers never load the code of a
//! page only staff can use (it was a fifth of the whole app's size). Crossing from one bundle to
//! another is a full page load.

mod account;
mod agent;
mod api;
mod app;
pub mod boot;
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
pub fn start_public(import_app: boot::ImportApp) {
    let page = Page::current();
    if page.is_public() {
        app::mount(router::Bundle::Public, pages::public_page);
    } else if page.is_console() {
        boot::load_bundle(boot::CONSOLE, import_app);
    } else {
        boot::load_bundle(boot::WHOLE_APP, import_app);
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

/// Entry point of the support console.
pub fn start_console() {
    boot::clear_status();
    app::mount(router::Bundle::Console, |page| {
        agent::page(page).unwrap_or_else(|| pages::public_page(page))
    });
}
