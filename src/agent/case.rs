//! `/agent/cases/:id`: everything about one case (the customer, the sealed snapshot, the
//! screenshots inline, the live history, what the customer sees, internal notes) and what an
//! agent may do on it. Each action answers the case as it now is, which replaces the page's.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use portal_api::agent::{CaseDetail, RefundState, TimelineEntry, CASE_TEXT_MAX_CHARS};
use portal_api::money::Money;
use portal_api::wallet::{Transaction, TransactionQuery};

use super::api::Written;
use super::queue::{kind_msg, yen_text};
use super::text::AgentMsg;
use crate::account::me::signed_out_or;
use crate::api::ApiError;
use crate::components::{Field, FormAlert, SubmitButton, TextArea};
use crate::form::{from_api, OtherText, Problem};
use crate::i18n::{fill, Msg, Text};
use crate::locale::{format_count, t, use_locale};
use crate::pages::focus_soon;
use crate::route::{path_id, Route};
use crate::wallet::rows::{dispute_status_msg, kind_msg as tx_kind_msg, reason_msg, title, When};
use crate::wallet::screenshots::ScreenshotList;

type Case = RwSignal<Option<CaseDetail>>;

#[component]
pub fn CaseLoader(
    /// The signed-in agent's id: whether the case is theirs to release or another's to take.
    me: String,
) -> impl IntoView {
    let id = path_id();
    let case: Case = RwSignal::new(None);
    let problem = RwSignal::new(None::<Problem>);
    let two_step = RwSignal::new(false);
    {
        let id = id.clone();
        spawn_local(async move {
            match super::api::case(&id).await {
                Ok(found) => {
                    case.try_set(Some(found));
                }
                Err(e) => {
                    two_step
                        .set(e.code() == Some(portal_api::error::ErrorCode::AgentTwoStepRequired));
                    signed_out_or(&e, problem);
                }
            }
        });
    }
    let loaded = Memo::new(move |_| case.with(Option::is_some));
    view! {
        <p><A href=Route::Agent.href()>{t(AgentMsg::BackToQueue)}</A></p>
        <FormAlert problem />
        {move || two_step.get().then(|| view! { <super::TwoStepFirst /> })}
        // Rendered once: an action replaces `case` in place and keeps its own message.
        {move || match (loaded.get(), problem.with(Option::is_none)) {
            (true, _) => view! { <CaseView case me=me.clone() /> }.into_any(),
            (false, true) => view! { <p class="muted">{t(Msg::Loading)}</p> }.into_any(),
            (false, false) => ().into_any(),
        }}
    }
}

/// One row of a customer's history, as an agent reads it (no link: the transaction pages are
/// the customer's own).
#[component]
fn Row(tx: Transaction) -> impl IntoView {
    let locale = use_locale();
    let amount = tx.amount;
    let (kind, at) = (tx.kind, tx.created_at);
    let memo = tx.memo.clone();
    let incoming = amount.minor > 0;
    let name = move || title(&tx, locale.get());
    view! {
        <li class="tx">
            <span class="tx-title">{name}</span>
            <span class="tx-meta">
                {t(tx_kind_msg(kind))} " · " <When at />
                {memo.map(|m| view! { " · " <span class="as-typed">{m}</span> })}
            </span>
            <span class="tx-amount" class:tx-in=incoming>{move || amount.format(locale.get())}</span>
        </li>
    }
}

fn event_words(event: &str) -> Option<AgentMsg> {
    Some(match event {
        "submitted" => AgentMsg::EventSubmitted,
        "evidence_added" => AgentMsg::EventEvidenceAdded,
        "status_changed" => AgentMsg::EventStatusChanged,
        "freeze_lifted" => AgentMsg::EventFreezeLifted,
        _ => return None,
    })
}

