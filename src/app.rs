//! The frame around every page (header, language switch) and the page for the current address.

use leptos::prelude::*;
use portal_api::dto::Locale;

use crate::i18n::{language_name, Msg};
use crate::locale::{choose_locale, provide_locale, t, use_locale};
use crate::router::{provide_router, Bundle, Page};

/// Mounts the app on `<body>`; `render` gives the view of each page this bundle serves.
pub fn mount(bundle: Bundle, render: fn(Page) -> AnyView) {
    leptos::mount::mount_to_body(move || view! { <App bundle render /> });
}

#[component]
fn App(bundle: Bundle, render: fn(Page) -> AnyView) -> impl IntoView {
    provide_locale();
    crate::pointer::follow_presses();
    let page = provide_router(bundle);
    view! {
        <header class="site-header">
            <a href="/" class="brand">{portal_api::SERVICE_NAME}</a>
            <LanguageSwitch />
        </header>
        <main id="main">
            {move || render(page.get())}
        </main>
    }
}

#[component]
fn LanguageSwitch() -> impl IntoView {
    let locale = use_locale();
    let on_change = move |ev| {
        if let Some(chosen) = Locale::from_tag(&event_target_value(&ev)) {
            choose_locale(locale, chosen);
        }
    };
    view! {
        <div class="language">
            <label for="language">{t(Msg::LanguageLabel)}</label>
            <select id="language" on:change=on_change>
                {Locale::ALL
                    .into_iter()
                    .map(|option| {
                        view! {
                            <option
                                value=option.as_str()
                                lang=option.as_str()
                                prop:selected=move || locale.get() == option
                            >
                                {language_name(option)}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </div>
    }
}
