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

pub(crate) use new_report::report_fraud_href;

use leptos::prelude::*;

use crate::i18n::{fill, Text};
use crate::locale::{format_count, use_locale};
use crate::router::Page;
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

pub fn page(page: Page) -> Option<AnyView> {
    Some(match page {
        Page::Wallet => view! { <home::WalletHome /> }.into_any(),
        Page::TopUp => view! { <top_up::TopUp /> }.into_any(),
        Page::Cards => view! { <cards::Cards /> }.into_any(),
        Page::Pay => view! { <pay::Pay /> }.into_any(),
        Page::History => view! { <history::History /> }.into_any(),
        Page::Transaction => view! { <transaction::TransactionDetail /> }.into_any(),
        Page::Disputes => view! { <disputes::Disputes /> }.into_any(),
        Page::Dispute => view! { <disputes::DisputeDetail /> }.into_any(),
        Page::ReportFraud => view! { <new_report::ReportFraud /> }.into_any(),
        Page::FraudReports => view! { <reports::FraudReports /> }.into_any(),
        Page::FraudReport => view! { <reports::FraudReportDetail /> }.into_any(),
        _ => return None,
    })
}
