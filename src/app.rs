//! The frame around every page (header, language switch) and the page for the current address.

use leptos::prelude::*;
use portal_api::dto::Locale;

use crate::i18n::{language_name, Msg};
use crate::locale::{choose_locale, provide_locale, t, use_locale};
use crate::pages::{Account, Home, NotFound, SignIn, SignUp, VerifyEmail};
use crate::router::{provide_router, Page};

#[component]
pub fn App() -> impl IntoView {
    provide_locale();
    crate::pointer::follow_presses();
    let page = provide_router();
    view! {
        <header class="site-header">
            <a href="/" class="brand">{portal_api::SERVICE_NAME}</a>
            <LanguageSwitch />
        </header>
        <main id="main">
            {move || match page.get() {
                Page::Home => view! { <Home /> }.into_any(),
                Page::SignIn => view! { <SignIn /> }.into_any(),
                Page::SignUp => view! { <SignUp /> }.into_any(),
                Page::VerifyEmail => view! { <VerifyEmail /> }.into_any(),
                Page::Account => view! { <Account /> }.into_any(),
                Page::NotFound => view! { <NotFound /> }.into_any(),
            }}
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
