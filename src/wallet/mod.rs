//! The wallet pages: balance, top-up, cards, paying in a store, history, disputes and fraud
//! reports. Signed-in bundle only.

mod add_evidence;
mod cards;
mod chart;
mod disputes;
mod freeze;
mod history;
mod home;
mod new_report;
mod pay;
mod reports;
pub(crate) mod rows;
pub(crate) mod screenshots;
pub(crate) mod text;
mod top_up;
mod transaction;
mod upload;

use leptos::prelude::*;
use leptos_router::components::Route;
use leptos_router::{path, MatchNestedRoutes};

use crate::i18n::{fill, Text};
use crate::locale::{format_count, use_locale};
use crate::route::{Moved, Route as To};
use text::WalletMsg;

/// A free-text box's hint (`hint`, which names the `{max}` characters) and its live count of
/// what is left.
pub fn text_hint_and_count<H: Text + Send + Sync + 'static>(
    value: RwSignal<String>,
    max: usize,
    hint: H,
) -> (Signal<String>, Signal<String>) {
    let locale = use_locale();
    let hint = Signal::derive(move || {
        fill(
            hint.text(locale.get()),
            &[("max", &format_count(max as u64, locale.get()))],
        )
    });
    let left = Signal::derive(move || {
        let left = max as i64 - value.with(|v| v.chars().count()) as i64;
        fill(
            WalletMsg::CharactersLeft.text(locale.get()),
            &[("count", &left.to_string())],
        )
    });
    (hint, left)
}

/// The wallet's routes (their paths: [`crate::route::Route::href`]), and the addresses from
/// before ids were path segments.
#[component(transparent)]
pub fn WalletRoutes() -> impl MatchNestedRoutes + Clone {
    view! {
        <Route path=path!("/wallet") view=home::WalletHome />
        <Route path=path!("/wallet/top-up") view=top_up::TopUp />
        <Route path=path!("/wallet/cards") view=cards::Cards />
        <Route path=path!("/wallet/pay") view=pay::Pay />
        <Route path=path!("/wallet/history") view=history::History />
        <Route path=path!("/wallet/transactions/:id") view=transaction::TransactionDetail />
        <Route path=path!("/wallet/disputes") view=disputes::Disputes />
        <Route path=path!("/wallet/disputes/:id") view=disputes::DisputeDetail />
        <Route path=path!("/wallet/report-fraud") view=new_report::ReportFraud />
        <Route path=path!("/wallet/fraud-reports") view=reports::FraudReports />
        <Route path=path!("/wallet/fraud-reports/:id") view=reports::FraudReportDetail />
        <Route path=path!("/wallet/transaction") view=|| view! { <Moved to=|id| To::Transaction(id) /> } />
        <Route path=path!("/wallet/dispute") view=|| view! { <Moved to=|id| To::Dispute(id) /> } />
        <Route path=path!("/wallet/fraud-report") view=|| view! { <Moved to=|id| To::FraudReport(id) /> } />
    }
    .into_inner()
}
