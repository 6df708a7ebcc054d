use leptos::prelude::*;

use crate::components::PageHeading;
use crate::i18n::Msg;
use crate::locale::t;

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <section class="card">
            <PageHeading text=Msg::NotFoundTitle />
            <p>{t(Msg::NotFoundBody)}</p>
            <p><a href="/">{t(Msg::GoHome)}</a></p>
        </section>
    }
}
