//! `/wallet/report-fraud` (`?tx=<id>` ticks one transaction to begin with): the customer picks
//! the transactions they do not recognise, says what happened and attaches screenshots.
//! Sending it freezes money out of the wallet at once, and the page says so before the button;
//! it never hides the history (docs/threat-model.md#t11).

use leptos::prelude::*;
use leptos::task::spawn_local;
use portal_api::error::{ErrorCode, FieldError};
use portal_api::evidence::{CreateFraudReportRequest, ReportText, REPORT_TEXT_MAX_CHARS};
use portal_api::wallet::{Transaction, TransactionQuery};

use super::rows::{kind_msg, title, When};
use super::screenshots::{ScreenshotPicker, Uploads};
use super::text::WalletMsg;
use crate::account::me::{signed_out_or, SignedInPage};
use crate::api;
use crate::components::{FormAlert, SubmitButton, TextArea};
use crate::form::{from_api, Problem};
use crate::i18n::{fill, Msg, Text};
use crate::locale::{format_count, t, use_locale};
use crate::pages::focus_soon;
use crate::route::{query_param, use_navigate, Route};

/// Rows per "Show more": enough to find last week's payments without scrolling past months.
const PAGE: u32 = 20;
const LIST_ID: &str = "report-transactions";

#[component]
pub fn ReportFraud() -> impl IntoView {
    let preselected = query_param("tx").filter(|id| !id.is_empty());
    view! {
        <SignedInPage title=WalletMsg::ReportFraudTitle back=Route::Wallet render=move |_| {
            let preselected = preselected.clone();
            view! { <ReportForm preselected /> }
        } />
    }
}

/// Moves focus to the first checkbox, where a missing choice is put right.
fn focus_first_choice() {
    request_animation_frame(|| {
        use wasm_bindgen::JsCast;
        let first = document()
            .query_selector(&format!("#{LIST_ID} input"))
            .ok()
            .flatten()
            .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(el) = first {
            let _ = el.focus();
        }
    });
}

