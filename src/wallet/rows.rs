//! How a transaction reads on screen, wherever it is listed.

use leptos::prelude::*;
use leptos_router::components::A;
use portal_api::dto::Locale;
use portal_api::wallet::{
    DisputeReason, DisputeStatus, Transaction, TransactionKind, TransactionStatus,
};

use super::text::WalletMsg;
use crate::i18n::Text;
use crate::locale::{format_date_time, iso_date_time, t, use_locale};
use crate::route::Route;

pub fn kind_msg(kind: TransactionKind) -> WalletMsg {
    match kind {
        TransactionKind::TopUp => WalletMsg::KindTopUp,
        TransactionKind::Payment => WalletMsg::KindPayment,
        TransactionKind::Refund => WalletMsg::KindRefund,
    }
}

pub fn status_msg(status: TransactionStatus) -> WalletMsg {
    match status {
        TransactionStatus::Pending => WalletMsg::StatusPending,
        TransactionStatus::Completed => WalletMsg::StatusCompleted,
        TransactionStatus::Declined => WalletMsg::StatusDeclined,
    }
}

pub fn dispute_status_msg(status: DisputeStatus) -> WalletMsg {
    match status {
        DisputeStatus::Submitted => WalletMsg::DisputeSubmitted,
        DisputeStatus::UnderReview => WalletMsg::DisputeUnderReview,
        DisputeStatus::MoreInfoNeeded => WalletMsg::DisputeMoreInfo,
        DisputeStatus::Refunded => WalletMsg::DisputeRefunded,
        DisputeStatus::Declined => WalletMsg::DisputeDeclined,
    }
}

pub fn reason_msg(reason: DisputeReason) -> WalletMsg {
    match reason {
        DisputeReason::NotRecognised => WalletMsg::ReasonNotRecognised,
        DisputeReason::WrongAmount => WalletMsg::ReasonWrongAmount,
        DisputeReason::NotReceived => WalletMsg::ReasonNotReceived,
        DisputeReason::ChargedTwice => WalletMsg::ReasonChargedTwice,
        DisputeReason::Other => WalletMsg::ReasonOther,
    }
}

/// What a row is called: the store, else the kind of transaction.
pub fn title(tx: &Transaction, locale: Locale) -> String {
    tx.merchant
        .clone()
        .unwrap_or_else(|| kind_msg(tx.kind).text(locale).to_owned())
}

/// A `<time>` in the reader's language and time zone.
#[component]
pub fn When(at: i64) -> impl IntoView {
    let locale = use_locale();
    view! { <time datetime=iso_date_time(at)>{move || format_date_time(at, locale.get())}</time> }
}

/// One line of history, a link to the transaction.
#[component]
pub fn TransactionRow(tx: Transaction) -> impl IntoView {
    let locale = use_locale();
    let href = Route::Transaction(&tx.id).href();
    let amount = tx.amount;
    let incoming = amount.minor > 0;
    let status = tx.status;
    let disputed = tx.dispute.as_ref().is_some_and(|d| d.status.is_open());
    let (kind, at) = (tx.kind, tx.created_at);
    let name = {
        let tx = tx.clone();
        move || title(&tx, locale.get())
    };
    view! {
        <li class="tx">
            <A href=href attr:class="tx-link">
                <span class="tx-title">{name}</span>
                <span class="tx-meta">
                    {t(kind_msg(kind))} " · " <When at />
                    {(status != TransactionStatus::Completed).then(|| view! {
                        " " <span class="badge badge-warn">{t(status_msg(status))}</span>
                    })}
                    {disputed.then(|| view! { " " <span class="badge badge-warn">{t(WalletMsg::Disputed)}</span> })}
                </span>
                // Inside the link, so that a screen reader listing links hears the amount too.
                <span class="tx-amount" class:tx-in=incoming>
                    {move || amount.format(locale.get())}
                </span>
            </A>
        </li>
    }
}
