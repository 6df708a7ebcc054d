//! `/wallet/fraud-reports` and `/wallet/fraud-reports/:id`: the customer's fraud reports, and one
//! report with everything it sealed, its timeline, the way to add to it and the evidence bundle to
//! download. All of it stays readable while the wallet is frozen (docs/threat-model.md#t11, #t15).

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use portal_api::evidence::{FraudReport, Freeze, ReportEvent, ReportEventKind, Screenshot};

use super::add_evidence::{AddEvidence, AddTo, AddedFiles};
use super::freeze::FreezeBanner;
use super::rows::{dispute_status_msg, TransactionRow, When};
use super::screenshots::ScreenshotList;
use super::text::WalletMsg;
use crate::account::me::{signed_out_or, SignedInPage};
use crate::api;
use crate::components::FormAlert;
use crate::form::Problem;
use crate::i18n::{fill, Msg, Text};
use crate::locale::{format_count, t, use_locale};
use crate::route::{path_id, Route};

#[component]
pub fn FraudReports() -> impl IntoView {
    view! {
        <SignedInPage title=WalletMsg::FraudReportsTitle back=Route::Wallet render=|_| view! { <ReportList /> } />
    }
}

#[component]
fn ReportList() -> impl IntoView {
    let locale = use_locale();
    let list = RwSignal::new(None::<Vec<FraudReport>>);
    let problem = RwSignal::new(None::<Problem>);
    spawn_local(async move {
        match api::fraud_reports().await {
            Ok(found) => {
                list.try_set(Some(found));
            }
            Err(e) => signed_out_or(&e, problem),
        }
    });
    view! {
        <FormAlert problem />
        {move || match list.get() {
            None if problem.with(Option::is_none) => view! { <p class="muted">{t(Msg::Loading)}</p> }.into_any(),
            None => ().into_any(),
            Some(items) if items.is_empty() => view! { <p class="muted">{t(WalletMsg::NoFraudReports)}</p> }.into_any(),
            Some(items) => view! {
                <ul class="transactions">
                    {items
                        .into_iter()
                        .map(|r| {
                            let number = {
                                let id = r.id.clone();
                                move || fill(WalletMsg::ReportNumber.text(locale.get()), &[("id", &id)])
                            };
                            let count = r.transactions.len() as u64;
                            let count = move || fill(
                                WalletMsg::TransactionCount.text(locale.get()),
                                &[("count", &format_count(count, locale.get()))],
                            );
                            view! {
                                <li class="tx">
                                    <A href=Route::FraudReport(&r.id).href() attr:class="tx-link">
                                        <span class="tx-title">{number}</span>
                                        <span class="tx-meta">
                                            {t(dispute_status_msg(r.status))} " · " <When at=r.created_at />
                                        </span>
                                        <span class="tx-amount">{count}</span>
                                    </A>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            }
            .into_any(),
        }}
        <p><A href=Route::ReportFraud(None).href()>{t(WalletMsg::ReportFraudLink)}</A></p>
    }
}

#[component]
pub fn FraudReportDetail() -> impl IntoView {
    let id = path_id();
    view! {
        <SignedInPage title=WalletMsg::FraudReportTitle back=Route::Wallet render=move |_| {
            let id = id.clone();
            view! { <ReportLoader id /> }
        } />
    }
}

#[component]
fn ReportLoader(id: String) -> impl IntoView {
    let report = RwSignal::new(None::<FraudReport>);
    let freeze = RwSignal::new(None::<Freeze>);
    let problem = RwSignal::new(None::<Problem>);
    spawn_local(async move {
        match api::fraud_report(&id).await {
            Ok(found) => {
                report.try_set(Some(found));
            }
            Err(e) => signed_out_or(&e, problem),
        }
    });
    spawn_local(async move {
        if let Ok(wallet) = api::wallet().await {
            freeze.try_set(wallet.freeze);
        }
    });
    let loaded = Memo::new(move |_| report.with(Option::is_some));
    view! {
        <FormAlert problem />
        // Rendered once: an addition updates `report` in place, and the form that made it keeps
        // its "added" message.
        {move || match (loaded.get(), problem.with(Option::is_none)) {
            (true, _) => view! { <ReportView report freeze /> }.into_any(),
            (false, true) => view! { <p class="muted">{t(Msg::Loading)}</p> }.into_any(),
            (false, false) => ().into_any(),
        }}
    }
}

fn event_msg(kind: ReportEventKind) -> WalletMsg {
    match kind {
        ReportEventKind::Submitted => WalletMsg::EventSubmitted,
        ReportEventKind::EvidenceAdded => WalletMsg::EventEvidenceAdded,
        ReportEventKind::StatusChanged => WalletMsg::EventStatusChanged,
        ReportEventKind::FreezeLifted => WalletMsg::EventFreezeLifted,
    }
}

#[component]
fn ReportView(
    report: RwSignal<Option<FraudReport>>,
    freeze: RwSignal<Option<Freeze>>,
) -> impl IntoView {
    let locale = use_locale();
    // Fixed for the page's life: the report's identity and what was sealed with it.
    let r = report.get_untracked().expect("rendered once loaded");
    let number = {
        let id = r.id.clone();
        move || fill(WalletMsg::ReportNumber.text(locale.get()), &[("id", &id)])
    };
    let status = move || report.with(|r| r.as_ref().map(|r| r.status));
    let rows = move || report.with(|r| r.as_ref().map_or(0, |r| r.snapshot_rows));
    let lifted = move || {
        report.with(|r| {
            r.as_ref().and_then(|r| {
                r.timeline
                    .iter()
                    .rev()
                    .find(|e| e.kind == ReportEventKind::FreezeLifted)
                    .map(|e| e.at)
            })
        })
    };
    let screenshots = Signal::derive(move || {
        report.with(|r| {
            r.as_ref()
                .map(|r| r.screenshots.clone())
                .unwrap_or_default()
        })
    });
    let timeline =
        move || report.with(|r| r.as_ref().map(|r| r.timeline.clone()).unwrap_or_default());
    view! {
        <p class="dispute-number">{number}</p>
        <dl class="details">
            <div><dt>{t(WalletMsg::StatusTerm)}</dt><dd>{move || status().map(|s| t(dispute_status_msg(s))())}</dd></div>
            <div><dt>{t(WalletMsg::ReportedAtTerm)}</dt><dd><When at=r.created_at /></dd></div>
        </dl>
        <section aria-labelledby="next-heading">
            <h2 id="next-heading">{t(WalletMsg::WhatHappensNow)}</h2>
            <FreezeBanner freeze />
            {move || (freeze.with(Option::is_none)).then(|| lifted().map(|at| view! {
                <p>{t(WalletMsg::FreezeLiftedOn)} " " <When at /></p>
            }))}
            <p>{t(WalletMsg::ReviewNext)}</p>
        </section>
        <section aria-labelledby="reported-heading">
            <h2 id="reported-heading">{t(WalletMsg::ReportedTransactions)}</h2>
            <ul class="transactions">
                {r.transactions.into_iter().map(|tx| view! { <TransactionRow tx /> }).collect_view()}
            </ul>
        </section>
        <dl class="details">
            <div><dt>{t(WalletMsg::DetailsTerm)}</dt><dd class="as-typed">{r.description}</dd></div>
        </dl>
        <section aria-labelledby="screenshots-heading">
            <h2 id="screenshots-heading">{t(WalletMsg::ScreenshotsHeading)}</h2>
            {move || screenshots.with(Vec::is_empty).then(|| view! {
                <p class="muted">{t(WalletMsg::NoScreenshots)}</p>
            })}
            <ScreenshotList shots=screenshots />
        </section>
        <section aria-labelledby="seal-heading">
            <h2 id="seal-heading">{t(WalletMsg::EvidenceHeading)}</h2>
            <p>{t(WalletMsg::EvidenceExplain)}</p>
            <dl class="details">
                <div>
                    <dt>{t(WalletMsg::ManifestTerm)}</dt>
                    <dd><code class="hash">{r.manifest_sha256}</code></dd>
                </div>
                <div>
                    <dt>{t(WalletMsg::SnapshotRowsTerm)}</dt>
                    <dd>{move || format_count(rows(), locale.get())}</dd>
                </div>
            </dl>
            <p><a class="button secondary" href=r.bundle_url download="">{t(WalletMsg::DownloadBundle)}</a></p>
        </section>
        <section aria-labelledby="timeline-heading">
            <h2 id="timeline-heading">{t(WalletMsg::TimelineHeading)}</h2>
            <ol class="timeline">
                {move || timeline()
                    .into_iter()
                    .map(|e| view! { <EventItem e screenshots /> })
                    .collect_view()}
            </ol>
        </section>
        <AddEvidence to=AddTo::Report(report) />
    }
}

#[component]
fn EventItem(e: ReportEvent, screenshots: Signal<Vec<Screenshot>>) -> impl IntoView {
    let locale = use_locale();
    let status = e.status;
    view! {
        <li>
            <strong>{t(event_msg(e.kind))}</strong>
            " · " <When at=e.at />
            " · " {move || fill(
                WalletMsg::StatusIs.text(locale.get()),
                &[("status", dispute_status_msg(status).text(locale.get()))],
            )}
            {e.note.map(|note| view! { <p class="as-typed">{note}</p> })}
            <AddedFiles ids=e.screenshots screenshots />
        </li>
    }
}
