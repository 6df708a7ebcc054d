//! The portal's single-page app: Leptos, client-side rendered, built by Trunk.

mod api;
mod app;
mod breach;
mod components;
mod form;
mod i18n;
mod locale;
mod pages;
mod pointer;
mod router;
mod strength;

fn main() {
    leptos::mount::mount_to_body(app::App);
}
