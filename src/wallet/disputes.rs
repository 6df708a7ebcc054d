//! `/wallet/disputes` and `/wallet/disputes/:id`: what the customer has disputed and where each
//! dispute stands. The timeline is always the customer's to read; when support asks for more,
//! the dispute's page takes the answer.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use portal_api::evidence::{ReportEventKind, Screenshot};
use portal_api::wallet::{Dispute, DisputeEvent, DisputeStatus};

use super::add_evidence::{AddEvidence, AddTo, AddedFiles};
use super::rows::{dispute_status_msg, reason_msg, title, When};
use super::screenshots::ScreenshotList;
use super::text::WalletMsg;
use super::transaction::TransactionFacts;
use crate::account::me::{signed_out_or, SignedInPage};
use crate::api;
use crate::components::FormAlert;
use crate::form::Problem;
use crate::i18n::{fill, Msg, Text};
use crate::locale::{t, use_locale};
use crate::route::{path_id, Route};

#[component]
pub fn Disputes() -> impl IntoView {
    view! { <SignedInPage title=WalletMsg::DisputesTitle back=Route::Wallet render=|_| view! { <DisputeList /> } /> }
}

#[component]
fn DisputeList() -> impl IntoView {
    let locale = use_locale();
    let list = RwSignal::new(None::<Vec<Dispute>>);
    let problem = RwSignal::new(None::<Problem>);
    spawn_local(async move {
        match api::disputes().await {
            Ok(found) => {
                list.try_set(Some(found));
            }
            Err(e) => signed_out_or(&e, problem),
        }
    });
    view! {
        <FormAlert problem />
        {move || match list.get() {
            None => view! { <p class="muted">{t(Msg::Loading)}</p> }.into_any(),
            Some(items) if items.is_empty() => view! { <p class="muted">{t(WalletMsg::NoDisputes)}</p> }.into_any(),
            Some(items) => view! {
                <ul class="transactions">
                    {items
                        .into_iter()
                        .map(|d| {
                            let name = {
                                let tx = d.transaction.clone();
                                move || title(&tx, locale.get())
                            };
                            let amount = d.transaction.amount;
                            view! {
                                <li class="tx">
                                    <A href=Route::Dispute(&d.id).href() attr:class="tx-link">
                                        <span class="tx-title">{name}</span>
                                        <span class="tx-meta">
                                            {t(dispute_status_msg(d.status))} " · " <When at=d.created_at />
                                        </span>
                                        <span class="tx-amount">{move || amount.format(locale.get())}</span>
                                    </A>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            }
            .into_any(),
        }}
    }
}

#[component]
pub fn DisputeDetail() -> impl IntoView {
    let id = path_id();
    view! {
        <SignedInPage title=WalletMsg::DisputeTitle back=Route::Wallet render=move |_| {
            let id = id.clone();
            view! { <DisputeLoader id /> }
        } />
    }
}

#[component]
fn DisputeLoader(id: String) -> impl IntoView {
    let dispute = RwSignal::new(None::<Dispute>);
    let problem = RwSignal::new(None::<Problem>);
    spawn_local(async move {
        match api::dispute(&id).await {
            Ok(found) => {
                dispute.try_set(Some(found));
            }
            Err(e) => signed_out_or(&e, problem),
        }
    });
    let loaded = Memo::new(move |_| dispute.with(Option::is_some));
    view! {
        <FormAlert problem />
        // Rendered once: an answer updates `dispute` in place, and the form that sent it keeps
        // its "sent" message.
        {move || match (loaded.get(), problem.with(Option::is_none)) {
            (true, _) => view! { <DisputeView dispute /> }.into_any(),
            (false, true) => view! { <p class="muted">{t(Msg::Loading)}</p> }.into_any(),
            (false, false) => ().into_any(),
        }}
    }
}

#[component]
fn DisputeView(dispute: RwSignal<Option<Dispute>>) -> impl IntoView {
    let locale = use_locale();
    // Fixed for the page's life: what the customer disputed and why.
    let d = dispute.get_untracked().expect("rendered once loaded");
    let number = {
        let id = d.id.clone();
        move || fill(WalletMsg::DisputeNumber.text(locale.get()), &[("id", &id)])
    };
    let timeline =
        move || dispute.with(|d| d.as_ref().map(|d| d.timeline.clone()).unwrap_or_default());
    let screenshots = Signal::derive(move || {
        dispute.with(|d| {
            d.as_ref()
                .map(|d| d.screenshots.clone())
                .unwrap_or_default()
        })
    });
    // Support waits for the customer: the page takes the answer.
    let asked = d.status == DisputeStatus::MoreInfoNeeded;
    view! {
        <p class="dispute-number">{number}</p>
        <dl class="details">
            <div><dt>{t(WalletMsg::ReasonTerm)}</dt><dd>{t(reason_msg(d.reason))}</dd></div>
            <div><dt>{t(WalletMsg::DetailsTerm)}</dt><dd class="as-typed">{d.details}</dd></div>
        </dl>
        <section aria-labelledby="timeline-heading">
            <h2 id="timeline-heading">{t(WalletMsg::TimelineHeading)}</h2>
            <ol class="timeline">
                {move || timeline()
                    .into_iter()
                    .map(|e| view! { <Step e screenshots /> })
                    .collect_view()}
            </ol>
        </section>
        {asked.then(|| view! { <AddEvidence to=AddTo::Dispute(dispute) /> })}
        {move || screenshots.with(|s| !s.is_empty()).then(|| view! {
            <section aria-labelledby="dispute-shots-heading">
                <h2 id="dispute-shots-heading">{t(WalletMsg::ScreenshotsHeading)}</h2>
                <ScreenshotList shots=screenshots />
            </section>
        })}
        <section aria-labelledby="dispute-tx-heading">
            <h2 id="dispute-tx-heading">{t(WalletMsg::TransactionTitle)}</h2>
            <TransactionFacts tx=d.transaction />
        </section>
    }
}

/// One step of the timeline: a status support gave (with what it asked or why it declined), or
/// the customer's answer with the screenshots it added.
#[component]
fn Step(e: DisputeEvent, screenshots: Signal<Vec<Screenshot>>) -> impl IntoView {
    let title = match e.kind {
        ReportEventKind::EvidenceAdded => WalletMsg::DisputeAnswered,
        _ => dispute_status_msg(e.status),
    };
    view! {
        <li>
            <strong>{t(title)}</strong>
            " · " <When at=e.at />
            {e.note.map(|note| view! { <p class="as-typed">{note}</p> })}
            <AddedFiles ids=e.screenshots screenshots />
        </li>
    }
}
