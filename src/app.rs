//! The frame around every page (header, language switch) and the page for the current address.

use leptos::prelude::*;
use leptos_router::components::{Router, A};
use portal_api::dto::Locale;

use crate::i18n::{language_name, Msg};
use crate::locale::{choose_locale, provide_locale, t, use_locale};
use crate::route::{Bundle, Navigation, Route};

/// Mounts the app on `<body>`; `routes` gives this bundle's `<FlatRoutes>`.
pub fn mount(bundle: Bundle, routes: fn() -> AnyView) {
    leptos::mount::mount_to_body(move || view! { <App bundle routes /> });
}

#[component]
fn App(bundle: Bundle, routes: fn() -> AnyView) -> impl IntoView {
    provide_locale();
    provide_context(bundle);
    crate::pointer::follow_presses();
    view! {
        <Router>
            <header class="site-header">
                <A href=Route::Home.href() attr:class="brand">{portal_api::SERVICE_NAME}</A>
                <LanguageSwitch />
            </header>
            <main id="main">
                <Navigation>{routes()}</Navigation>
            </main>
        </Router>
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
