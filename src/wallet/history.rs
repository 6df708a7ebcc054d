//! `/wallet/history`: every transaction, newest first, a page at a time, with filters, text
//! search, spending per month and a CSV of what the filters select.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use portal_api::money::{Currency, Money};
use portal_api::wallet::{Transaction, TransactionKind, TransactionQuery, TransactionStatus};

use super::chart::SpendingChart;
use super::freeze::{load_freeze, FreezeBanner};
use super::rows::{kind_msg, status_msg, TransactionRow};
use super::text::WalletMsg;
use crate::account::me::{signed_out_or, SignedInPage};
use crate::api;
use crate::components::{Field, FormAlert};
use crate::form::Problem;
use crate::i18n::{fill, Text};
use crate::locale::{format_count, format_date, t, use_locale};
use crate::pages::focus_soon;
use crate::route::Route;

const PAGE: u32 = 50;

#[component]
pub fn History() -> impl IntoView {
    view! { <SignedInPage title=WalletMsg::HistoryTitle back=Route::Wallet render=|_| view! { <HistoryView /> } /> }
}

/// A date input's value (`YYYY-MM-DD`) as the first or last second of that day where the reader
/// is.
fn day_bound(value: &str, end_of_day: bool) -> Option<i64> {
    let mut parts = value.split('-').map(|p| p.parse::<f64>().ok());
    let (Some(Some(y)), Some(Some(m)), Some(Some(d))) = (parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let (h, min, s) = if end_of_day {
        (23.0, 59.0, 59.0)
    } else {
        (0.0, 0.0, 0.0)
    };
    let date = js_sys::Date::new_with_year_month_day_hr_min_sec(
        y as u32,
        m as i32 - 1,
        d as i32,
        h as i32,
        min as i32,
        s as i32,
    );
    let ms = date.get_time();
    (!ms.is_nan()).then(|| (ms / 1000.0) as i64)
}

#[derive(Clone, Copy)]
struct Filters {
    kind: RwSignal<String>,
    status: RwSignal<String>,
    from: RwSignal<String>,
    to: RwSignal<String>,
    min: RwSignal<String>,
    max: RwSignal<String>,
    merchant: RwSignal<String>,
    q: RwSignal<String>,
}

impl Filters {
    fn new() -> Self {
        let s = || RwSignal::new(String::new());
        Filters {
            kind: s(),
            status: s(),
            from: s(),
            to: s(),
            min: s(),
            max: s(),
            merchant: s(),
            q: s(),
        }
    }

    fn clear(self) {
        for f in [
            self.kind,
            self.status,
            self.from,
            self.to,
            self.min,
            self.max,
            self.merchant,
            self.q,
        ] {
            f.set(String::new());
        }
    }

    /// The query these filters make; `Err` names the field that cannot be read.
    fn query(self) -> Result<TransactionQuery, &'static str> {
        let text = |s: RwSignal<String>| {
            Some(s.get_untracked().trim().to_owned()).filter(|v| !v.is_empty())
        };
        let amount = |s: RwSignal<String>, id| match text(s) {
            None => Ok(None),
            Some(v) => Money::parse(&v, Currency::JPY)
                .map(|m| Some(m.minor))
                .ok_or(id),
        };
        let date = |s: RwSignal<String>, end, id| match text(s) {
            None => Ok(None),
            Some(v) => day_bound(&v, end).map(Some).ok_or(id),
        };
        Ok(TransactionQuery {
            kind: text(self.kind).and_then(|k| serde_json::from_value(k.into()).ok()),
            status: text(self.status).and_then(|k| serde_json::from_value(k.into()).ok()),
            from: date(self.from, false, "from")?,
            to: date(self.to, true, "to")?,
            min_minor: amount(self.min, "min")?,
            max_minor: amount(self.max, "max")?,
            merchant: text(self.merchant),
            q: text(self.q),
            cursor: None,
            limit: Some(PAGE),
        })
    }
}

