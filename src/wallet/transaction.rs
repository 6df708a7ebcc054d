//! `/wallet/transactions/:id`: one transaction as stored, and the ways to dispute it (with
//! screenshots, optionally) or to report it as fraud.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use portal_api::wallet::{
    CreateDisputeRequest, DisputeDetails, DisputeReason, Transaction, DISPUTE_DETAILS_MAX_CHARS,
};

use super::rows::{kind_msg, reason_msg, status_msg, title, When};
use super::screenshots::{ScreenshotPicker, Uploads};
use super::text::WalletMsg;
use crate::account::me::{signed_out_or, SignedInPage};
use crate::api;
use crate::components::{FormAlert, SubmitButton, TextArea};
use crate::form::{from_api, Problem};
use crate::i18n::Msg;
use crate::locale::{t, use_locale};
use crate::pages::focus_soon;
use crate::route::{path_id, use_navigate, Route};

#[component]
pub fn TransactionDetail() -> impl IntoView {
    let id = path_id();
    view! {
        <SignedInPage title=WalletMsg::TransactionTitle back=Route::Wallet render=move |_| {
            let id = id.clone();
            view! { <TransactionLoader id /> }
        } />
    }
}

#[component]
fn TransactionLoader(id: String) -> impl IntoView {
    let tx = RwSignal::new(None::<Transaction>);
    let problem = RwSignal::new(None::<Problem>);
    spawn_local(async move {
        match api::transaction(&id).await {
            Ok(found) => {
                tx.try_set(Some(found));
            }
            Err(e) => signed_out_or(&e, problem),
        }
    });
    view! {
        <FormAlert problem />
        {move || match tx.get() {
            Some(tx) => {
                let report = Route::ReportFraud(Some(&tx.id)).href();
                view! {
                    <TransactionFacts tx=tx.clone() />
                    <DisputeEntry tx />
                    <p><A href=report>{t(WalletMsg::ReportTxFraud)}</A></p>
                }
                .into_any()
            }
            None if problem.with(Option::is_none) => view! { <p class="muted">{t(Msg::Loading)}</p> }.into_any(),
            None => ().into_any(),
        }}
    }
}

#[component]
pub fn TransactionFacts(tx: Transaction) -> impl IntoView {
    let locale = use_locale();
    let amount = tx.amount;
    let name = {
        let tx = tx.clone();
        move || title(&tx, locale.get())
    };
    view! {
        <dl class="details">
            <div><dt>{t(WalletMsg::StoreTerm)}</dt><dd>{name}</dd></div>
            <div><dt>{t(WalletMsg::AmountTerm)}</dt><dd>{move || amount.format(locale.get())}</dd></div>
            <div><dt>{t(WalletMsg::DateTerm)}</dt><dd><When at=tx.created_at /></dd></div>
            <div><dt>{t(WalletMsg::KindTerm)}</dt><dd>{t(kind_msg(tx.kind))}</dd></div>
            <div><dt>{t(WalletMsg::StatusTerm)}</dt><dd>{t(status_msg(tx.status))}</dd></div>
            {tx.memo.clone().map(|memo| view! {
                <div><dt>{t(WalletMsg::MemoTerm)}</dt><dd class="as-typed">{memo}</dd></div>
            })}
        </dl>
    }
}

/// The dispute about this transaction if there is one, else the form to start one.
#[component]
fn DisputeEntry(tx: Transaction) -> impl IntoView {
    match tx.dispute.filter(|d| d.status.is_open()) {
        Some(open) => view! {
            <p>
                <A href=Route::Dispute(&open.id).href()>
                    {t(WalletMsg::SeeDispute)}
                </A>
            </p>
        }
        .into_any(),
        None => view! { <DisputeForm transaction_id=tx.id /> }.into_any(),
    }
}

const REASONS: [DisputeReason; 5] = [
    DisputeReason::NotRecognised,
    DisputeReason::WrongAmount,
    DisputeReason::NotReceived,
    DisputeReason::ChargedTwice,
    DisputeReason::Other,
];

#[component]
fn DisputeForm(transaction_id: String) -> impl IntoView {
    let navigate = use_navigate();
    let reason = RwSignal::new(DisputeReason::NotRecognised);
    let details = RwSignal::new(String::new());
    let details_error = RwSignal::new(None::<Problem>);
    let form_error = RwSignal::new(None::<Problem>);
    let busy = RwSignal::new(false);
    let uploads = Uploads::new();
    let transaction_id = StoredValue::new(transaction_id);
    let (hint, left) =
        super::text_hint_and_count(details, DISPUTE_DETAILS_MAX_CHARS, WalletMsg::DetailsHint);

    let send = Callback::new(move |_| {
        uploads.lock(true);
        let request = CreateDisputeRequest {
            reason: reason.get_untracked(),
            screenshots: uploads.ids(),
            details: details.get_untracked(),
        };
        spawn_local(async move {
            let result = api::create_dispute(&transaction_id.get_value(), &request).await;
            busy.try_set(false);
            match result {
                Ok(dispute) => {
                    uploads.sent();
                    navigate(Route::Dispute(&dispute.id), false)
                }
                Err(e) => {
                    uploads.lock(false);
                    let (field, problem) = from_api(&e);
                    if field.as_deref() == Some("details") {
                        details_error.set(Some(problem));
                        focus_soon("details");
                    } else {
                        signed_out_or(&e, form_error);
                        focus_soon("form-alert");
                    }
                }
            }
        });
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        form_error.set(None);
        let checked = details.with_untracked(|d| DisputeDetails::parse(d));
        details_error.set(checked.as_ref().err().map(|&e| e.into()));
        if checked.is_err() {
            return focus_soon("details");
        }
        busy.set(true);
        uploads.after_uploads(send);
    };

    view! {
        <section aria-labelledby="dispute-heading">
            <h2 id="dispute-heading">{t(WalletMsg::DisputeHeading)}</h2>
            <FormAlert problem=form_error />
            <form on:submit=submit novalidate>
                <fieldset class="choices">
                    <legend>{t(WalletMsg::ReasonLegend)}</legend>
                    {REASONS
                        .into_iter()
                        .map(|r| {
                            let id = format!("reason-{}", serde_json::to_value(r).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default());
                            view! {
                                <div class="choice">
                                    <input type="radio" name="reason" id=id.clone()
                                        prop:checked=move || reason.get() == r
                                        on:change=move |_| reason.set(r) />
                                    <label for=id>{t(reason_msg(r))}</label>
                                </div>
                            }
                        })
                        .collect_view()}
                </fieldset>
                <TextArea id="details" label=WalletMsg::DetailsLabel value=details error=details_error
                    hint max_chars=DISPUTE_DETAILS_MAX_CHARS left_text=left />
                <ScreenshotPicker uploads id="dispute-screenshots" />
                <p class="muted" role="status">
                    {move || uploads.waiting().then(t(WalletMsg::WaitingForUploads))}
                </p>
                <SubmitButton label=WalletMsg::SendDispute busy_label=WalletMsg::SendingDispute busy=busy.into() />
            </form>
        </section>
    }
}