#[component]
fn CaseView(case: Case, me: String) -> impl IntoView {
    let locale = use_locale();
    let c = case.get_untracked().expect("rendered once loaded");
    let id = StoredValue::new(c.summary.id.clone());
    let number = {
        let id = c.summary.id.clone();
        move || fill(AgentMsg::CaseNumber.text(locale.get()), &[("id", &id)])
    };
    let summary = move || case.with(|c| c.as_ref().map(|c| c.summary.clone()));
    let customer = move || case.with(|c| c.as_ref().map(|c| c.customer.clone()));
    let is_open = Memo::new(move |_| summary().is_some_and(|s| s.status.is_open()));
    let amount = c.summary.amount;
    let screenshots = Signal::derive(move || {
        case.with(|c| {
            c.as_ref()
                .map(|c| c.screenshots.clone())
                .unwrap_or_default()
        })
    });
    let timeline =
        move || case.with(|c| c.as_ref().map(|c| c.timeline.clone()).unwrap_or_default());
    let notes = move || case.with(|c| c.as_ref().map(|c| c.notes.clone()).unwrap_or_default());
    let snapshot = c.snapshot.clone();
    view! {
        <p class="dispute-number">{number}</p>
        <dl class="details">
            <div><dt>{t(AgentMsg::KindLabel)}</dt><dd>{t(kind_msg(c.summary.kind))}</dd></div>
            <div><dt>{t(AgentMsg::StatusLabel)}</dt><dd>{move || summary().map(|s| t(dispute_status_msg(s.status))())}</dd></div>
            <div><dt>{t(AgentMsg::OpenedTerm)}</dt><dd><When at=c.summary.created_at /></dd></div>
            <div><dt>{t(AgentMsg::AmountTerm)}</dt><dd>{move || amount.format(locale.get())}</dd></div>
            <div>
                <dt>{t(AgentMsg::AssigneeTerm)}</dt>
                <dd>{move || match summary().and_then(|s| s.assignee) {
                    Some(a) => view! { <span class="email">{a.email}</span> }.into_any(),
                    None => view! { <span class="muted">{t(AgentMsg::NoOne)}</span> }.into_any(),
                }}</dd>
            </div>
        </dl>
        {move || is_open.get().then(|| {
            let mine = summary().and_then(|s| s.assignee).is_some_and(|a| a.id == me);
            view! { <ClaimButton case id mine /> }
        })}

        <section aria-labelledby="customer-heading">
            <h2 id="customer-heading">{t(AgentMsg::CustomerHeading)}</h2>
            {move || customer().map(|u| {
                let balance = u.balance;
                view! {
                    <dl class="details">
                        <div><dt>{t(Msg::EmailLabel)}</dt><dd class="email">{u.email}</dd></div>
                        {u.display_name.map(|n| view! { <div><dt>{t(AgentMsg::NameTerm)}</dt><dd>{n}</dd></div> })}
                        <div><dt>{t(AgentMsg::TwoStepTerm)}</dt><dd>{t(if u.totp_enabled { AgentMsg::On } else { AgentMsg::Off })}</dd></div>
                        <div>
                            <dt>{t(AgentMsg::FreezeTerm)}</dt>
                            <dd>{match u.freeze {
                                Some(f) => view! { {t(AgentMsg::Frozen)} " " <When at=f.since /> }.into_any(),
                                None => view! { {t(AgentMsg::NotFrozen)} }.into_any(),
                            }}</dd>
                        </div>
                        <div><dt>{t(AgentMsg::BalanceTerm)}</dt><dd>{move || balance.format(locale.get())}</dd></div>
                    </dl>
                }
            })}
        </section>

        <dl class="details">
            {c.reason.map(|r| view! { <div><dt>{t(AgentMsg::ReasonTerm)}</dt><dd>{t(reason_msg(r))}</dd></div> })}
            <div><dt>{t(AgentMsg::WrittenTerm)}</dt><dd class="as-typed">{c.text}</dd></div>
        </dl>
        <section aria-labelledby="in-question-heading">
            <h2 id="in-question-heading">{t(AgentMsg::InQuestionHeading)}</h2>
            <ul class="transactions">
                {c.transactions.into_iter().map(|tx| view! { <Row tx /> }).collect_view()}
            </ul>
        </section>
        <section aria-labelledby="screenshots-heading">
            <h2 id="screenshots-heading">{t(AgentMsg::ScreenshotsHeading)}</h2>
            {move || screenshots.with(Vec::is_empty).then(|| view! {
                <p class="muted">{t(AgentMsg::NoScreenshots)}</p>
            })}
            <ScreenshotList shots=screenshots />
        </section>
        {snapshot.map(|rows| {
            let count = rows.len() as u64;
            view! {
                <section>
                    <details>
                        <summary>{move || fill(
                            AgentMsg::SnapshotHeading.text(locale.get()),
                            &[("count", &format_count(count, locale.get()))],
                        )}</summary>
                        <p>{t(AgentMsg::SnapshotExplain)}</p>
                        <ul class="transactions">
                            {rows.into_iter().map(|tx| view! { <Row tx /> }).collect_view()}
                        </ul>
                    </details>
                </section>
            }
        })}
        <LiveHistory id />
        <section aria-labelledby="timeline-heading">
            <h2 id="timeline-heading">{t(AgentMsg::TimelineHeading)}</h2>
            <ol class="timeline">
                {move || timeline().into_iter().map(|e| view! { <TimelineItem e /> }).collect_view()}
            </ol>
        </section>
        <section aria-labelledby="notes-heading">
            <h2 id="notes-heading">{t(AgentMsg::NotesHeading)}</h2>
            <p class="hint">{t(AgentMsg::NotesExplain)}</p>
            {move || {
                let notes = notes();
                if notes.is_empty() {
                    view! { <p class="muted">{t(AgentMsg::NoNotes)}</p> }.into_any()
                } else {
                    view! {
                        <ol class="timeline">
                            {notes.into_iter().map(|n| view! {
                                <li>
                                    <strong class="email">{n.author.email}</strong> " · " <When at=n.at />
                                    <p class="as-typed">{n.text}</p>
                                </li>
                            }).collect_view()}
                        </ol>
                    }.into_any()
                }
            }}
            <WriteForm case id what=Written::Note field="note" label=AgentMsg::NoteLabel
                button=AgentMsg::AddNote busy_label=AgentMsg::Adding done=AgentMsg::NoteAdded />
        </section>
        <section aria-labelledby="actions-heading">
            <h2 id="actions-heading">{t(AgentMsg::ActionsHeading)}</h2>
            {move || (!is_open.get()).then(|| view! { <p>{t(AgentMsg::CaseIsClosed)}</p> })}
            <RefundPanel case id amount />
            {move || is_open.get().then(|| view! {
                <WriteForm case id what=Written::RequestInfo field="question" label=AgentMsg::RequestInfoLabel
                    button=AgentMsg::RequestInfo busy_label=AgentMsg::Asking done=AgentMsg::InfoRequested />
                <WriteForm case id what=Written::Decline field="decline-reason" label=AgentMsg::DeclineLabel
                    button=AgentMsg::Decline busy_label=AgentMsg::Declining done=AgentMsg::Declined />
            })}
            <Unfreeze case id />
        </section>
    }
}

