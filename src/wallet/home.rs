//! `/wallet`: the balance, what to do with it, and the latest lines of history.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use portal_api::wallet::{Transaction, TransactionQuery, Wallet};

use super::freeze::FreezeBanner;
use super::rows::TransactionRow;
use super::text::WalletMsg;
use crate::account::me::{signed_out_or, SignedInPage};
use crate::api;
use crate::components::FormAlert;
use crate::form::Problem;
use crate::i18n::Msg;
use crate::locale::{t, use_locale};
use crate::route::Route;

#[component]
pub fn WalletHome() -> impl IntoView {
    view! { <SignedInPage title=WalletMsg::WalletTitle render=|_| view! { <Overview /> } /> }
}

#[component]
fn Overview() -> impl IntoView {
    let locale = use_locale();
    let wallet = RwSignal::new(None::<Wallet>);
    let recent = RwSignal::new(None::<Vec<Transaction>>);
    let problem = RwSignal::new(None::<Problem>);
    spawn_local(async move {
        match api::wallet().await {
            Ok(w) => {
                wallet.try_set(Some(w));
            }
            Err(e) => signed_out_or(&e, problem),
        }
    });
    spawn_local(async move {
        let first = TransactionQuery {
            limit: Some(5),
            ..Default::default()
        };
        match api::transactions(&first).await {
            Ok(page) => {
                recent.try_set(Some(page.items));
            }
            Err(e) => signed_out_or(&e, problem),
        }
    });
    let freeze = Signal::derive(move || wallet.with(|w| w.as_ref().and_then(|w| w.freeze.clone())));
    view! {
        <FormAlert problem />
        <FreezeBanner freeze />
        <dl class="balance">
            <dt>{t(WalletMsg::BalanceTerm)}</dt>
            <dd>
                {move || match wallet.get() {
                    Some(w) => w.balance.format(locale.get()),
                    None => t(Msg::Loading)().to_owned(),
                }}
            </dd>
        </dl>
        <nav class="wallet-actions" aria-label=t(WalletMsg::WalletTitle)>
            <A href=Route::TopUp.href() attr:class="button primary">{t(WalletMsg::TopUpLink)}</A>
            <A href=Route::Pay.href() attr:class="button secondary">{t(WalletMsg::PayLink)}</A>
            <A href=Route::History.href() attr:class="button secondary">{t(WalletMsg::HistoryLink)}</A>
            <A href=Route::Cards.href() attr:class="button secondary">{t(WalletMsg::CardsLink)}</A>
            <A href=Route::Disputes.href() attr:class="button secondary">{t(WalletMsg::DisputesLink)}</A>
            <A href=Route::FraudReports.href() attr:class="button secondary">{t(WalletMsg::FraudReportsLink)}</A>
            <A href=Route::ReportFraud(None).href() attr:class="button secondary">{t(WalletMsg::ReportFraudLink)}</A>
        </nav>
        <section aria-labelledby="recent-heading">
            <h2 id="recent-heading">{t(WalletMsg::RecentHeading)}</h2>
            {move || match recent.get() {
                None => view! { <p class="muted">{t(Msg::Loading)}</p> }.into_any(),
                Some(items) if items.is_empty() => {
                    view! { <p class="muted">{t(WalletMsg::NoTransactions)}</p> }.into_any()
                }
                Some(items) => view! {
                    <ul class="transactions">
                        {items.into_iter().map(|tx| view! { <TransactionRow tx /> }).collect_view()}
                    </ul>
                    <p><A href=Route::History.href()>{t(WalletMsg::SeeAll)}</A></p>
                }
                .into_any(),
            }}
        </section>
    }
}
