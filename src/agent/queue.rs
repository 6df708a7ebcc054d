//! `/agent`: every dispute and fraud report in one list, filtered and sorted, a page at a time,
//! with the age of each against the target and a way to take or release it.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use portal_api::agent::{CaseKind, CasePage, CaseQuery, CaseSummary, Role};
use portal_api::dto::{Locale, Me};
use portal_api::money::{Currency, Money};

use super::chart::CaseChart;
use super::text::AgentMsg;
use super::TwoStepFirst;
use crate::account::me::signed_out_or;
use crate::api::ApiError;
use crate::components::{Field, FormAlert, SubmitButton};
use crate::form::OtherText;
use crate::form::Problem;
use crate::i18n::{fill, Text};
use crate::locale::{format_count, t, use_locale};
use crate::pages::focus_soon;
use crate::route::Route;
use crate::wallet::rows::dispute_status_msg;
use crate::wallet::text::WalletMsg;

pub fn kind_msg(kind: CaseKind) -> AgentMsg {
    match kind {
        CaseKind::Dispute => AgentMsg::KindDispute,
        CaseKind::FraudReport => AgentMsg::KindFraudReport,
    }
}

/// The filter form's fields, as typed.
#[derive(Clone, Copy)]
struct Filters {
    kind: RwSignal<String>,
    status: RwSignal<String>,
    assignee: RwSignal<String>,
    sort: RwSignal<String>,
    min_age: RwSignal<String>,
    max_age: RwSignal<String>,
    min_amount: RwSignal<String>,
    max_amount: RwSignal<String>,
    errors: [RwSignal<Option<Problem>>; 4],
}

fn whole(text: &str) -> Result<Option<u64>, Problem> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<u64>()
        .map(Some)
        .map_err(|_| Problem::Other(OtherText(&AgentMsg::WholeNumber)))
}

fn choice<T: serde::de::DeserializeOwned>(value: &str) -> Option<T> {
    (!value.is_empty())
        .then(|| serde_json::from_value(serde_json::Value::String(value.to_owned())).ok())
        .flatten()
}

impl Filters {
    fn new() -> Self {
        Self {
            kind: RwSignal::new(String::new()),
            status: RwSignal::new("open".into()),
            assignee: RwSignal::new(String::new()),
            sort: RwSignal::new("oldest".into()),
            min_age: RwSignal::new(String::new()),
            max_age: RwSignal::new(String::new()),
            min_amount: RwSignal::new(String::new()),
            max_amount: RwSignal::new(String::new()),
            errors: std::array::from_fn(|_| RwSignal::new(None)),
        }
    }

    /// The query the form asks for, or the first field that is wrong (its error set).
    fn query(&self) -> Result<CaseQuery, &'static str> {
        let fields = [
            (self.min_age, "min-age"),
            (self.max_age, "max-age"),
            (self.min_amount, "min-amount"),
            (self.max_amount, "max-amount"),
        ];
        let mut values = [None; 4];
        let mut first_wrong = None;
        for (i, (value, id)) in fields.into_iter().enumerate() {
            match value.with_untracked(|v| whole(v)) {
                Ok(v) => {
                    values[i] = v;
                    self.errors[i].set(None);
                }
                Err(p) => {
                    self.errors[i].set(Some(p));
                    first_wrong.get_or_insert(id);
                }
            }
        }
        if let Some(id) = first_wrong {
            return Err(id);
        }
        let yen = |v: Option<u64>| v.map(|v| i64::try_from(v).unwrap_or(i64::MAX));
        let hours = |v: Option<u64>| v.map(|v| u32::try_from(v).unwrap_or(u32::MAX));
        Ok(CaseQuery {
            kind: choice(&self.kind.get_untracked()),
            status: choice(&self.status.get_untracked()),
            assignee: Some(self.assignee.get_untracked()).filter(|a| !a.is_empty()),
            sort: choice(&self.sort.get_untracked()),
            min_age_hours: hours(values[0]),
            max_age_hours: hours(values[1]),
            min_minor: yen(values[2]),
            max_minor: yen(values[3]),
            cursor: None,
            limit: None,
        })
    }
}

/// The words of one option, from whichever catalogue has them.
type Words = fn(Locale) -> &'static str;

