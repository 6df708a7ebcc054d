//! `/wallet/pay`: the code a store scans. Each code works once and for a minute at most; the
//! page fetches a new one every 30 seconds, which voids the one before. While a fraud report
//! has frozen the wallet there is no code to show, only why.

use leptos::prelude::*;
use leptos::task::spawn_local;
use portal_api::error::ErrorCode;
use portal_api::evidence::Freeze;
use portal_api::wallet::PaymentCode;

use super::freeze::FreezeBanner;
use super::text::WalletMsg;
use crate::account::me::{signed_out_or, SignedInPage};
use crate::account::qr::Qr;
use crate::api;
use crate::components::FormAlert;
use crate::form::Problem;
use crate::i18n::{fill, Msg, Text};
use crate::locale::{t, use_locale};
use crate::route::Route;

#[component]
pub fn Pay() -> impl IntoView {
    view! { <SignedInPage title=WalletMsg::PayTitle back=Route::Wallet render=|_| view! { <PayLoader /> } /> }
}

/// Reads the wallet first: a frozen wallet asks for no codes at all.
#[component]
fn PayLoader() -> impl IntoView {
    // Outer `None`: not known yet.
    let freeze = RwSignal::new(None::<Option<Freeze>>);
    let problem = RwSignal::new(None::<Problem>);
    let load = move || {
        spawn_local(async move {
            match api::wallet().await {
                Ok(w) => {
                    freeze.try_set(Some(w.freeze));
                }
                Err(e) => signed_out_or(&e, problem),
            }
        })
    };
    load();
    let on_frozen = Callback::new(move |_| load());
    view! {
        <FormAlert problem />
        {move || match freeze.get() {
            Some(None) => view! { <PaymentCodeView on_frozen /> }.into_any(),
            Some(Some(f)) => view! { <FreezeBanner freeze=Signal::derive(move || Some(f.clone())) /> }.into_any(),
            None if problem.with(Option::is_none) => view! { <p class="muted">{t(Msg::Loading)}</p> }.into_any(),
            None => ().into_any(),
        }}
    }
}

fn now_secs() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

/// "1234 5678 9012": easier to read out and to type at a till.
fn grouped(code: &str) -> String {
    code.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

#[component]
fn PaymentCodeView(on_frozen: Callback<()>) -> impl IntoView {
    let locale = use_locale();
    let code = RwSignal::new(None::<PaymentCode>);
    let problem = RwSignal::new(None::<Problem>);
    let now = RwSignal::new(now_secs());
    let fetch = move || {
        spawn_local(async move {
            match api::payment_code().await {
                Ok(fresh) => {
                    problem.try_set(None);
                    code.try_set(Some(fresh));
                }
                Err(e) if e.code() == Some(ErrorCode::WalletFrozen) => on_frozen.run(()),
                Err(e) => {
                    code.try_set(None);
                    signed_out_or(&e, problem);
                }
            }
        })
    };
    fetch();
    // One tick a second drives the countdown and the refresh; it stops with the page.
    let ticker = set_interval_with_handle(
        move || {
            now.set(now_secs());
            let due =
                code.with_untracked(|c| c.as_ref().is_some_and(|c| now_secs() >= c.refresh_at));
            if due {
                code.set(None);
                fetch();
            }
        },
        std::time::Duration::from_secs(1),
    )
    .ok();
    on_cleanup(move || {
        if let Some(handle) = ticker {
            handle.clear();
        }
    });

    let qr_label = Signal::derive(move || WalletMsg::PayQrLabel.text(locale.get()));
    view! {
        <p class="intro">{t(WalletMsg::PayIntro)}</p>
        <FormAlert problem />
        // Announces only that a new code is there, not every second of the countdown.
        <p class="visually-hidden" role="status">
            {move || code.with(|c| c.as_ref().map(|c| c.code.clone())).map(|_| t(WalletMsg::NewCode)())}
        </p>
        {move || match code.get() {
            None if problem.with(Option::is_none) => view! { <p class="muted">{t(Msg::Loading)}</p> }.into_any(),
            None => ().into_any(),
            Some(c) => {
                let refresh_at = c.refresh_at;
                view! {
                    <div class="payment-code">
                        <Qr text=c.code.clone() label=qr_label />
                        <p class="payment-digits">
                            <span>{t(WalletMsg::PayDigitsLabel)} ": "</span>
                            <strong>{grouped(&c.code)}</strong>
                        </p>
                        <p class="muted" aria-hidden="true">
                            {move || fill(
                                WalletMsg::RefreshIn.text(locale.get()),
                                &[("seconds", &(refresh_at - now.get()).max(0).to_string())],
                            )}
                        </p>
                    </div>
                }
                .into_any()
            }
        }}
    }
}