#[component]
fn TimelineItem(e: TimelineEntry) -> impl IntoView {
    let locale = use_locale();
    let event = e.event.clone();
    let what = move || {
        event_words(&event).map_or_else(|| event.clone(), |m| m.text(locale.get()).to_owned())
    };
    let by = if e.by == "support" {
        AgentMsg::BySupport
    } else {
        AgentMsg::ByCustomer
    };
    view! {
        <li>
            <strong>{what}</strong> " · " {t(by)} " · " <When at=e.at /> " · " {t(dispute_status_msg(e.status))}
            {e.note.map(|note| view! { <p class="as-typed">{note}</p> })}
        </li>
    }
}

/// An action on the case from one part of the page, with its own busy state and its own
/// announced failure (`alert` is the id of the element that announces it).
#[derive(Clone, Copy)]
struct Action {
    case: Case,
    id: StoredValue<String>,
    busy: RwSignal<bool>,
    problem: RwSignal<Option<Problem>>,
    alert: &'static str,
}

impl Action {
    fn new(case: Case, id: StoredValue<String>, alert: &'static str) -> Self {
        Self {
            case,
            id,
            busy: RwSignal::new(false),
            problem: RwSignal::new(None),
            alert,
        }
    }

    /// Calls the API with the case's id, unless a call is already under way: the answer
    /// replaces the case and `done` runs; a failure is announced and focused.
    fn run<F>(self, call: impl FnOnce(String) -> F, done: impl FnOnce() + 'static)
    where
        F: std::future::Future<Output = Result<CaseDetail, ApiError>> + 'static,
    {
        if self.busy.get_untracked() {
            return;
        }
        self.busy.set(true);
        self.problem.set(None);
        let call = call(self.id.get_value());
        spawn_local(async move {
            let result = call.await;
            self.busy.try_set(false);
            match result {
                Ok(updated) => {
                    self.case.set(Some(updated));
                    done();
                }
                Err(e) => {
                    signed_out_or(&e, self.problem);
                    focus_soon(self.alert);
                }
            }
        });
    }
}

/// An action's announced failure.
#[component]
fn ActionAlert(id: &'static str, problem: RwSignal<Option<Problem>>) -> impl IntoView {
    let locale = use_locale();
    move || {
        problem.get().map(|p| view! {
            <div id=id class="form-alert" role="alert" tabindex="-1">{move || p.text(locale.get())}</div>
        })
    }
}

/// Take the case, or release it when it is this agent's.
#[component]
fn ClaimButton(case: Case, id: StoredValue<String>, mine: bool) -> impl IntoView {
    let action = Action::new(case, id, "claim-alert");
    let Action { busy, problem, .. } = action;
    let run = move |_| {
        action.run(
            move |key| async move {
                if mine {
                    super::api::unassign(&key).await
                } else {
                    super::api::claim(&key).await
                }
            },
            || {},
        );
    };
    view! {
        <ActionAlert id="claim-alert" problem />
        <div class="actions">
            <button type="button" class="secondary" on:click=run disabled=move || busy.get()>
                {t(if mine { AgentMsg::Unassign } else { AgentMsg::Claim })}
            </button>
        </div>
    }
}

/// A note, a question for the customer or a reason for declining: free text, checked here as
/// the server checks it.
#[component]
fn WriteForm(
    case: Case,
    id: StoredValue<String>,
    what: Written,
    field: &'static str,
    label: AgentMsg,
    button: AgentMsg,
    busy_label: AgentMsg,
    done: AgentMsg,
) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let error = RwSignal::new(None::<Problem>);
    let finished = RwSignal::new(false);
    let (hint, left) =
        crate::wallet::text_hint_and_count(text, CASE_TEXT_MAX_CHARS, AgentMsg::TextHint);
    let alert: &'static str = match what {
        Written::Note => "note-alert",
        Written::RequestInfo => "question-alert",
        Written::Decline => "decline-alert",
    };
    let status: &'static str = match what {
        Written::Note => "note-status",
        Written::RequestInfo => "question-status",
        Written::Decline => "decline-status",
    };
    let action = Action::new(case, id, alert);
    let Action { busy, problem, .. } = action;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        finished.set(false);
        let typed = text.get_untracked();
        let request = portal_api::agent::CaseTextRequest { text: typed };
        if let Err(e) = request.parse() {
            error.set(Some(Problem::Code(e.code)));
            return focus_soon(field);
        }
        error.set(None);
        action.run(
            move |key| async move { super::api::write(&key, what, request.text).await },
            move || {
                text.set(String::new());
                finished.set(true);
                focus_soon(status);
            },
        );
    };
    view! {
        <form on:submit=submit novalidate>
            <ActionAlert id=alert problem />
            <TextArea id=field label value=text error hint max_chars=CASE_TEXT_MAX_CHARS left_text=left />
            <p id=status class="success" class:hidden=move || !finished.get() role="status" tabindex="-1">
                {move || finished.get().then(t(done))}
            </p>
            <SubmitButton label=button busy_label busy=busy.into() />
        </form>
    }
}

