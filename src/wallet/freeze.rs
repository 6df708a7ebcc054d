//! The notice the money pages show while a fraud report has frozen the wallet: what is stopped,
//! because of which report, and what happens next (docs/threat-model.md#t11, #t15). A frozen wallet
//! is never a dead end: the history and the report stay one link away.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use portal_api::evidence::Freeze;

use super::rows::When;
use super::text::WalletMsg;
use crate::api;
use crate::locale::t;
use crate::route::Route;

/// The freeze, for a page that does not load the wallet for anything else. `None` until known
/// and when the wallet cannot be read (the page's own calls say why, or the server refuses).
pub fn load_freeze() -> RwSignal<Option<Freeze>> {
    let freeze = RwSignal::new(None);
    spawn_local(async move {
        if let Ok(wallet) = api::wallet().await {
            freeze.try_set(wallet.freeze);
        }
    });
    freeze
}

#[component]
pub fn FreezeBanner(#[prop(into)] freeze: Signal<Option<Freeze>>) -> impl IntoView {
    move || {
        freeze.get().map(|f| {
            let href = Route::FraudReport(&f.report_id).href();
            view! {
                <section class="notice notice-frozen" aria-labelledby="freeze-heading">
                    <h2 id="freeze-heading">{t(WalletMsg::FrozenHeading)}</h2>
                    <p>{t(WalletMsg::FrozenWhat)}</p>
                    <dl class="details">
                        <div><dt>{t(WalletMsg::FrozenSince)}</dt><dd><When at=f.since /></dd></div>
                        <div>
                            <dt>{t(WalletMsg::FrozenBecause)}</dt>
                            <dd><A href=href>{f.report_id}</A></dd>
                        </div>
                    </dl>
                    <p>{t(WalletMsg::FrozenNext)}</p>
                </section>
            }
        })
    }
}
