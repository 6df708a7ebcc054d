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
mod route;
mod strength;
mod wallet;

use leptos::prelude::*;
use leptos_router::components::FlatRoutes;
use route::{Bundle, OtherBundleOrNotFound};

/// Entry point of the public bundle: shows a public page, or fetches the bundle that has the
/// address.
pub fn start_public(import_app: boot::ImportApp) {
    match route::bundle_of(&window().location().pathname().unwrap_or_default()) {
        Bundle::Public => app::mount(Bundle::Public, || {
            view! {
                <FlatRoutes fallback=OtherBundleOrNotFound>
                    <pages::PublicRoutes />
                </FlatRoutes>
            }
            .into_any()
        }),
        Bundle::Console => boot::load_bundle(boot::CONSOLE, import_app),
        Bundle::Whole => boot::load_bundle(boot::WHOLE_APP, import_app),
    }
}

/// Entry point of the whole app.
pub fn start_whole() {
    boot::clear_status();
    app::mount(Bundle::Whole, || {
        view! {
            <FlatRoutes fallback=OtherBundleOrNotFound>
                <account::AccountRoutes />
                <wallet::WalletRoutes />
                <pages::PublicRoutes />
            </FlatRoutes>
        }
        .into_any()
    });
}

/// Entry point of the support console.
pub fn start_console() {
    boot::clear_status();
    app::mount(Bundle::Console, || {
        view! {
            <FlatRoutes fallback=OtherBundleOrNotFound>
                <agent::AgentRoutes />
                <pages::PublicRoutes />
            </FlatRoutes>
        }
        .into_any()
    });
}