/// "Are you sure?" before an action that moves money or lets it move: the question, yes and
/// cancel. Focus goes to `id`, the yes button, when it appears.
#[component]
fn Confirm(
    id: &'static str,
    question: Signal<String>,
    yes: AgentMsg,
    working: AgentMsg,
    busy: RwSignal<bool>,
    on_yes: Callback<()>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let text_id = format!("{id}-text");
    let labelled_by = text_id.clone();
    let (yes, working) = (t(yes), t(working));
    view! {
        <div class="confirm" role="group" aria-labelledby=labelled_by>
            <p id=text_id>{question}</p>
            <button id=id type="button" class="primary" on:click=move |_| on_yes.run(()) disabled=move || busy.get()>
                {move || if busy.get() { working() } else { yes() }}
            </button>
            " "
            <button type="button" class="secondary" on:click=move |_| on_cancel.run(())>{t(AgentMsg::Cancel)}</button>
        </div>
    }
}

/// The refund: asked for (with a confirmation), waiting for a second agent, or posted.
#[component]
fn RefundPanel(case: Case, id: StoredValue<String>, amount: Money) -> impl IntoView {
    let locale = use_locale();
    let typed = RwSignal::new(yen_text(amount));
    let error = RwSignal::new(None::<Problem>);
    let action = Action::new(case, id, "refund-alert");
    let Action { busy, problem, .. } = action;
    let confirming = RwSignal::new(None::<Money>);
    let refund = move || case.with(|c| c.as_ref().and_then(|c| c.refund.clone()));
    let is_open = move || case.with(|c| c.as_ref().is_some_and(|c| c.summary.status.is_open()));
    let limit = case
        .with_untracked(|c| c.as_ref().map(|c| c.four_eyes_above))
        .unwrap_or(amount);
    let email = case
        .with_untracked(|c| c.as_ref().map(|c| c.customer.email.clone()))
        .unwrap_or_default();
    let hint = Signal::derive(move || {
        fill(
            AgentMsg::RefundHint.text(locale.get()),
            &[
                ("amount", &amount.format(locale.get())),
                ("limit", &limit.format(locale.get())),
            ],
        )
    });
    let ask = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match Money::parse(&typed.get_untracked(), amount.currency) {
            Some(m) if m.minor > 0 && m.minor <= amount.minor => {
                error.set(None);
                confirming.set(Some(m));
                focus_soon("confirm-refund");
            }
            _ => {
                error.set(Some(Problem::Other(OtherText(&AgentMsg::RefundHintShort))));
                focus_soon("refund-amount");
            }
        }
    };
    let confirm = move |_| {
        let Some(m) = confirming.get_untracked() else {
            return;
        };
        action.run(
            move |key| async move { super::api::refund(&key, m).await },
            move || {
                confirming.set(None);
                focus_soon("refund-status");
            },
        );
    };
    let approve = move |_| {
        action.run(
            move |key| async move { super::api::approve_refund(&key).await },
            || {
                focus_soon("refund-status");
            },
        );
    };
    view! {
        <div class="refund">
            <ActionAlert id="refund-alert" problem />
            {move || match refund() {
                Some(r) if r.state == RefundState::Posted => {
                    let a = r.amount;
                    view! {
                        <p id="refund-status" class="success" role="status" tabindex="-1">
                            {move || fill(AgentMsg::RefundDone.text(locale.get()), &[("amount", &a.format(locale.get()))])}
                            " " {r.posted_at.map(|at| view! { <When at /> })}
                        </p>
                    }.into_any()
                }
                Some(r) => {
                    let a = r.amount;
                    let by = r.requested_by.email.clone();
                    view! {
                        <p id="refund-status" role="status" tabindex="-1">
                            {move || fill(AgentMsg::RefundWaiting.text(locale.get()), &[("amount", &a.format(locale.get())), ("agent", &by)])}
                        </p>
                        <button type="button" class="primary" on:click=approve disabled=move || busy.get()>
                            {move || if busy.get() {
                                AgentMsg::Approving.text(locale.get()).to_owned()
                            } else {
                                fill(AgentMsg::ApproveRefund.text(locale.get()), &[("amount", &a.format(locale.get()))])
                            }}
                        </button>
                    }.into_any()
                }
                None if is_open() => view! {
                    <form on:submit=ask novalidate>
                        <Field id="refund-amount" label=AgentMsg::RefundLabel value=typed error autocomplete="off"
                            inputmode="numeric" hint />
                        <button type="submit" class="secondary">{t(AgentMsg::Refund)}</button>
                    </form>
                    {
                        let email = email.clone();
                        move || confirming.get().map(|m| {
                            let email = email.clone();
                            let question = Signal::derive(move || fill(
                                AgentMsg::ConfirmRefund.text(locale.get()),
                                &[("amount", &m.format(locale.get())), ("customer", &email)],
                            ));
                            view! {
                                <Confirm id="confirm-refund" question yes=AgentMsg::ConfirmRefundButton
                                    working=AgentMsg::Refunding busy on_yes=Callback::new(confirm)
                                    on_cancel=Callback::new(move |_| confirming.set(None)) />
                            }
                        })
                    }
                }.into_any(),
                None => ().into_any(),
            }}
        </div>
    }
}

