use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::PageHeading;
use crate::i18n::Msg;
use crate::locale::t;
use crate::route::Route;

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <section class="card">
            <PageHeading text=Msg::NotFoundTitle />
            <p>{t(Msg::NotFoundBody)}</p>
            <p><A href=Route::Home.href()>{t(Msg::GoHome)}</A></p>
        </section>
    }
}