/// A labelled `<select>` of `options` (value, words).
#[component]
fn Choice(
    id: &'static str,
    label: AgentMsg,
    value: RwSignal<String>,
    options: Vec<(&'static str, Words)>,
) -> impl IntoView {
    let locale = use_locale();
    view! {
        <div class="field">
            <label for=id>{t(label)}</label>
            <select id=id name=id on:change=move |ev| value.set(event_target_value(&ev))>
                {options.into_iter().map(|(v, words)| view! {
                    <option value=v prop:selected=move || value.with(|x| x == v)>{move || words(locale.get())}</option>
                }).collect_view()}
            </select>
        </div>
    }
}

#[component]
pub fn Queue(me: Me) -> impl IntoView {
    let locale = use_locale();
    let filters = Filters::new();
    let page = RwSignal::new(None::<CasePage>);
    let asked = RwSignal::new(CaseQuery::default());
    let problem = RwSignal::new(None::<Problem>);
    let two_step = RwSignal::new(false);
    let busy = RwSignal::new(false);

    // Loads the first page of `q`, or (with a cursor) the next one after what is shown.
    let load = move |q: CaseQuery| {
        busy.set(true);
        problem.set(None);
        spawn_local(async move {
            let more = q.cursor.is_some();
            let result = super::api::cases(&q).await;
            busy.try_set(false);
            match result {
                Ok(mut found) => {
                    if more {
                        if let Some(shown) = page.get_untracked() {
                            let mut items = shown.items;
                            items.append(&mut found.items);
                            found.items = items;
                        }
                    }
                    page.try_set(Some(found));
                }
                Err(e) => {
                    two_step
                        .set(e.code() == Some(portal_api::error::ErrorCode::AgentTwoStepRequired));
                    signed_out_or(&e, problem);
                    focus_soon("form-alert");
                }
            }
        });
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        match filters.query() {
            Ok(q) => {
                asked.set(q.clone());
                load(q);
            }
            Err(id) => focus_soon(id),
        }
    };
    load(CaseQuery::default());

    let more = move |_| {
        let cursor = page.with_untracked(|p| p.as_ref().and_then(|p| p.next_cursor.clone()));
        if let Some(cursor) = cursor {
            load(CaseQuery {
                cursor: Some(cursor),
                ..asked.get_untracked()
            });
        }
    };
    let replace = Callback::new(move |updated: CaseSummary| {
        page.update(|p| {
            if let Some(p) = p {
                if let Some(row) = p.items.iter_mut().find(|c| c.id == updated.id) {
                    *row = updated;
                }
            }
        });
    });
    let hours = move || {
        page.with(|p| p.as_ref().map(|p| (p.target_seconds / 3600).to_string()))
            .map(|h| fill(AgentMsg::TargetHint.text(locale.get()), &[("hours", &h)]))
    };
    let hint = |msg: AgentMsg| Signal::derive(move || msg.text(locale.get()).to_owned());
    let my_id = me.id.clone();

    view! {
        {(me.role == Role::Admin).then(|| view! {
            <p><A href=Route::AgentAudit.href()>{t(AgentMsg::AuditLink)}</A></p>
        })}
        <CaseChart />
        <section aria-labelledby="filters-heading">
            <h2 id="filters-heading">{t(AgentMsg::FiltersHeading)}</h2>
            <form class="filters" on:submit=submit novalidate>
                <Choice id="kind" label=AgentMsg::KindLabel value=filters.kind options=vec![
                    ("", |l| AgentMsg::KindAny.text(l)),
                    ("dispute", |l| AgentMsg::KindDispute.text(l)),
                    ("fraud_report", |l| AgentMsg::KindFraudReport.text(l)),
                ] />
                <Choice id="status" label=AgentMsg::StatusLabel value=filters.status options=vec![
                    ("open", |l| AgentMsg::StatusOpen.text(l)),
                    ("closed", |l| AgentMsg::StatusClosed.text(l)),
                    ("any", |l| AgentMsg::StatusAny.text(l)),
                    ("submitted", |l| WalletMsg::DisputeSubmitted.text(l)),
                    ("under_review", |l| WalletMsg::DisputeUnderReview.text(l)),
                    ("more_info_needed", |l| WalletMsg::DisputeMoreInfo.text(l)),
                    ("refunded", |l| WalletMsg::DisputeRefunded.text(l)),
                    ("declined", |l| WalletMsg::DisputeDeclined.text(l)),
                ] />
                <Choice id="assignee" label=AgentMsg::AssigneeLabel value=filters.assignee options=vec![
                    ("", |l| AgentMsg::AssigneeAnyone.text(l)),
                    ("me", |l| AgentMsg::AssigneeMe.text(l)),
                    ("none", |l| AgentMsg::AssigneeNone.text(l)),
                ] />
                <Choice id="sort" label=AgentMsg::SortLabel value=filters.sort options=vec![
                    ("oldest", |l| AgentMsg::SortOldest.text(l)),
                    ("newest", |l| AgentMsg::SortNewest.text(l)),
                    ("largest_amount", |l| AgentMsg::SortLargest.text(l)),
                    ("smallest_amount", |l| AgentMsg::SortSmallest.text(l)),
                ] />
                <Field id="min-age" label=AgentMsg::MinAgeLabel value=filters.min_age error=filters.errors[0]
                    autocomplete="off" inputmode="numeric" />
                <Field id="max-age" label=AgentMsg::MaxAgeLabel value=filters.max_age error=filters.errors[1]
                    autocomplete="off" inputmode="numeric" />
                <Field id="min-amount" label=AgentMsg::MinAmountLabel value=filters.min_amount error=filters.errors[2]
                    autocomplete="off" inputmode="numeric" />
                <Field id="max-amount" label=AgentMsg::MaxAmountLabel value=filters.max_amount error=filters.errors[3]
                    autocomplete="off" inputmode="numeric" hint=hint(AgentMsg::WholeNumber) />
                <SubmitButton label=AgentMsg::ApplyFilters busy_label=AgentMsg::Working busy=busy.into() />
            </form>
        </section>
        <section aria-labelledby="cases-heading">
            <h2 id="cases-heading">{t(AgentMsg::CasesHeading)}</h2>
            <FormAlert problem />
            {move || two_step.get().then(|| view! { <TwoStepFirst /> })}
            <p class="hint">{hours}</p>
            <p role="status">
                {move || page.with(|p| p.as_ref().map(|p| if p.items.is_empty() {
                    AgentMsg::NoCases.text(locale.get()).to_owned()
                } else if p.items.len() == 1 {
                    AgentMsg::OneCaseShown.text(locale.get()).to_owned()
                } else {
                    fill(
                        AgentMsg::CasesShown.text(locale.get()),
                        &[("count", &format_count(p.items.len() as u64, locale.get()))],
                    )
                }))}
            </p>
            {move || page.with(|p| p.as_ref().filter(|p| !p.items.is_empty()).map(|p| {
                let now = p.now;
                let my_id = my_id.clone();
                view! {
                    <div class="table-scroll">
                        <table class="queue">
                            <thead>
                                <tr>
                                    <th scope="col">{t(AgentMsg::CaseTerm)}</th>
                                    <th scope="col">{t(AgentMsg::KindLabel)}</th>
                                    <th scope="col">{t(AgentMsg::StatusLabel)}</th>
                                    <th scope="col">{t(AgentMsg::CustomerTerm)}</th>
                                    <th scope="col">{t(AgentMsg::AmountTerm)}</th>
                                    <th scope="col">{t(AgentMsg::AgeTerm)}</th>
                                    <th scope="col">{t(AgentMsg::AssigneeTerm)}</th>
                                    <th scope="col"><span class="visually-hidden">{t(AgentMsg::ActionsHeading)}</span></th>
                                </tr>
                            </thead>
                            <tbody>
                                {p.items.iter().cloned().map(|c| view! {
                                    <CaseRow c now my_id=my_id.clone() problem replace />
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }
            }))}
            {move || page.with(|p| p.as_ref().is_some_and(|p| p.next_cursor.is_some())).then(|| view! {
                <button type="button" class="secondary" on:click=more disabled=move || busy.get()>
                    {t(AgentMsg::MoreCases)}
                </button>
            })}
        </section>
    }
}

/// One case of the list; taking or releasing it updates the row in place.
#[component]
fn CaseRow(
    c: CaseSummary,
    now: i64,
    my_id: String,
    problem: RwSignal<Option<Problem>>,
    replace: Callback<CaseSummary>,
) -> impl IntoView {
    let locale = use_locale();
    let busy = RwSignal::new(false);
    let id = StoredValue::new(c.id.clone());
    let mine = c.assignee.as_ref().is_some_and(|a| a.id == my_id);
    let act = move |release: bool| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        problem.set(None);
        spawn_local(async move {
            let id = id.get_value();
            let result: Result<_, ApiError> = if release {
                super::api::unassign(&id).await
            } else {
                super::api::claim(&id).await
            };
            busy.try_set(false);
            match result {
                Ok(detail) => replace.run(detail.summary),
                Err(e) => {
                    signed_out_or(&e, problem);
                    focus_soon("form-alert");
                }
            }
        });
    };
    let hours = ((now - c.created_at).max(0) / 3600).to_string();
    let amount = c.amount;
    let (kind, status, overdue) = (c.kind, c.status, c.overdue);
    let button =
        {
            let case = c.id.clone();
            let (msg, words) = if mine {
                (AgentMsg::UnassignCase, AgentMsg::Unassign)
            } else {
                (AgentMsg::ClaimCase, AgentMsg::Claim)
            };
            let label = move || fill(msg.text(locale.get()), &[("case", &case)]);
            status.is_open().then(|| view! {
            <button type="button" class="secondary" aria-label=label on:click=move |_| act(mine)
                disabled=move || busy.get()>{t(words)}</button>
        })
        };
    view! {
        <tr>
            <th scope="row"><A href=Route::AgentCase(&c.id).href()>{c.id.clone()}</A></th>
            <td>{t(kind_msg(kind))}</td>
            <td>{t(dispute_status_msg(status))}</td>
            <td class="email">{c.customer_email}</td>
            <td>{move || amount.format(locale.get())}</td>
            <td>
                {move || fill(AgentMsg::AgeHours.text(locale.get()), &[("hours", &hours)])}
                {overdue.then(|| view! { " " <span class="badge badge-warn">{t(AgentMsg::Overdue)}</span> })}
            </td>
            <td>{match c.assignee {
                Some(a) => view! { <span class="email">{a.email}</span> }.into_any(),
                None => view! { <span class="muted">{t(AgentMsg::NoOne)}</span> }.into_any(),
            }}</td>
            <td>{button}</td>
        </tr>
    }
}

/// The amount in question as the refund form starts it: whole yen.
pub fn yen_text(amount: Money) -> String {
    if amount.currency == Currency::JPY {
        amount.minor.to_string()
    } else {
        String::new()
    }
}