#[component]
fn HistoryView() -> impl IntoView {
    let locale = use_locale();
    let filters = Filters::new();
    let applied = RwSignal::new(TransactionQuery {
        limit: Some(PAGE),
        ..Default::default()
    });
    let rows = RwSignal::new(Vec::<Transaction>::new());
    let next = RwSignal::new(None::<String>);
    // Set when a search of very short words read its share of the history and stopped there.
    let searched_to = RwSignal::new(None::<i64>);
    let loaded = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let problem = RwSignal::new(None::<Problem>);
    let field_errors: [RwSignal<Option<Problem>>; 4] = std::array::from_fn(|_| RwSignal::new(None));
    let [from_error, to_error, min_error, max_error] = field_errors;

    // Reads a page: the first of `query`, or the next one after `cursor`.
    let load = move |query: TransactionQuery, cursor: Option<String>| {
        busy.set(true);
        problem.set(None);
        let append = cursor.is_some();
        spawn_local(async move {
            let result = api::transactions(&TransactionQuery { cursor, ..query }).await;
            busy.try_set(false);
            match result {
                Ok(page) => {
                    if append {
                        rows.update(|r| r.extend(page.items));
                    } else {
                        rows.set(page.items);
                    }
                    next.set(page.next_cursor);
                    searched_to.set(page.searched_to);
                    loaded.set(true);
                }
                Err(e) => {
                    signed_out_or(&e, problem);
                    focus_soon("form-alert");
                }
            }
        });
    };
    load(applied.get_untracked(), None);

    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        for e in field_errors {
            e.set(None);
        }
        match filters.query() {
            Ok(query) => {
                applied.set(query.clone());
                load(query, None);
            }
            Err(id) => {
                let (error, problem) = match id {
                    "from" => (
                        from_error,
                        Problem::Code(portal_api::error::ErrorCode::FilterInvalid),
                    ),
                    "to" => (
                        to_error,
                        Problem::Code(portal_api::error::ErrorCode::FilterInvalid),
                    ),
                    "min" => (
                        min_error,
                        Problem::Code(portal_api::error::ErrorCode::AmountInvalid),
                    ),
                    _ => (
                        max_error,
                        Problem::Code(portal_api::error::ErrorCode::AmountInvalid),
                    ),
                };
                error.set(Some(problem));
                focus_soon(match id {
                    "from" => "filter-from",
                    "to" => "filter-to",
                    "min" => "filter-min",
                    _ => "filter-max",
                });
            }
        }
    };
    let clear = move |_| {
        filters.clear();
        for e in field_errors {
            e.set(None);
        }
        let query = TransactionQuery {
            limit: Some(PAGE),
            ..Default::default()
        };
        applied.set(query.clone());
        load(query, None);
    };
    let more = move |_| {
        if let Some(cursor) = next.get_untracked() {
            load(applied.get_untracked(), Some(cursor));
        }
    };

    let select = |id: &'static str,
                  label: WalletMsg,
                  value: RwSignal<String>,
                  options: Vec<(String, WalletMsg)>| {
        view! {
            <div class="field">
                <label for=id>{t(label)}</label>
                <select id=id on:change=move |ev| value.set(event_target_value(&ev))>
                    <option value="" prop:selected=move || value.get().is_empty()>{t(WalletMsg::AnyOption)}</option>
                    {options
                        .into_iter()
                        .map(|(v, msg)| {
                            let wire = v.clone();
                            view! { <option value=v prop:selected=move || value.get() == wire>{t(msg)}</option> }
                        })
                        .collect_view()}
                </select>
            </div>
        }
    };
    let kinds = [
        TransactionKind::TopUp,
        TransactionKind::Payment,
        TransactionKind::Refund,
    ]
    .map(|k| (wire(k), kind_msg(k)))
    .to_vec();
    let statuses = [
        TransactionStatus::Completed,
        TransactionStatus::Pending,
        TransactionStatus::Declined,
    ]
    .map(|s| (wire(s), status_msg(s)))
    .to_vec();

    let freeze = load_freeze();
    view! {
        <FreezeBanner freeze />
        <p><A href=Route::ReportFraud(None).href()>{t(WalletMsg::ReportFraudLink)}</A></p>
        <SpendingChart />
        <section aria-labelledby="filters-heading" class="filters">
            <h2 id="filters-heading">{t(WalletMsg::FiltersHeading)}</h2>
            <form on:submit=apply novalidate>
                <Field id="filter-q" label=WalletMsg::SearchLabel input_type="search" autocomplete="off"
                    value=filters.q error=RwSignal::new(None) />
                <div class="field-row">
                    {select("filter-kind", WalletMsg::KindLabel, filters.kind, kinds)}
                    {select("filter-status", WalletMsg::StatusLabel, filters.status, statuses)}
                </div>
                <div class="field-row">
                    <Field id="filter-from" label=WalletMsg::FromLabel input_type="date" autocomplete="off"
                        value=filters.from error=from_error />
                    <Field id="filter-to" label=WalletMsg::ToLabel input_type="date" autocomplete="off"
                        value=filters.to error=to_error />
                </div>
                <div class="field-row">
                    <Field id="filter-min" label=WalletMsg::MinAmountLabel inputmode="numeric" autocomplete="off"
                        value=filters.min error=min_error />
                    <Field id="filter-max" label=WalletMsg::MaxAmountLabel inputmode="numeric" autocomplete="off"
                        value=filters.max error=max_error />
                </div>
                <Field id="filter-merchant" label=WalletMsg::MerchantLabel autocomplete="off"
                    value=filters.merchant error=RwSignal::new(None) />
                <div class="actions">
                    <button type="button" class="secondary" on:click=clear>{t(WalletMsg::ClearFilters)}</button>
                    <button type="submit" class="primary">{t(WalletMsg::ApplyFilters)}</button>
                </div>
            </form>
        </section>
        <FormAlert problem />
        <section aria-labelledby="results-heading">
            <h2 id="results-heading">{t(WalletMsg::ResultsHeading)}</h2>
            <p class="muted" role="status">
                {move || loaded.get().then(|| {
                    let n = rows.with(Vec::len) as u64;
                    if n == 0 {
                        WalletMsg::NoResults.text(locale.get()).to_owned()
                    } else {
                        fill(WalletMsg::ShownCount.text(locale.get()), &[("count", &format_count(n, locale.get()))])
                    }
                })}
            </p>
            <ul class="transactions">
                <For each=move || rows.get() key=|tx| tx.id.clone() let:tx>
                    <TransactionRow tx />
                </For>
            </ul>
            <p class="muted" role="status">
                {move || searched_to.get().map(|at| {
                    let date = format_date(at, locale.get());
                    fill(WalletMsg::SearchedBackTo.text(locale.get()), &[("date", &date)])
                })}
            </p>
            {move || next.with(Option::is_some).then(|| view! {
                <button type="button" class="secondary" on:click=more disabled=move || busy.get()
                    aria-busy=move || if busy.get() { "true" } else { "false" }>
                    {move || match (busy.get(), searched_to.get().is_some()) {
                        (true, _) => t(WalletMsg::LoadingMore)(),
                        (false, true) => t(WalletMsg::SearchFurther)(),
                        (false, false) => t(WalletMsg::ShowMore)(),
                    }}
                </button>
            })}
            <p>
                <a href=move || api::transactions_csv_url(&applied.get()) download="">
                    {t(WalletMsg::DownloadCsv)}
                </a>
            </p>
        </section>
    }
}

/// The wire name of a kind or status (`top_up`), which the query string carries.
fn wire<T: serde::Serialize>(value: T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}