/// Lifting a fraud report's freeze, with a confirmation: money can leave the wallet again.
#[component]
fn Unfreeze(case: Case, id: StoredValue<String>) -> impl IntoView {
    let locale = use_locale();
    let action = Action::new(case, id, "unfreeze-alert");
    let Action { busy, problem, .. } = action;
    let confirming = RwSignal::new(false);
    let lifted = RwSignal::new(false);
    let frozen = move || case.with(|c| c.as_ref().is_some_and(|c| c.customer.freeze.is_some()));
    let email = case
        .with_untracked(|c| c.as_ref().map(|c| c.customer.email.clone()))
        .unwrap_or_default();
    let confirm = move |_| {
        action.run(
            move |key| async move { super::api::unfreeze(&key).await },
            move || {
                confirming.set(false);
                lifted.set(true);
                focus_soon("unfreeze-status");
            },
        );
    };
    view! {
        <ActionAlert id="unfreeze-alert" problem />
        <p id="unfreeze-status" class="success" class:hidden=move || !lifted.get() role="status" tabindex="-1">
            {move || lifted.get().then(t(AgentMsg::Unfrozen))}
        </p>
        {move || (frozen() && !confirming.get()).then(|| view! {
            <button type="button" class="secondary" on:click=move |_| {
                confirming.set(true);
                focus_soon("confirm-unfreeze");
            }>{t(AgentMsg::Unfreeze)}</button>
        })}
        {move || (frozen() && confirming.get()).then(|| {
            let email = email.clone();
            let question = Signal::derive(move || {
                fill(AgentMsg::ConfirmUnfreeze.text(locale.get()), &[("customer", &email)])
            });
            view! {
                <Confirm id="confirm-unfreeze" question yes=AgentMsg::ConfirmUnfreezeButton
                    working=AgentMsg::Lifting busy on_yes=Callback::new(confirm)
                    on_cancel=Callback::new(move |_| confirming.set(false)) />
            }
        })}
    }
}