#[component]
fn ReportForm(preselected: Option<String>) -> impl IntoView {
    let locale = use_locale();
    let navigate = use_navigate();
    let rows = RwSignal::new(Vec::<Transaction>::new());
    let next = RwSignal::new(None::<String>);
    let loaded = RwSignal::new(false);
    let loading = RwSignal::new(false);
    // In the order ticked, which is the order the report lists them.
    let chosen = RwSignal::new(preselected.iter().cloned().collect::<Vec<String>>());
    let tx_error = RwSignal::new(None::<Problem>);
    let description = RwSignal::new(String::new());
    let description_error = RwSignal::new(None::<Problem>);
    let form_error = RwSignal::new(None::<Problem>);
    let busy = RwSignal::new(false);
    let uploads = Uploads::new();

    // A row already listed (the one asked for by `?tx=`, say) is not listed twice.
    let add_rows = move |items: Vec<Transaction>, front: bool| {
        rows.try_update(|list| {
            let fresh: Vec<Transaction> = items
                .into_iter()
                .filter(|tx| !list.iter().any(|r| r.id == tx.id))
                .collect();
            if front {
                list.splice(0..0, fresh);
            } else {
                list.extend(fresh);
            }
        });
    };
    let load = move |cursor: Option<String>| {
        loading.set(true);
        spawn_local(async move {
            let query = TransactionQuery {
                limit: Some(PAGE),
                cursor,
                ..Default::default()
            };
            let result = api::transactions(&query).await;
            loading.try_set(false);
            match result {
                Ok(page) => {
                    add_rows(page.items, false);
                    next.try_set(page.next_cursor);
                    loaded.try_set(true);
                }
                Err(e) => {
                    signed_out_or(&e, form_error);
                    focus_soon("form-alert");
                }
            }
        });
    };
    load(None);
    if let Some(id) = preselected {
        // It may be older than the first page; fetched on its own so it is always shown ticked.
        spawn_local(async move {
            match api::transaction(&id).await {
                Ok(tx) => add_rows(vec![tx], true),
                Err(_) => {
                    chosen.try_update(|c| c.retain(|x| *x != id));
                }
            }
        });
    }
    let more = move |_| {
        if let Some(cursor) = next.get_untracked() {
            load(Some(cursor));
        }
    };

    let (hint, left) =
        super::text_hint_and_count(description, REPORT_TEXT_MAX_CHARS, WalletMsg::DetailsHint);

    let send = Callback::new(move |_| {
        uploads.lock(true);
        let request = CreateFraudReportRequest {
            transaction_ids: chosen.get_untracked(),
            description: description.get_untracked(),
            screenshots: uploads.ids(),
        };
        spawn_local(async move {
            let result = api::create_fraud_report(&request).await;
            busy.try_set(false);
            match result {
                Ok(report) => {
                    uploads.sent();
                    navigate(Route::FraudReport(&report.id), false);
                }
                Err(e) => {
                    uploads.lock(false);
                    let (field, problem) = from_api(&e);
                    match field.as_deref() {
                        Some("transaction_ids") => {
                            tx_error.set(Some(problem));
                            focus_first_choice();
                        }
                        Some("description") => {
                            description_error.set(Some(problem));
                            focus_soon("description");
                        }
                        _ => {
                            signed_out_or(&e, form_error);
                            focus_soon("form-alert");
                        }
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
        let none_chosen = chosen.with_untracked(Vec::is_empty);
        tx_error.set(none_chosen.then_some(Problem::Code(ErrorCode::TransactionsRequired)));
        let checked = description.with_untracked(|d| ReportText::parse(d, "description"));
        description_error.set(
            checked
                .as_ref()
                .err()
                .map(|&FieldError { code, .. }| Problem::Code(code)),
        );
        if none_chosen {
            return focus_first_choice();
        }
        if checked.is_err() {
            return focus_soon("description");
        }
        busy.set(true);
        uploads.after_uploads(send);
    };

    let chosen_count = move || {
        let n = chosen.with(Vec::len) as u64;
        fill(
            WalletMsg::ChosenCount.text(locale.get()),
            &[("count", &format_count(n, locale.get()))],
        )
    };
    let tx_error_text = move || tx_error.get().map(|p| p.text(locale.get()));

    view! {
        <p class="intro">{t(WalletMsg::ReportFraudIntro)}</p>
        <FormAlert problem=form_error />
        <form on:submit=submit novalidate>
            <fieldset class="choices tx-choices" id=LIST_ID
                aria-describedby=move || tx_error.with(Option::is_some).then_some("report-transactions-error")>
                <legend>{t(WalletMsg::ChooseTransactions)}</legend>
                <p class="hint">{t(WalletMsg::ChooseTransactionsHint)}</p>
                {move || (loaded.get() && rows.with(Vec::is_empty)).then(|| view! {
                    <p class="muted">{t(WalletMsg::NoTransactions)}</p>
                })}
                <ul class="tx-pick">
                    <For each=move || rows.get() key=|tx| tx.id.clone() let:tx>
                        <PickRow tx chosen />
                    </For>
                </ul>
                {move || (!loaded.get()).then(|| view! { <p class="muted">{t(Msg::Loading)}</p> })}
                {move || next.with(Option::is_some).then(|| view! {
                    <button type="button" class="secondary" on:click=more disabled=move || loading.get()
                        aria-busy=move || if loading.get() { "true" } else { "false" }>
                        {move || if loading.get() { t(WalletMsg::LoadingMore)() } else { t(WalletMsg::ShowMore)() }}
                    </button>
                })}
                <p class="muted" role="status">{chosen_count}</p>
                {move || tx_error_text().map(|text| view! {
                    <p class="field-error" id="report-transactions-error" role="alert">{text}</p>
                })}
            </fieldset>
            <TextArea id="description" label=WalletMsg::WhatHappenedLabel value=description
                error=description_error hint max_chars=REPORT_TEXT_MAX_CHARS left_text=left />
            <ScreenshotPicker uploads />
            <section class="notice notice-warn" aria-labelledby="freeze-warning-heading">
                <h2 id="freeze-warning-heading">{t(WalletMsg::BeforeSendingHeading)}</h2>
                <p>{t(WalletMsg::BeforeSendingFreeze)}</p>
                <p>{t(WalletMsg::BeforeSendingHistory)}</p>
            </section>
            <p class="muted" role="status">
                {move || uploads.waiting().then(t(WalletMsg::WaitingForUploads))}
            </p>
            <SubmitButton label=WalletMsg::SendReport busy_label=WalletMsg::SendingReport
                busy=Signal::derive(move || busy.get()) />
        </form>
    }
}

/// One transaction to tick: the whole row is its label (store, kind, date and amount).
#[component]
fn PickRow(tx: Transaction, chosen: RwSignal<Vec<String>>) -> impl IntoView {
    let locale = use_locale();
    let input_id = format!("pick-{}", tx.id);
    let id = StoredValue::new(tx.id.clone());
    let amount = tx.amount;
    let (kind, at) = (tx.kind, tx.created_at);
    let incoming = amount.minor > 0;
    let name = move || title(&tx, locale.get());
    let toggle = move |ev: leptos::ev::Event| {
        let on = event_target_checked(&ev);
        let id = id.get_value();
        chosen.update(|c| {
            c.retain(|x| *x != id);
            if on {
                c.push(id);
            }
        });
    };
    view! {
        <li class="choice tx-choice">
            <input type="checkbox" id=input_id.clone()
                prop:checked=move || chosen.with(|c| c.contains(&id.get_value()))
                on:change=toggle />
            <label for=input_id>
                <span class="tx-title">{name}</span>
                " "
                <span class="tx-meta">{t(kind_msg(kind))} " · " <When at /></span>
                " "
                <span class="tx-amount" class:tx-in=incoming>{move || amount.format(locale.get())}</span>
            </label>
        </li>
    }
}