/// The customer's history as it is now, newest first, a page at a time.
#[component]
fn LiveHistory(id: StoredValue<String>) -> impl IntoView {
    let rows = RwSignal::new(Vec::<Transaction>::new());
    let next = RwSignal::new(None::<String>);
    let problem = RwSignal::new(None::<Problem>);
    let busy = RwSignal::new(false);
    let load = move |cursor: Option<String>| {
        busy.set(true);
        spawn_local(async move {
            let q = TransactionQuery {
                cursor,
                ..Default::default()
            };
            let result = super::api::transactions(&id.get_value(), &q).await;
            busy.try_set(false);
            match result {
                Ok(page) => {
                    rows.update(|r| r.extend(page.items));
                    next.set(page.next_cursor);
                }
                Err(e) => {
                    problem.set(Some(from_api(&e).1));
                }
            }
        });
    };
    load(None);
    view! {
        <section aria-labelledby="history-heading">
            <h2 id="history-heading">{t(AgentMsg::LiveHistoryHeading)}</h2>
            <ActionAlert id="history-alert" problem />
            <ul class="transactions">
                {move || rows.get().into_iter().map(|tx| view! { <Row tx /> }).collect_view()}
            </ul>
            {move || next.with(Option::is_some).then(|| view! {
                <button type="button" class="secondary" disabled=move || busy.get()
                    on:click=move |_| load(next.get_untracked())>{t(AgentMsg::MoreHistory)}</button>
            })}
        </section>
    }
}
